//! Micro-benchmarks of the offline answerer: building its index, and ranking the resume's facts
//! to answer one question (the work it does per question).
//!
//! `cargo bench -p adapters-offline --bench ranking` (or `just bench-micro`).

#![allow(clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::Path;

use adapters_offline::OfflineAnswerer;
use criterion::{Criterion, criterion_group, criterion_main};

const QUESTIONS: &[(&str, &str)] = &[
    ("languages", "What programming languages does she know?"),
    ("current_job", "Where does she work now?"),
    ("years", "How many years of experience does she have?"),
    ("unknown", "What is her favourite pancake recipe?"),
    ("typos", "wher did she studdy?"),
    ("location", "Where is she based?"),
];

fn ranking(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/resume.json");
    let resume = resume_loader::load_resume(&path).expect("the sample resume loads");
    let mut group = c.benchmark_group("offline");
    group.bench_function("index_build", |b| {
        b.iter(|| OfflineAnswerer::new(black_box(&resume)))
    });
    let answerer = OfflineAnswerer::new(&resume);
    for (name, question) in QUESTIONS {
        group.bench_function(format!("answer_{name}"), |b| {
            b.iter(|| answerer.answer(black_box(question)))
        });
    }
    let long = "Rust and TypeScript experience with React? ".repeat(45);
    group.bench_function("answer_2000_chars", |b| {
        b.iter(|| answerer.answer(black_box(&long)))
    });
    group.finish();
}

criterion_group!(benches, ranking);
criterion_main!(benches);
