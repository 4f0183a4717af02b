//! What watching costs a live bot: the paper bot's `Bot::on_candle` alone
//! (its own loop), beside the same candles through `monitor::Live` sampling
//! once a second (wall clock, as in production), and every 4,096 events.
//! Candles are made before each timed block of 4,096, so the market
//! generator's time (a third of a paper bot step) is in neither figure and
//! the ratio is the monitor's cost against the bot's step alone.
//! `cargo bench --features monitor --bench monitor`; the ratio of the
//! medians is the monitor's cost (README, "Performance").

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

use heapbound::market::{Candle, CandleGenerator};
use heapbound::monitor::{Live, MonitorOptions};
use heapbound::paper::{BotConfig, PaperBot};
use heapbound::Bot;

/// Candles per timed block: made outside the timing, fed inside it.
const BLOCK: usize = 4_096;

fn live(options: MonitorOptions) -> Live<PaperBot> {
    Live::<PaperBot>::new(BotConfig::default(), options).expect("the default config is valid")
}

/// Once a second, never by count: the production setting.
fn every_second() -> MonitorOptions {
    MonitorOptions {
        every_events: u64::MAX,
        every: Some(Duration::from_secs(1)),
        ..MonitorOptions::default()
    }
}

/// The next block of one market that keeps moving forward, as a live
/// bot's does.
fn next_block(market: &mut CandleGenerator) -> Vec<Candle> {
    market.by_ref().take(BLOCK).collect()
}

fn monitor(c: &mut Criterion) {
    let mut group = c.benchmark_group("monitor");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function(BenchmarkId::new("bot_on_candle_alone", BLOCK), |b| {
        let mut bot = PaperBot::new(BotConfig::default()).unwrap();
        let mut market = CandleGenerator::new(42);
        b.iter_batched_ref(
            || next_block(&mut market),
            |candles| {
                for candle in candles.iter() {
                    bot.on_candle(candle);
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("bot_in_its_group", BLOCK), |b| {
        // The least a measurement of the bot's heap costs when every
        // candle is a call of its own: its group entered around each.
        let mut arena = heapbound::heap::Group::new();
        let mut bot = arena.run(|| PaperBot::new(BotConfig::default()).unwrap());
        let mut market = CandleGenerator::new(42);
        b.iter_batched_ref(
            || next_block(&mut market),
            |candles| {
                for candle in candles.iter() {
                    let _entered = arena.enter();
                    bot.on_candle(candle);
                }
            },
            BatchSize::SmallInput,
        )
    });
    for (name, options) in [
        (
            "live_every_second_no_recorder",
            MonitorOptions {
                recorder_capacity: 0,
                ..every_second()
            },
        ),
        ("live_every_second", every_second()),
        ("live_default", MonitorOptions::default()),
    ] {
        group.bench_function(BenchmarkId::new(name, BLOCK), |b| {
            let mut live = live(options.clone());
            let mut market = CandleGenerator::new(42);
            b.iter_batched_ref(
                || next_block(&mut market),
                |candles| {
                    for candle in candles.iter() {
                        live.feed(*candle);
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    for (batch, recorder_capacity, name) in [
        (16, 65_536, "live_every_second_batches_of_16"),
        (64, 65_536, "live_every_second_batches_of_64"),
        (64, 0, "live_every_second_batches_of_64_no_recorder"),
    ] {
        group.bench_function(BenchmarkId::new(name, BLOCK), |b| {
            let mut live = live(MonitorOptions {
                recorder_capacity,
                ..every_second()
            });
            let mut market = CandleGenerator::new(42);
            b.iter_batched_ref(
                || next_block(&mut market),
                |candles| {
                    for chunk in candles.chunks(batch) {
                        live.feed_all(chunk);
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(8));
    targets = monitor
}
criterion_main!(benches);
