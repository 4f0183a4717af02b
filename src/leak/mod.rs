//! Leak detection beyond bounds and ceilings: growth slopes.

mod slope;

pub use slope::{t_975, Slope, SlopeFit, MIN_SAMPLES_FOR_VERDICT};

/// Default horizon for projections: one year of 1-minute candles.
pub const DEFAULT_HORIZON_CANDLES: u64 = 525_600;
/// Default growth a bot may show over the horizon before it is a leak.
pub const DEFAULT_LEAK_BUDGET_BYTES: u64 = 4 * 1024;
