//! Candles per second with tracking on: generation alone, and generation plus
//! the bot (the figure `simulate` reports). `cargo bench`.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use heapbound::market::CandleGenerator;
use heapbound::paper::{BotConfig, PaperBot};

const CANDLES: u64 = 100_000;

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("candles");
    group.throughput(Throughput::Elements(CANDLES));
    group.bench_function(BenchmarkId::new("generate", CANDLES), |b| {
        b.iter(|| {
            CandleGenerator::new(42)
                .take(CANDLES as usize)
                .map(|c| c.close())
                .sum::<i64>()
        })
    });
    group.bench_function(BenchmarkId::new("generate_and_step", CANDLES), |b| {
        let mut bot = PaperBot::new(BotConfig::default()).unwrap();
        b.iter(|| {
            for candle in CandleGenerator::new(42).take(CANDLES as usize) {
                bot.step(&candle);
            }
            bot.books().fills
        })
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
