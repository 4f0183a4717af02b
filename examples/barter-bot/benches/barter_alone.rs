//! The barter adapter driven alone: `BarterBot` (engine, risk manager and
//! mock exchange) fed the same 200,000 candles as `barter_under_simulate`
//! in a plain loop, with the system allocator and no heapbound check.
//! `scripts/bench-summary.py` divides the two.

#[path = "support/workload.rs"]
mod workload;

use std::hint::black_box;

use barter_bot::BarterBot;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use heapbound::Bot;

fn alone(c: &mut Criterion) {
    let candles = workload::candles();
    let config = workload::config();
    let mut group = c.benchmark_group("barter");
    group.throughput(Throughput::Elements(workload::CANDLES as u64));
    group.sample_size(20);
    group.bench_function("alone", |b| {
        b.iter(|| {
            let mut bot = BarterBot::build(&config).expect("the config builds");
            for candle in &candles {
                black_box(bot.on_candle(candle));
            }
            bot.activity().trades
        })
    });
    group.finish();
}

criterion_group!(benches, alone);
criterion_main!(benches);
