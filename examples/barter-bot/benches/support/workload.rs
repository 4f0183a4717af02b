//! The one workload both barter benches run, so their ratio compares the
//! same work: 200,000 generated candles (seed 42) and the retention config.

use barter_bot::BarterConfig;
use heapbound::market::CandleGenerator;
use heapbound::Candle;

/// Candles per iteration.
pub const CANDLES: usize = 200_000;

/// The candles, made before timing starts.
pub fn candles() -> Vec<Candle> {
    CandleGenerator::new(42).take(CANDLES).collect()
}

/// The config: the retention workaround, so a long run stays bounded.
pub fn config() -> BarterConfig {
    BarterConfig {
        retention: true,
        ..BarterConfig::default()
    }
}
