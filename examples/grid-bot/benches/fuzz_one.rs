//! Executions per second of the `grid_actions` fuzz target's body outside
//! libFuzzer: one pass over `corpus/grid_actions` is one iteration, as in
//! heapbound's own `fuzz_one` bench. `cargo bench -p grid-bot`.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn corpus() -> Vec<Vec<u8>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/grid_actions");
    heapbound::targets::read_corpus(&folder).unwrap_or_else(|error| panic!("{error}"))
}

fn fuzz_one(c: &mut Criterion) {
    let inputs = corpus();
    let mut group = c.benchmark_group("fuzz_one");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function(BenchmarkId::from_parameter("grid_actions"), |b| {
        b.iter(|| {
            inputs
                .iter()
                .for_each(|data| heapbound::fuzz::<grid_bot::GoodGridBot>(data))
        })
    });
    group.finish();
}

criterion_group!(benches, fuzz_one);
criterion_main!(benches);
