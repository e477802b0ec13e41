//! Micro-benchmarks of the WebSocket frames: reading client frames and writing server frames,
//! done once per question and once per delta.
//!
//! `cargo bench -p api-actix --bench frames` (or `just bench-micro`).

#![allow(missing_docs)]

use std::hint::black_box;

use api_actix::protocol::{FinishReason, Usage};
use api_actix::{ErrorCode, ServerFrame, parse_client_frame};
use criterion::{Criterion, criterion_group, criterion_main};

fn parsing(c: &mut Criterion) {
    let short = r#"{"type":"question","question":"What programming languages does she know?"}"#;
    let long = serde_json::json!({"type": "question", "question": "é and some words ".repeat(117)})
        .to_string();
    let mut group = c.benchmark_group("parse_client_frame");
    group.bench_function("question_short", |b| {
        b.iter(|| parse_client_frame(black_box(short)))
    });
    group.bench_function("question_2000_chars", |b| {
        b.iter(|| parse_client_frame(black_box(&long)))
    });
    group.bench_function("cancel", |b| {
        b.iter(|| parse_client_frame(black_box(r#"{"type":"cancel"}"#)))
    });
    group.bench_function("not_json", |b| {
        b.iter(|| parse_client_frame(black_box("what languages?")))
    });
    group.finish();
}

fn writing(c: &mut Criterion) {
    let answer = "From the resume: TypeScript, React, Node.js and a little Python. ".repeat(8);
    let mut group = c.benchmark_group("server_frame_to_json");
    group.bench_function("delta", |b| {
        b.iter(|| {
            ServerFrame::Delta {
                delta: black_box(" TypeScript,"),
                seq: black_box(7),
            }
            .to_json()
        })
    });
    group.bench_function("response_500_chars", |b| {
        b.iter(|| {
            ServerFrame::Response {
                response: black_box(&answer),
                message_id: "0192b6a4-8c1e-7f3a-9d2b-5e6f7a8b9c0d".to_owned(),
                finish_reason: FinishReason::Stop,
                usage: Usage {
                    prompt_tokens: 1200,
                    completion_tokens: 120,
                },
            }
            .to_json()
        })
    });
    group.bench_function("error", |b| {
        b.iter(|| {
            ServerFrame::Error {
                error: black_box("An answer is still being written.").into(),
                code: ErrorCode::Busy,
                retry_after: None,
            }
            .to_json()
        })
    });
    group.finish();
}

criterion_group!(benches, parsing, writing);
criterion_main!(benches);
