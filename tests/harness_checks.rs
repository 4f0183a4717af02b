//! Every check fires on a deliberately broken bot and stays quiet on the
//! correct one, on the same scenarios.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

mod common;

use heapbound::defects::{BooksDefect, Misbooked, MisbookedConfig};
use heapbound::harness::{
    check_scenario, check_scenario_with, CandleSpec, Invariant, RunOptions, Scenario, Step,
};
use heapbound::paper::{BotConfig, PaperAction, PaperBot};
use heapbound::Violation;

fn trading_config() -> BotConfig {
    BotConfig {
        max_sessions: 16,
        max_trades: 8,
        max_payload_bytes: 64,
        fee_bps: 10,
        ..common::small_config(5, 12)
    }
}

fn trading_scenario() -> Scenario<PaperBot> {
    let mut actions = vec![];
    for id in 0..40 {
        actions.push(Step::Bot(PaperAction::AddSession {
            id,
            payload_len: 32,
        }));
        actions.push(Step::Candles(200));
        actions.push(Step::Bot(PaperAction::Buy {
            qty: 3,
            price_offset_bps: 5,
        }));
        actions.push(Step::Bot(PaperAction::Sell {
            price_offset_bps: -5,
        }));
        actions.push(Step::Bot(PaperAction::GetSession { id: id / 2 }));
        actions.push(Step::Bot(PaperAction::CacheLookup { age: id }));
    }
    actions.push(Step::Candle(CandleSpec {
        open_bps: -300,
        body_bps: 200,
        wick_up_bps: 50,
        wick_down_bps: 70,
        volume: 9,
    }));
    actions.push(Step::Bot(PaperAction::Cleanup {
        keep_trades: 2,
        keep_sessions: 3,
    }));
    Scenario {
        seed: 9,
        config: trading_config(),
        actions,
    }
}

fn with_defect(defect: BooksDefect) -> Result<heapbound::harness::Outcome, Box<Violation>> {
    let scenario =
        trading_scenario().map_config::<Misbooked>(|bot| MisbookedConfig { bot, defect });
    check_scenario(&scenario).map_err(|failure| Box::new(failure.first().clone()))
}

#[test]
fn the_correct_bot_passes() {
    let outcome = check_scenario(&trading_scenario()).unwrap();
    assert_eq!(outcome.steps, 242);
    assert_eq!(outcome.candles, 8_001);
    assert!(outcome.fills > 20, "{outcome:?}");
}

#[test]
fn a_container_without_its_bound_is_caught() {
    let violation = with_defect(BooksDefect::UnboundedHistory).unwrap_err();
    assert_eq!(violation.invariant, Invariant::ContainerBound);
    assert_eq!(violation.component.as_deref(), Some("trade_history"));
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
    let violation = check_scenario_with(&trading_scenario(), &options, &mut |_| {})
        .unwrap_err()
        .first()
        .clone();
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
    let violation = check_scenario_with(&trading_scenario(), &options, &mut |_| {})
        .unwrap_err()
        .first()
        .clone();
    assert_eq!(violation.invariant, Invariant::HeapCeiling);
    assert_eq!(violation.allowed, 1024);
}

#[test]
fn broken_fee_accounting_is_caught() {
    let violation = with_defect(BooksDefect::FeeNotPaid).unwrap_err();
    assert_eq!(violation.invariant.name(), "books-do-not-balance");
    assert_eq!(violation.component.as_deref(), Some("executor"));
    // The first buy fill is where the books stop balancing.
    println!("{violation}");
    assert_eq!(violation.step, Some(1));
    assert_eq!(violation.action.as_deref(), Some("Candles(200)"));
}

#[test]
fn the_trace_sees_every_step() {
    let mut steps = 0;
    check_scenario_with(&trading_scenario(), &RunOptions::default(), &mut |trace| {
        assert_eq!(trace.step, steps);
        steps += 1;
    })
    .unwrap();
    assert_eq!(steps, 242);
}

#[test]
fn violations_say_what_where_and_how_much() {
    let violation = with_defect(BooksDefect::UnboundedHistory)
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
        (BooksDefect::Overdraft, "negative-cash", "executor"),
        (BooksDefect::Oversell, "negative-position", "executor"),
        (
            BooksDefect::UnrecordedFill,
            "fill-count-mismatch",
            "trade_history",
        ),
        (BooksDefect::StaleEquitySample, "equity-mismatch", "metrics"),
        (BooksDefect::FeeNotPaid, "books-do-not-balance", "executor"),
    ] {
        let violation = with_defect(defect).expect_err(&format!("{defect:?} went unnoticed"));
        assert_eq!(
            violation.invariant.name(),
            invariant,
            "{defect:?}: {violation}"
        );
        assert_eq!(
            violation.component.as_deref(),
            Some(component),
            "{defect:?}"
        );
        assert!(violation.step.is_some() && violation.action.is_some());
    }
}
