//! The grid bot proven from an ordinary `#[test]`, as a user would.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use grid_bot::{GoodGridBot, GridConfig, LeakyGridBot};

#[test]
fn the_grid_bot_stays_inside_its_budget() {
    let report = heapbound::prove::<GoodGridBot>(GridConfig::default())
        .seeds(0..4)
        .candles(200_000)
        .run();
    for run in &report.runs {
        assert_eq!(run.heap.growth_bytes, 0);
        assert!(run.trades > 100, "the grid must trade: {}", run.trades);
    }
}

#[test]
fn the_leaky_grid_bot_is_caught_naming_open_orders() {
    let violation = heapbound::prove::<LeakyGridBot>(GridConfig::default())
        .seeds(0..1)
        .candles(200_000)
        .try_run()
        .unwrap_err()
        .first()
        .clone();
    assert_eq!(violation.invariant.name(), "container-bound");
    assert_eq!(violation.component.as_deref(), Some("open_orders"));
    assert!(violation.observed > 64, "{violation}");
    let command = violation.reproduce.as_deref().unwrap_or_default();
    assert!(
        command.contains("simulate --seed 0 --candles 200000"),
        "{command}"
    );
}

#[test]
#[should_panic(expected = "container-bound in open_orders")]
fn prove_panics_with_the_violation() {
    heapbound::prove::<LeakyGridBot>(GridConfig::default())
        .seeds(0..1)
        .candles(20_000)
        .run();
}
