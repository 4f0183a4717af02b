//! The market a scenario trades in: the seeded generator plus where the
//! last candle (generated or spec) left the clock and the price.

use crate::bot::MarketView;
use crate::market::{Candle, CandleGenerator, MarketParams};

/// A seeded candle source that remembers the last close and the clock.
#[derive(Clone, Debug)]
pub struct Market {
    params: MarketParams,
    generator: CandleGenerator,
    next_time: i64,
    last_close: i64,
    candles: u64,
}

impl Market {
    /// The default market from `seed`.
    pub fn new(seed: u64) -> Market {
        let params = MarketParams::default();
        Market {
            params,
            generator: CandleGenerator::with_params(seed, params),
            next_time: params.start_time_ms,
            last_close: params.start_price,
            candles: 0,
        }
    }

    /// The next generated candle (not yet marked as fed), on the market's
    /// clock: every candle a scenario feeds, generated or spec, continues
    /// one clock, so a bot keyed by time never sees time go backwards.
    pub fn generate(&mut self) -> Candle {
        let Some(candle) = self.generator.next() else {
            unreachable!("the generator is endless")
        };
        candle.at_time(self.next_time)
    }

    /// Moves the clock and price past `candle`.
    pub fn fed(&mut self, candle: &Candle) {
        self.next_time = candle.open_time() + self.params.interval_ms;
        self.last_close = candle.close();
        self.candles += 1;
    }

    /// Where the market stands, for the bot's actions.
    pub fn view(&self) -> MarketView {
        MarketView {
            last_close: self.last_close,
            next_time_ms: self.next_time,
            interval_ms: self.params.interval_ms,
            candles: self.candles,
        }
    }
}
