//! The injected-leak suite: each real Rust leak pattern is caught, by which
//! detector, after how many candles; the correct bot raises no false alarm.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

mod common;

use common::{paper_home, paper_leak};
use heapbound::defects::{LeakPattern, Leaky};
use heapbound::harness::{check_scenario_with, Invariant, RunOptions, Scenario, Step};
use heapbound::market::CandleGenerator;
use heapbound::paper::{BotConfig, PaperAction, PaperBot};
use heapbound::sim::{simulate, SimOptions, SimReport};

fn simulate_with(
    pattern: Option<LeakPattern>,
    seed: u64,
    candles: u64,
    check_every: u64,
) -> SimReport {
    simulate_acting(pattern, seed, candles, check_every, None)
}

fn simulate_acting(
    pattern: Option<LeakPattern>,
    seed: u64,
    candles: u64,
    check_every: u64,
    action_every: Option<u64>,
) -> SimReport {
    let options = SimOptions {
        seed: Some(seed),
        candles,
        check_every,
        action_every,
        ..SimOptions::default()
    };
    let candles = CandleGenerator::new(seed);
    match pattern {
        None => simulate::<PaperBot>(&options, &BotConfig::default(), candles, &mut |_| {}),
        Some(pattern) => simulate::<Leaky<PaperBot>>(
            &options,
            &paper_leak(BotConfig::default(), pattern),
            candles,
            &mut |_| {},
        ),
    }
    .unwrap()
}

fn leaky_scenario(
    scenario: &Scenario<PaperBot>,
    pattern: LeakPattern,
) -> Scenario<Leaky<PaperBot>> {
    scenario
        .clone()
        .map_config::<Leaky<PaperBot>>(|bot| paper_leak(bot, pattern))
}

/// (pattern, candles until the component budget broke, checked every candle).
const CAUGHT_BY_BUDGET_AFTER: [(LeakPattern, u64); 7] = [
    (LeakPattern::UnboundedVec, 1),
    (LeakPattern::RcCycle, 428_627),
    // The static map already holds the 500 keys the teardown check put
    // there (same clock), so it grows sooner than in a fresh process (2,010).
    (LeakPattern::GlobalCache, 897),
    (LeakPattern::Forget, 84),
    (LeakPattern::UndrainedQueue, 1),
    (LeakPattern::OrphanKeys, 143_370),
    (LeakPattern::SlowDrip, 3_000),
];

/// One test, run in this order: `global-cache` leaks into a process-wide
/// static, so a parallel test touching it would make the counts racy.
#[test]
fn every_pattern_is_caught() {
    patterns_that_outlive_the_bot_are_caught_at_teardown();
    every_pattern_breaks_its_components_budget_and_slope();
}

fn every_pattern_breaks_its_components_budget_and_slope() {
    for (pattern, expected_candles) in CAUGHT_BY_BUDGET_AFTER {
        let report = simulate_with(Some(pattern), 42, 1_000_000, 1);
        assert_eq!(report.verdict, "fail", "{pattern:?}");
        let budget = report
            .broken
            .iter()
            .find(|v| v.invariant == Invariant::ComponentBudget)
            .unwrap_or_else(|| panic!("{pattern:?}: no budget violation: {:?}", report.violations));
        assert_eq!(
            budget.component.as_deref(),
            Some(paper_home(pattern)),
            "{pattern:?}"
        );
        println!(
            "{:<16} budget of {:<14} broken after {} candles",
            pattern.name(),
            paper_home(pattern),
            budget.step.unwrap()
        );
        assert_eq!(budget.step, Some(expected_candles), "{pattern:?}");
        assert_eq!(
            report.leak.verdict, "leak",
            "{pattern:?}: slope {}",
            report.leak.slope_bytes_per_candle
        );
        let slope = report
            .broken
            .iter()
            .find(|v| v.invariant == Invariant::LeakSlope)
            .unwrap();
        assert_eq!(
            slope.component.as_deref(),
            Some(paper_home(pattern)),
            "{pattern:?}"
        );
    }
}

