//! Every deep defect fires on its sequence of events, naming its invariant
//! and component, and the correct desk stays quiet on the same sequences
//! and on drawn scenarios.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use heapbound::defects::{DeepDefect, Desk, DeskConfig};
use heapbound::harness::{check_scenario, explore::draw_scenario, CandleSpec};
use heapbound::paper::PaperAction;
use heapbound::{Scenario, Step};

fn scenario(defect: Option<DeepDefect>, steps: Vec<Step<PaperAction>>) -> Scenario<Desk> {
    Scenario {
        seed: 11,
        config: DeskConfig {
            defect,
            ..DeskConfig::default()
        },
        actions: steps,
    }
}

fn buy(qty: u32) -> Step<PaperAction> {
    Step::Bot(PaperAction::Buy {
        qty,
        price_offset_bps: 0,
    })
}

fn session(id: u16) -> Step<PaperAction> {
    Step::Bot(PaperAction::AddSession { id, payload_len: 8 })
}

/// The sequence that reaches each defect, and the invariant it breaks.
fn sequence(defect: DeepDefect) -> (Vec<Step<PaperAction>>, &'static str) {
    let sell = Step::Bot(PaperAction::Sell {
        price_offset_bps: 0,
    });
    match defect {
        DeepDefect::OrphanIndex => (
            vec![
                Step::Candles(3),
                session(7),
                buy(1),
                Step::Bot(PaperAction::RemoveSession { id: 7 }),
            ],
            "index-entry-without-session",
        ),
        DeepDefect::DuplicateSubscription => (
            vec![Step::Candles(3), session(7), buy(1), session(7)],
            "duplicate-subscription",
        ),
        DeepDefect::StopAfterGap => (
            vec![
                Step::Candles(3),
                buy(1),
                Step::Candle(CandleSpec {
                    open_bps: 550,
                    body_bps: 0,
                    wick_up_bps: 0,
                    wick_down_bps: 0,
                    volume: 1,
                }),
                sell,
            ],
            "stop-without-position",
        ),
        DeepDefect::RoundLotClose => (
            vec![Step::Candles(3), buy(400), buy(600), sell],
            "lot-without-position",
        ),
        DeepDefect::MissAfterCleanup => (
            vec![
                Step::Candles(255),
                Step::Candles(255),
                Step::Candles(255),
                Step::Candles(255),
                Step::Candles(255),
                buy(1),
                Step::Bot(PaperAction::Cleanup {
                    keep_trades: 0,
                    keep_sessions: 10,
                }),
                Step::Bot(PaperAction::CacheLookup { age: 1_200 }),
            ],
            "fetch-left-pending",
        ),
    }
}

#[test]
fn each_deep_defect_fires_on_its_sequence_and_names_it() {
    for defect in DeepDefect::ALL {
        let (steps, invariant) = sequence(defect);
        let failure =
            check_scenario(&scenario(Some(defect), steps.clone())).expect_err(defect.name());
        let first = &failure.violations()[0];
        assert_eq!(
            first.invariant.name(),
            invariant,
            "{}: {failure}",
            defect.name()
        );
        assert_eq!(
            first.step,
            Some(steps.len() as u64 - 1),
            "{}: {failure}",
            defect.name()
        );
    }
}

#[test]
fn the_correct_desk_passes_every_sequence() {
    for defect in DeepDefect::ALL {
        let (steps, _) = sequence(defect);
        if let Err(failure) = check_scenario(&scenario(None, steps)) {
            panic!("{}: {failure}", defect.name());
        }
    }
}

#[test]
fn each_defect_needs_its_whole_sequence() {
    // The sequence without its last event passes with the defect planted.
    for defect in DeepDefect::ALL {
        let (mut steps, _) = sequence(defect);
        steps.pop();
        if let Err(failure) = check_scenario(&scenario(Some(defect), steps)) {
            panic!("{}: {failure}", defect.name());
        }
    }
}

#[test]
fn the_correct_desk_passes_drawn_scenarios() {
    let config = DeskConfig::default();
    for seed in 0..300 {
        let drawn = draw_scenario::<Desk>(&config, seed);
        if let Err(failure) = check_scenario(&drawn) {
            panic!("seed {seed}: {failure}");
        }
    }
}

#[test]
fn names_round_trip() {
    for defect in DeepDefect::ALL {
        assert_eq!(DeepDefect::from_name(defect.name()), Some(defect));
    }
    assert_eq!(DeepDefect::from_name("no-such"), None);
}
