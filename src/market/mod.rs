//! Market data: validated candles and the seeded generator.

mod candle;
pub mod csv;
mod generator;

pub use candle::{Candle, CandleError};
pub use generator::{CandleGenerator, MarketParams, Regime};