fn patterns_that_outlive_the_bot_are_caught_at_teardown() {
    // Budgets far above need, so only teardown can speak.
    let scenario = Scenario::<PaperBot> {
        seed: 5,
        config: BotConfig {
            max_trades: 4096,
            ..common::small_config(3, 7)
        },
        // Two candle runs are too few samples for a slope: only teardown speaks.
        actions: vec![Step::Candles(250); 2],
    };
    let roomy = RunOptions {
        budget_scale_1024: Some(1 << 30),
        heap_ceiling: Some(u64::MAX),
    };
    for pattern in [
        LeakPattern::Forget,
        LeakPattern::RcCycle,
        LeakPattern::GlobalCache,
    ] {
        let violation =
            check_scenario_with(&leaky_scenario(&scenario, pattern), &roomy, &mut |_| {})
                .unwrap_err()
                .first()
                .clone();
        assert_eq!(
            violation.invariant,
            Invariant::TeardownLeak,
            "{pattern:?}: {violation}"
        );
        assert!(violation.observed > 0);
    }
    // Patterns owned by the bot are freed with it: teardown is clean, which
    // is why bounds, budgets and slopes are needed for them.
    for pattern in [
        LeakPattern::UnboundedVec,
        LeakPattern::UndrainedQueue,
        LeakPattern::OrphanKeys,
        LeakPattern::SlowDrip,
    ] {
        assert!(
            check_scenario_with(&leaky_scenario(&scenario, pattern), &roomy, &mut |_| {}).is_ok(),
            "{pattern:?}"
        );
    }
    check_scenario_with(&scenario, &roomy, &mut |_| {}).unwrap();
}

#[test]
fn the_correct_bot_raises_no_alarm_on_20_seeds_of_a_million_candles() {
    for seed in 0..20 {
        let report = simulate_with(None, seed, 1_000_000, 1_000);
        assert_eq!(
            report.verdict, "pass",
            "seed {seed}: {:?}",
            report.violations
        );
        assert_eq!(report.leak.verdict, "flat", "seed {seed}");
        assert_eq!(report.leak.slope_bytes_per_candle, 0.0, "seed {seed}");
        assert_eq!(report.heap.growth_bytes, 0, "seed {seed}");
        // With its own actions mixed in (sessions, orders, cleanups), as
        // `simulate` runs by default: every component filled, no alarm.
        let report = simulate_acting(None, seed, 1_000_000, 1_000, Some(64));
        assert_eq!(
            report.verdict, "pass",
            "seed {seed} with actions: {:?}",
            report.violations
        );
        assert_eq!(report.leak.verdict, "flat", "seed {seed} with actions");
        assert_eq!(report.actions, 1_000_000 / 64);
    }
}

#[test]
fn a_drip_inside_a_budgeted_component_is_the_budgets_to_catch() {
    let scenario = Scenario::<PaperBot> {
        seed: 11,
        config: common::small_config(3, 7),
        actions: vec![Step::Candles(250); 60],
    };
    // At the stated budgets the drip breaks the strategy's budget.
    let violation = check_scenario_with(
        &leaky_scenario(&scenario, LeakPattern::SlowDrip),
        &RunOptions::default(),
        &mut |_| {},
    )
    .unwrap_err()
    .first()
    .clone();
    assert_eq!(
        violation.invariant,
        Invariant::ComponentBudget,
        "{violation}"
    );
    assert_eq!(violation.component.as_deref(), Some("strategy"));
    // With budgets far above need the same bytes are held by the budget:
    // growth inside a declared budget is never a leak slope (the growth
    // model, README "What counts as a leak"); tests/growth_model.rs shows
    // the slope catching a drip outside every component.
    let roomy = RunOptions {
        budget_scale_1024: Some(1 << 30),
        heap_ceiling: Some(u64::MAX),
    };
    check_scenario_with(
        &leaky_scenario(&scenario, LeakPattern::SlowDrip),
        &roomy,
        &mut |_| {},
    )
    .unwrap();
    // Sessions added between candle runs are bounded growth, not a leak.
    let mut with_sessions = scenario.clone();
    for i in 0..60u16 {
        with_sessions.actions.insert(
            2 * usize::from(i),
            Step::Bot(PaperAction::AddSession {
                id: i,
                payload_len: 500,
            }),
        );
    }
    with_sessions.config.max_payload_bytes = 1_000;
    check_scenario_with(&with_sessions, &roomy, &mut |_| {}).unwrap();
}
