//! Strategies: each reads the bot's candle window and says buy, sell or hold.

mod ma_crossover;
mod rsi;

pub use ma_crossover::MaCrossover;
pub use rsi::Rsi;

use crate::bounded::RingBuffer;
use crate::market::Candle;

use super::config::StrategyConfig;

/// What a strategy wants on this candle. The bot acts on `Buy` only while
/// flat and on `Sell` only while holding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// Open a position at this close.
    Buy,
    /// Close the position at this close.
    Sell,
    /// Do nothing.
    Hold,
}

/// A trading strategy. `on_candle` is called once per candle, after the
/// candle was pushed into `window`, and must run in O(1): no pass over the
/// history.
pub trait Strategy: Send {
    /// Short name for reports.
    fn name(&self) -> &'static str;
    /// Decides on the newest candle in `window`.
    fn on_candle(&mut self, window: &RingBuffer<Candle>) -> Signal;
}

/// Builds the strategy a config names. The config must be validated.
pub fn build(config: &StrategyConfig) -> Box<dyn Strategy> {
    match *config {
        StrategyConfig::MaCrossover { fast, slow } => Box::new(MaCrossover::new(fast, slow)),
        StrategyConfig::Rsi {
            period,
            oversold,
            overbought,
        } => Box::new(Rsi::new(period, oversold, overbought)),
    }
}
