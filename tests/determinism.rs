//! Same seed, same candles, trades, equity and allocation counts.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use heapbound::market::{Candle, CandleGenerator};
use heapbound::paper::{BotConfig, PaperBot};
use heapbound::sim::{simulate, SimOptions};

/// FNV-1a over the candles' fields, little-endian: stable across platforms.
fn fingerprint(candles: impl Iterator<Item = Candle>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for candle in candles {
        let fields = [
            candle.open_time(),
            candle.open(),
            candle.high(),
            candle.low(),
            candle.close(),
            candle.volume(),
        ];
        for byte in fields.iter().flat_map(|field| field.to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[test]
fn seed_42_generates_the_pinned_candles() {
    let hash = fingerprint(CandleGenerator::new(42).take(10_000));
    assert_eq!(
        hash, PINNED_SEED_42,
        "generator output changed: {hash:#018x}"
    );
}

const PINNED_SEED_42: u64 = 0x85ab_5962_8394_9503;

#[test]
fn different_seeds_give_different_candles() {
    let a = fingerprint(CandleGenerator::new(1).take(1_000));
    let b = fingerprint(CandleGenerator::new(2).take(1_000));
    assert_ne!(a, b);
}

#[test]
fn every_generated_candle_is_valid_and_times_increase() {
    for seed in 0..20 {
        let mut previous: Option<i64> = None;
        for candle in CandleGenerator::new(seed).take(50_000) {
            // The OHLC rules themselves, not `Candle::new` again (the only
            // constructor, so a rebuilt candle would pass by construction).
            assert!(candle.low() > 0 && candle.volume() >= 0, "{candle:?}");
            assert!(
                candle.low() <= candle.open().min(candle.close()),
                "{candle:?}"
            );
            assert!(
                candle.high() >= candle.open().max(candle.close()),
                "{candle:?}"
            );
            if let Some(previous) = previous {
                assert_eq!(candle.open_time() - previous, 60_000);
            }
            previous = Some(candle.open_time());
        }
    }
}

#[test]
fn two_runs_of_one_seed_agree_exactly() {
    let options = SimOptions {
        candles: 200_000,
        ..SimOptions::default()
    };
    let run = || {
        simulate::<PaperBot>(
            &options,
            &BotConfig::default(),
            CandleGenerator::new(7),
            &mut |_| {},
        )
        .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.trades, b.trades);
    assert_eq!(a.equity, b.equity);
    assert_eq!(a.heap.allocations, b.heap.allocations);
    assert_eq!(a.heap.deallocations, b.heap.deallocations);
    assert_eq!(a.heap.peak_bytes, b.heap.peak_bytes);
    assert_eq!(a.components, b.components);
    assert_eq!(a.actions, b.actions);
    assert_eq!(a.actions, 200_000 / 64, "a seeded mix of actions runs too");
    assert!(a.trades > 50, "the strategy must trade: {}", a.trades);
}

#[test]
fn the_bot_makes_no_allocation_per_candle_after_warm_up() {
    // Candles alone: the candle path allocates nothing once warm.
    let options = SimOptions {
        candles: 300_000,
        action_every: None,
        ..SimOptions::default()
    };
    let report = simulate::<PaperBot>(
        &options,
        &BotConfig::default(),
        CandleGenerator::new(42),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.heap.steady_allocations_per_candle, 0.0);
    assert_eq!(report.heap.growth_bytes, 0);
    assert_eq!(report.verdict, "pass", "{:?}", report.violations);
    assert_eq!(report.leak.verdict, "flat");
}

/// `prove` says which components no seed filled, and fails on them when
/// asked to: a PASS does not silently cover what the runs never touched.
#[test]
fn prove_names_the_components_no_seed_filled() {
    use heapbound::paper::PaperBot;
    let report = heapbound::prove::<PaperBot>(BotConfig::default())
        .seeds(0..2)
        .candles(50_000)
        .scenarios(false)
        .run();
    let missed = report.not_exercised();
    let names: Vec<&str> = missed.iter().map(|(name, _, _)| name.as_str()).collect();
    assert!(names.contains(&"session_store"), "{missed:?}");
    assert!(
        !names.contains(&"candle_window"),
        "the window fills in 64 candles"
    );
    let failure = heapbound::prove::<PaperBot>(BotConfig::default())
        .seeds(0..2)
        .candles(50_000)
        .scenarios(false)
        .require_exercised(true)
        .try_run()
        .unwrap_err();
    let first = failure.first();
    assert_eq!(first.invariant.name(), "not-exercised");
    assert_eq!(first.unit, "entries reached");
}
