//! Leak detection beyond bounds and ceilings: growth slopes.

mod growth;
mod slope;

#[cfg(any(feature = "monitor", feature = "cli"))]
pub(crate) use growth::{kept_growth, segment_floors};
pub use growth::{Growth, GrowthModel, Part};
pub use slope::{Slope, SlopeFit, MIN_SAMPLES_FOR_VERDICT};

/// Default horizon for projections: one year of 1-minute candles.
pub const DEFAULT_HORIZON_CANDLES: u64 = 525_600;
/// Default growth a bot may show over the horizon before it is a leak:
/// 16 KiB a year of 1-minute candles (0.031 B/candle). Correct bots show a
/// settled floor that does not rise (see README, "What counts as a leak");
/// the default leaves room for what a short run cannot average out, and is
/// below the slowest leak heapbound ships (slow-drip, 0.048 B/candle).
pub const DEFAULT_LEAK_BUDGET_BYTES: u64 = 16 * 1024;

/// Default leak budget for a heap the bot reports itself (Python's
/// tracemalloc): 1 MiB a year (2 B/candle). Such a heap settles for a
/// long while (interpreter caches, free lists, containers' tables):
/// correct Python bots show up to 0.57 B/candle in a 7,000-candle
/// scenario, 0.35 over a 100,000-candle run and 0.01 over a million; a
/// list that keeps one float per candle grows 30 B/candle.
pub const DEFAULT_REPORTED_LEAK_BUDGET_BYTES: u64 = 1024 * 1024;

/// Leak budget of a short scenario (explore, fuzz targets, replay) for a
/// heap the bot reports: 8 MiB a year (16 B/candle). A fresh interpreter
/// settles through a whole scenario: correct Python bots showed 2.3-4.2
/// B/candle in explore's scenarios of 10,000-25,000 candles, a list that
/// keeps one float per candle 30-70.
pub const SCENARIO_REPORTED_LEAK_BUDGET_BYTES: u64 = 8 * 1024 * 1024;

/// The leak budget of a short scenario: the same as a run's for a heap
/// heapbound measures, [`SCENARIO_REPORTED_LEAK_BUDGET_BYTES`] for one a
/// bot reports.
pub fn scenario_leak_budget(reported: bool) -> u64 {
    if reported {
        SCENARIO_REPORTED_LEAK_BUDGET_BYTES
    } else {
        DEFAULT_LEAK_BUDGET_BYTES
    }
}

/// The default leak budget for a heap measured by heapbound's allocator
/// (`reported` false) or reported by the bot.
pub fn default_leak_budget(reported: bool) -> u64 {
    if reported {
        DEFAULT_REPORTED_LEAK_BUDGET_BYTES
    } else {
        DEFAULT_LEAK_BUDGET_BYTES
    }
}
