//! barter's engine, risk manager and mock exchange under heapbound: the
//! exchange's trade log and the open position's trade ids are never
//! trimmed, so a long session fails naming both; the retention workaround
//! keeps them inside their bounds. A zero-quantity command panics inside
//! the engine, and heapbound reports the panic as a finding.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use barter_bot::{BarterAction, BarterBot, BarterConfig};
use heapbound::harness::check_scenario;
use heapbound::market::CandleGenerator;
use heapbound::sim::{simulate, SimOptions};
use heapbound::{Invariant, Scenario, Step};

fn broken_in(failure: &[heapbound::Violation], invariant: Invariant) -> Vec<String> {
    let mut components: Vec<String> = failure
        .iter()
        .filter(|violation| violation.invariant == invariant)
        .filter_map(|violation| violation.component.clone())
        .collect();
    components.sort();
    components
}

#[test]
fn barters_defaults_fail_naming_the_trade_log_and_the_positions_trade_ids() {
    let failure = heapbound::prove::<BarterBot>(BarterConfig::default())
        .seeds(0..1)
        .candles(200_000)
        .try_run()
        .expect_err("barter keeps every fill twice");
    assert_eq!(
        broken_in(failure.violations(), Invariant::ContainerBound),
        ["exchange", "position-trades"],
        "{failure}"
    );
}

#[test]
fn candles_alone_grow_the_exchange_with_a_leak_slope() {
    let options = SimOptions {
        candles: 1_000_000,
        action_every: None,
        ..SimOptions::default()
    };
    let report = simulate::<BarterBot>(
        &options,
        &BarterConfig::default(),
        CandleGenerator::new(42),
        &mut |_| {},
    )
    .expect("the default config builds");
    assert_eq!(
        broken_in(&report.broken, Invariant::LeakSlope),
        ["exchange"],
        "{:?}",
        report.violations
    );
    let exchange = &report.components["exchange"];
    let engine = &report.components["engine"];
    // Every fill stays in both logs: one trade in the exchange's, one id in
    // the position's, and the position's id is its `Vec`'s 24-byte slot.
    assert_eq!(exchange.max_len as u64, report.trades);
    assert!(
        exchange.slope_bytes_per_candle > 5.0,
        "{} B/candle",
        exchange.slope_bytes_per_candle
    );
    assert!(
        engine.slope_bytes_per_candle > 0.5,
        "{} B/candle",
        engine.slope_bytes_per_candle
    );
}

#[test]
fn the_retention_workaround_passes_8_seeds_of_a_million_candles() {
    heapbound::prove::<BarterBot>(BarterConfig {
        retention: true,
        ..BarterConfig::default()
    })
    .seeds(0..8)
    .candles(1_000_000)
    .run();
}

fn zero_quantity_then(side: BarterAction) -> Scenario<BarterBot> {
    Scenario {
        seed: 7,
        config: BarterConfig::default(),
        actions: vec![
            Step::Candles(30),
            Step::Bot(BarterAction::MarketBuy { lots: 0 }),
            Step::Candles(1),
            Step::Bot(side),
            Step::Candles(1),
        ],
    }
}

#[test]
fn a_zero_quantity_fill_panics_the_engine_and_is_reported_as_a_bot_panic() {
    let scenario = zero_quantity_then(BarterAction::MarketSell { lots: 10 });
    let failure = check_scenario(&scenario)
        .expect_err("barter divides 0 by 0 when the empty position changes");
    assert_eq!(failure.first().invariant, Invariant::BotPanic, "{failure}");
    assert_eq!(failure.first().step, Some(3), "{failure}");
    assert!(
        failure.first().to_string().contains("Division by zero"),
        "{failure}"
    );
}

#[test]
fn refusing_empty_orders_is_the_workaround_for_the_panic() {
    let mut scenario = zero_quantity_then(BarterAction::MarketSell { lots: 10 });
    scenario.config.refuse_empty_orders = true;
    check_scenario(&scenario).expect("the empty order never leaves");
}

#[test]
fn the_corpus_file_of_the_panic_replays_it() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../corpus/barter-findings/zero-quantity-panic.json"
    );
    let text = std::fs::read_to_string(path).expect("the corpus file is there");
    let scenario: Scenario<BarterBot> = serde_json::from_str(&text).expect("it parses");
    let failure = check_scenario(&scenario).expect_err("it panics");
    assert_eq!(failure.first().invariant, Invariant::BotPanic, "{failure}");
}

#[test]
fn the_fuzz_targets_inputs_run_with_the_known_findings_kept_out() {
    for data in [&[][..], &[7; 64][..], &[0xff; 600][..]] {
        let scenario = Scenario::<BarterBot>::from_target_bytes(barter_bot::FUZZ_TARGET, data)
            .expect("any bytes decode");
        assert!(scenario.config.retention && scenario.config.refuse_empty_orders);
        heapbound::harness::check_scenario(&scenario).expect("no known finding");
    }
}
