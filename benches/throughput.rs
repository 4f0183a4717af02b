//! Candles per second with tracking on: the generator alone (every field of
//! every candle made and kept), the generator plus one paper-bot step, and
//! `sim::simulate` (the bot in its group, checks every 1,000 candles, the
//! slope sampled) at 1 M and 100 M candles. `cargo bench --bench throughput`;
//! `scripts/bench-summary.py` prints the ratios.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::hint::black_box;

#[path = "support/step.rs"]
mod support_step;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use heapbound::market::CandleGenerator;
use heapbound::paper::{BotConfig, PaperBot};
use heapbound::sim::{simulate, SimOptions, SimReport};

const CANDLES: u64 = 1_000_000;

fn simulate_paper(candles: u64) -> SimReport {
    // The candle path, as before the action mix existed: the figure this
    // bench has tracked since the first session.
    let options = SimOptions {
        candles,
        action_every: None,
        ..SimOptions::default()
    };
    simulate::<PaperBot>(
        &options,
        &BotConfig::default(),
        CandleGenerator::new(42),
        &mut |_| {},
    )
    .expect("the default config is valid")
}

fn candles(c: &mut Criterion) {
    let mut group = c.benchmark_group("candles");
    group.throughput(Throughput::Elements(CANDLES));
    group.bench_function(BenchmarkId::new("generate", CANDLES), |b| {
        b.iter(|| {
            for candle in CandleGenerator::new(42).take(CANDLES as usize) {
                black_box(&candle);
            }
        })
    });
    group.bench_function(BenchmarkId::new("generate_and_step", CANDLES), |b| {
        support_step::bench_steps(b, CANDLES)
    });
    group.bench_function(BenchmarkId::new("simulate", CANDLES), |b| {
        b.iter(|| simulate_paper(CANDLES).trades)
    });
    group.finish();
}

/// Linear cost and a flat heap: the same run at 1 M and 100 M candles.
fn simulate_length(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate_length");
    group.sample_size(10);
    for candles in [1_000_000, 100_000_000] {
        let report = simulate_paper(candles);
        eprintln!(
            "simulate {candles} candles: peak heap {} B, growth {} B, {} allocations per candle after warm-up, verdict {}",
            report.heap.peak_bytes,
            report.heap.growth_bytes,
            report.heap.steady_allocations_per_candle,
            report.verdict
        );
        group.throughput(Throughput::Elements(candles));
        group.bench_function(BenchmarkId::from_parameter(candles), |b| {
            b.iter(|| simulate_paper(candles).trades)
        });
    }
    group.finish();
}

criterion_group!(benches, candles, simulate_length);
criterion_main!(benches);
