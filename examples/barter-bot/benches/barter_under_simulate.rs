//! barter under heapbound: the same 200,000 candles as `barter_alone`
//! through `sim::simulate` (the bot in its group under the tracking
//! allocator, bounds, budgets and invariants every 1,000 candles, the leak
//! slope sampled). `scripts/bench-summary.py` divides the two.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

#[path = "support/workload.rs"]
mod workload;

use barter_bot::BarterBot;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use heapbound::sim::{simulate, SimOptions};

fn under_simulate(c: &mut Criterion) {
    let candles = workload::candles();
    let config = workload::config();
    let options = SimOptions {
        candles: workload::CANDLES as u64,
        action_every: None,
        ..SimOptions::default()
    };
    let mut group = c.benchmark_group("barter");
    group.throughput(Throughput::Elements(workload::CANDLES as u64));
    group.sample_size(20);
    group.bench_function("under_simulate", |b| {
        b.iter(|| {
            let report =
                simulate::<BarterBot>(&options, &config, candles.iter().copied(), &mut |_| {})
                    .expect("the config builds");
            assert!(report.violations.is_empty(), "{:?}", report.violations);
            report.trades
        })
    });
    group.finish();
}

criterion_group!(benches, under_simulate);
criterion_main!(benches);
