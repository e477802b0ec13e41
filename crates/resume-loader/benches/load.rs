//! Loading a resume file, per format: what start-up and each reload of an edited file cost.
//!
//! `cargo bench -p resume-loader --bench load`.

#![allow(clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};

fn file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for (name, path) in [
        (
            "pdf_3_pages",
            file("tests/data/solveig-berntsen-three-pages.pdf"),
        ),
        ("pdf_1_page", file("tests/data/aoife-brennan.pdf")),
        ("docx", file("tests/data/aoife-brennan.docx")),
        ("markdown", file("../../data/resume.md")),
        ("json_original", file("../../data/resume.json")),
        ("json_resume", file("tests/data/jsonresume-full.json")),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| resume_loader::load_resume(black_box(&path)).expect("loads"))
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
