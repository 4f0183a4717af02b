//! The grid adapter's deep defects fire on their sequences, naming their
//! invariant, need the whole sequence, and the correct adapter passes.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use grid_bot::{DeepGridBot, DeepGridConfig, GridAction, GridDeepDefect};
use heapbound::harness::{check_scenario, explore::draw_scenario};
use heapbound::{Scenario, Step};

fn scenario(defect: Option<GridDeepDefect>, steps: Vec<Step<GridAction>>) -> Scenario<DeepGridBot> {
    Scenario {
        seed: 5,
        config: DeepGridConfig {
            defect,
            ..DeepGridConfig::default()
        },
        actions: steps,
    }
}

fn sequence(defect: GridDeepDefect) -> (Vec<Step<GridAction>>, &'static str) {
    match defect {
        // A candle re-centres the grid, so level 2 holds an order.
        GridDeepDefect::FillAfterCancel => (
            vec![
                Step::Candles(2),
                Step::Bot(GridAction::Cancel { level: 2 }),
                Step::Bot(GridAction::Fill { level: 2 }),
            ],
            "late-fill-without-order",
        ),
        GridDeepDefect::ThirdReturn => {
            let mut steps = vec![Step::Candles(2)];
            for pair in [1, 2, 1, 2, 1, 2, 1] {
                steps.push(Step::Bot(GridAction::SwitchPair { pair }));
            }
            (steps, "subscription-to-another-pair")
        }
    }
}

#[test]
fn each_deep_defect_fires_on_its_sequence_and_names_it() {
    for defect in GridDeepDefect::ALL {
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
fn each_defect_needs_its_whole_sequence() {
    for defect in GridDeepDefect::ALL {
        let (mut steps, _) = sequence(defect);
        steps.pop();
        if let Err(failure) = check_scenario(&scenario(Some(defect), steps)) {
            panic!("{}: {failure}", defect.name());
        }
    }
}

#[test]
fn the_correct_adapter_passes_every_sequence_and_drawn_scenarios() {
    for defect in GridDeepDefect::ALL {
        let (steps, _) = sequence(defect);
        if let Err(failure) = check_scenario(&scenario(None, steps)) {
            panic!("{}: {failure}", defect.name());
        }
    }
    let config = DeepGridConfig::default();
    for seed in 0..300 {
        if let Err(failure) = check_scenario(&draw_scenario::<DeepGridBot>(&config, seed)) {
            panic!("seed {seed}: {failure}");
        }
    }
}

#[test]
fn names_round_trip() {
    for defect in GridDeepDefect::ALL {
        assert_eq!(GridDeepDefect::from_name(defect.name()), Some(defect));
    }
}
