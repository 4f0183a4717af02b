//! Every check fires on a deliberately broken bot and stays quiet on the
//! correct one, on the same scenarios.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use heapbound::paper::Defect;
use heapbound::harness::{
    run, run_with, Action, CandleSpec, Invariant, RunOptions, Scenario, ScenarioConfig,
};

fn trading_scenario() -> Scenario {
    let config = ScenarioConfig {
        max_sessions: 15,
        max_trades: 7,
        max_payload_bytes: 64,
        fast: 4,
        slow_gap: 6,
        fee_bps: 10,
        ..ScenarioConfig::default()
    };
    let mut actions = vec![];
    for id in 0..40 {
        actions.push(Action::AddSession {
            id,
            payload_len: 32,
        });
        actions.push(Action::Candles(200));
        actions.push(Action::Buy {
            qty: 3,
            price_offset_bps: 5,
        });
        actions.push(Action::Sell {
            price_offset_bps: -5,
        });
        actions.push(Action::GetSession { id: id / 2 });
        actions.push(Action::CacheLookup { age: id });
    }
    actions.push(Action::Candle(CandleSpec {
        open_bps: -300,
        body_bps: 200,
        wick_up_bps: 50,
        wick_down_bps: 70,
        volume: 9,
    }));
    actions.push(Action::Cleanup {
        keep_trades: 2,
        keep_sessions: 3,
    });
    Scenario {
        seed: 9,
        config,
        actions,
    }
}

fn with_defect(defect: Defect) -> RunOptions {
    RunOptions {
        defect: Some(defect),
        ..RunOptions::default()
    }
}

#[test]
fn the_correct_bot_passes() {
    let outcome = run(&trading_scenario()).unwrap();
    assert_eq!(outcome.steps, 242);
    assert_eq!(outcome.candles, 8_001);
    assert!(outcome.fills > 20, "{outcome:?}");
}

#[test]
fn a_container_without_its_bound_is_caught() {
    let violation = run_with(
        &trading_scenario(),
        &with_defect(Defect::MissingHistoryBound),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(violation.invariant, Invariant::ContainerBound);
    assert_eq!(violation.component.as_deref(), Some("trade_history"));
    // max_trades 7 maps to a bound of 8 (raw values map into 1..=4096).
    assert_eq!(violation.allowed, 8);
    assert!(violation.observed > 8);
    assert!(violation.action.is_some() && violation.step.is_some());
}

#[test]
fn a_budget_below_the_need_is_caught() {
    let options = RunOptions {
        budget_scale_1024: Some(512),
        ..RunOptions::default()
    };
    let violation = run_with(&trading_scenario(), &options, &mut |_| {}).unwrap_err();
    assert_eq!(violation.invariant, Invariant::ComponentBudget);
    assert_eq!(violation.step, Some(0));
    assert!(violation.observed > violation.allowed);
}

#[test]
fn a_ceiling_below_the_need_is_caught() {
    let options = RunOptions {
        heap_ceiling: Some(1024),
        ..RunOptions::default()
    };
    let violation = run_with(&trading_scenario(), &options, &mut |_| {}).unwrap_err();
    assert_eq!(violation.invariant, Invariant::HeapCeiling);
    assert_eq!(violation.allowed, 1024);
}

#[test]
fn broken_fee_accounting_is_caught() {
    let violation = run_with(
        &trading_scenario(),
        &with_defect(Defect::SkipBuyFee),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(violation.invariant, Invariant::BooksDoNotBalance);
    assert_eq!(violation.component.as_deref(), Some("executor"));
    // The first buy fill is where the books stop balancing.
    println!("{violation}");
    assert_eq!(violation.step, Some(1));
    assert_eq!(violation.action.as_deref(), Some("Candles(200)"));
}

#[test]
fn the_trace_sees_every_step() {
    let mut steps = 0;
    run_with(&trading_scenario(), &RunOptions::default(), &mut |trace| {
        assert_eq!(trace.step, steps);
        steps += 1;
    })
    .unwrap();
    assert_eq!(steps, 242);
}

#[test]
fn violations_say_what_where_and_how_much() {
    let violation = run_with(
        &trading_scenario(),
        &with_defect(Defect::MissingHistoryBound),
        &mut |_| {},
    )
    .unwrap_err()
    .reproduced_by("heapbound replay corpus/actions/example --target actions");
    let text = violation.to_string();
    assert!(
        text.starts_with("violation: container-bound in trade_history at step "),
        "{text}"
    );
    assert!(text.contains("entries, allowed 8 entries"), "{text}");
    assert!(text.contains("reproduce: heapbound replay"), "{text}");
}

#[test]
fn every_accounting_check_fires_on_its_own_defect() {
    for (defect, invariant, component) in [
        (Defect::SkipCashCheck, Invariant::NegativeCash, "executor"),
        (Defect::Oversell, Invariant::NegativePosition, "executor"),
        (
            Defect::UnrecordedFill,
            Invariant::FillCountMismatch,
            "trade_history",
        ),
        (
            Defect::StaleEquitySample,
            Invariant::EquityMismatch,
            "metrics",
        ),
        (Defect::SkipBuyFee, Invariant::BooksDoNotBalance, "executor"),
    ] {
        let violation = run_with(&trading_scenario(), &with_defect(defect), &mut |_| {})
            .expect_err(&format!("{defect:?} went unnoticed"));
        assert_eq!(violation.invariant, invariant, "{defect:?}: {violation}");
        assert_eq!(
            violation.component.as_deref(),
            Some(component),
            "{defect:?}"
        );
        assert!(violation.step.is_some() && violation.action.is_some());
    }
}
