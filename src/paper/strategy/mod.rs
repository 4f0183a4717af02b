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

/// One of the strategies, chosen by the config. A `match`, not a `dyn
/// Strategy`: the call on every candle can then be inlined.
#[derive(Clone, Debug)]
pub enum AnyStrategy {
    /// [`MaCrossover`].
    MaCrossover(MaCrossover),
    /// [`Rsi`].
    Rsi(Rsi),
}

impl Strategy for AnyStrategy {
    fn name(&self) -> &'static str {
        match self {
            AnyStrategy::MaCrossover(strategy) => strategy.name(),
            AnyStrategy::Rsi(strategy) => strategy.name(),
        }
    }

    #[inline]
    fn on_candle(&mut self, window: &RingBuffer<Candle>) -> Signal {
        match self {
            AnyStrategy::MaCrossover(strategy) => strategy.on_candle(window),
            AnyStrategy::Rsi(strategy) => strategy.on_candle(window),
        }
    }
}

/// Builds the strategy a config names, on the heap (its state is the
/// `strategy` component's bytes). The config must be validated.
pub fn build(config: &StrategyConfig) -> Box<AnyStrategy> {
    Box::new(match *config {
        StrategyConfig::MaCrossover { fast, slow } => {
            AnyStrategy::MaCrossover(MaCrossover::new(fast, slow))
        }
        StrategyConfig::Rsi {
            period,
            oversold,
            overbought,
        } => AnyStrategy::Rsi(Rsi::new(period, oversold, overbought)),
    })
}
