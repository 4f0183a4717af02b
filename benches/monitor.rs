//! What watching costs a live bot: the paper bot's candle step alone (the
//! bot's own loop), beside the same candles through `monitor::Live` sampling
//! once a second (wall clock, as in production) and every 4,096 events.
//! `cargo bench --features monitor --bench monitor`; the ratio of the
//! medians is the monitor's cost (README, "Performance").

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::time::Duration;

#[path = "support/step.rs"]
mod support_step;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use heapbound::market::CandleGenerator;
use heapbound::monitor::{Live, MonitorOptions};
use heapbound::paper::{BotConfig, PaperBot};

const CANDLES: u64 = 1_000_000;

fn live(options: MonitorOptions) -> Live<PaperBot> {
    Live::<PaperBot>::new(BotConfig::default(), options).expect("the default config is valid")
}

fn monitor(c: &mut Criterion) {
    let mut group = c.benchmark_group("monitor");
    group.throughput(Throughput::Elements(CANDLES));
    group.bench_function(BenchmarkId::new("bot_alone", CANDLES), |b| {
        support_step::bench_steps(b, CANDLES)
    });
    group.bench_function(BenchmarkId::new("bot_on_candle_alone", CANDLES), |b| {
        // The Bot trait's entry point, which Live calls, without a group.
        let mut bot = PaperBot::new(BotConfig::default()).unwrap();
        let mut market = CandleGenerator::new(42);
        b.iter(|| {
            for candle in market.by_ref().take(CANDLES as usize) {
                heapbound::Bot::on_candle(&mut bot, &candle);
            }
            bot.books().fills
        })
    });
    group.bench_function(BenchmarkId::new("bot_in_its_group", CANDLES), |b| {
        // The least any measurement of the bot's heap costs: its group
        // entered around each step.
        let mut arena = heapbound::heap::Group::new();
        let mut bot = arena.run(|| PaperBot::new(BotConfig::default()).unwrap());
        let mut market = CandleGenerator::new(42);
        b.iter(|| {
            for candle in market.by_ref().take(CANDLES as usize) {
                let _entered = arena.enter();
                heapbound::Bot::on_candle(&mut bot, &candle);
            }
            bot.books().fills
        })
    });
    for (name, options) in [
        (
            "live_every_second_no_recorder",
            MonitorOptions {
                every_events: u64::MAX,
                every: Some(Duration::from_secs(1)),
                recorder_capacity: 0,
                ..MonitorOptions::default()
            },
        ),
        (
            "live_every_second",
            MonitorOptions {
                every_events: u64::MAX,
                every: Some(Duration::from_secs(1)),
                ..MonitorOptions::default()
            },
        ),
        ("live_default", MonitorOptions::default()),
    ] {
        group.bench_function(BenchmarkId::new(name, CANDLES), |b| {
            let mut live = live(options.clone());
            let mut market = CandleGenerator::new(42);
            b.iter(|| {
                for candle in market.by_ref().take(CANDLES as usize) {
                    live.feed(candle);
                }
                live.events()
            })
        });
    }
    group.bench_function(
        BenchmarkId::new("live_every_second_batches_of_64", CANDLES),
        |b| {
            let mut live = live(MonitorOptions {
                every_events: u64::MAX,
                every: Some(Duration::from_secs(1)),
                ..MonitorOptions::default()
            });
            let mut market = CandleGenerator::new(42);
            let mut batch = Vec::with_capacity(64);
            b.iter(|| {
                for _ in 0..CANDLES / 64 {
                    batch.clear();
                    batch.extend(market.by_ref().take(64));
                    live.feed_all(&batch);
                }
                live.events()
            })
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(10));
    targets = monitor
}
criterion_main!(benches);
