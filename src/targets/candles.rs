//! Checks of the market side: the generator's contract and the validator.

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::market::{Candle, CandleGenerator, MarketParams};

use crate::violation::{Invariant, Violation};

/// Input of the `candles` target.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct CandlesInput {
    /// Generator seed.
    pub seed: u64,
    /// Start price in ticks (clamped by the generator).
    pub start_price: i64,
    /// Interval (clamped to 1 ms..=1 day).
    pub interval_ms: u32,
    /// Candles to draw (larger counts are cut to the most one input checks).
    pub count: u16,
    /// Raw candle fields for the validator: open_time, open, high, low, close, volume.
    pub raw: [i64; 6],
}

/// Candles one input draws at most: enough to cross several regimes while
/// keeping an input to well under a millisecond under the sanitizer.
pub const MAX_CHECKED_CANDLES: u16 = 2_048;

fn invalid(step: u64, what: String) -> Violation {
    Violation::new(Invariant::InvalidCandle, 1, 0, "candles")
        .in_component("market")
        .at_step(step, Some(what))
}

/// Positive prices, low under the body, high above it, volume not negative.
fn ohlc_is_valid([open, high, low, close, volume]: [i64; 5]) -> bool {
    open > 0
        && high > 0
        && low > 0
        && close > 0
        && low <= open.min(close)
        && open.max(close) <= high
        && volume >= 0
}

/// Every generated candle is valid, times step by the interval, the same
/// seed repeats itself, and `Candle::new` accepts exactly the valid parts.
pub fn check_candles(input: &CandlesInput) -> Result<(), Violation> {
    let params = MarketParams {
        start_price: input.start_price,
        start_time_ms: 0,
        interval_ms: i64::from(input.interval_ms.clamp(1, 86_400_000)),
    };
    let mut first = CandleGenerator::with_params(input.seed, params);
    let mut second = CandleGenerator::with_params(input.seed, params);
    let mut previous: Option<Candle> = None;
    for step in 0..u64::from(input.count.min(MAX_CHECKED_CANDLES)) {
        let (Some(a), Some(b)) = (first.next(), second.next()) else {
            return Err(invalid(step, "generator ended".to_string()));
        };
        if a != b {
            return Err(invalid(
                step,
                format!("same seed, different candles: {a:?} vs {b:?}"),
            ));
        }
        // The OHLC rules themselves: `Candle::new` is the only constructor,
        // so rebuilding the candle through it would pass by construction.
        if !ohlc_is_valid([a.open(), a.high(), a.low(), a.close(), a.volume()]) {
            return Err(invalid(step, format!("{a:?} breaks the OHLC rules")));
        }
        if let Some(p) = previous {
            if a.open_time() - p.open_time() != params.interval_ms {
                return Err(invalid(
                    step,
                    format!("time went from {} to {}", p.open_time(), a.open_time()),
                ));
            }
        }
        previous = Some(a);
    }
    let [time, open, high, low, close, volume] = input.raw;
    let valid = ohlc_is_valid([open, high, low, close, volume]);
    let built = Candle::new(time, open, high, low, close, volume);
    if built.is_ok() != valid {
        return Err(invalid(
            0,
            format!("validator said {built:?} for {:?}", input.raw),
        ));
    }
    Ok(())
}
