//! Executions per second of each fuzz target's body outside libFuzzer (no
//! sanitizer, no coverage): one pass over the target's checked-in corpus is
//! one iteration. Against `cargo fuzz run`'s exec/s this shows how much of a
//! fuzzer's time is instrumentation. `cargo bench --bench fuzz_one`.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use heapbound::paper::PaperBot;
use heapbound::targets::{fuzz_builtin, read_corpus, Builtin};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    read_corpus(&folder).unwrap_or_else(|error| panic!("{error}"))
}

fn fuzz_one(c: &mut Criterion) {
    let mut group = c.benchmark_group("fuzz_one");
    let inputs = corpus("actions");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function(BenchmarkId::from_parameter("actions"), |b| {
        b.iter(|| {
            inputs
                .iter()
                .for_each(|data| heapbound::fuzz::<PaperBot>(data))
        })
    });
    for target in Builtin::ALL {
        let inputs = corpus(target.name());
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(target.name()), |b| {
            b.iter(|| inputs.iter().for_each(|data| fuzz_builtin(target, data)))
        });
    }
    group.finish();
}

criterion_group!(benches, fuzz_one);
criterion_main!(benches);
