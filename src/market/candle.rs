//! One OHLCV candle in integer ticks and lots.

use serde::{Deserialize, Serialize};

/// A candle whose prices are integer ticks and volume integer lots, so every
/// replay is bit-exact. Build one with [`Candle::new`], which validates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawCandle", into = "RawCandle")]
pub struct Candle {
    open_time: i64,
    open: i64,
    high: i64,
    low: i64,
    close: i64,
    volume: i64,
}

/// Why a candle was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CandleError {
    /// A price at or below zero.
    #[error("{field} must be positive, got {value}")]
    NonPositivePrice {
        /// The offending field.
        field: &'static str,
        /// Its value in ticks.
        value: i64,
    },
    /// `high < low`.
    #[error("high ({high}) is below low ({low})")]
    HighBelowLow {
        /// High in ticks.
        high: i64,
        /// Low in ticks.
        low: i64,
    },
    /// Open or close outside `[low, high]`.
    #[error("{field} ({value}) lies outside [low {low}, high {high}]")]
    OutsideRange {
        /// `open` or `close`.
        field: &'static str,
        /// Its value in ticks.
        value: i64,
        /// Low in ticks.
        low: i64,
        /// High in ticks.
        high: i64,
    },
    /// Negative volume.
    #[error("volume must not be negative, got {0}")]
    NegativeVolume(i64),
}

impl Candle {
    /// A placeholder for storage filled before it is read (not a valid candle).
    pub(crate) const EMPTY: Candle = Candle {
        open_time: 0,
        open: 0,
        high: 0,
        low: 0,
        close: 0,
        volume: 0,
    };

    /// Validates and builds a candle: `0 < low <= min(open, close) <=
    /// max(open, close) <= high` and `volume >= 0`.
    pub fn new(
        open_time: i64,
        open: i64,
        high: i64,
        low: i64,
        close: i64,
        volume: i64,
    ) -> Result<Candle, CandleError> {
        // One pass of compares for the valid candle (every candle of a run);
        // which rule broke is worked out only for an invalid one.
        let valid = low > 0 && low <= open.min(close) && open.max(close) <= high && volume >= 0;
        if !valid {
            return Err(Candle::why_invalid(open, high, low, close, volume));
        }
        Ok(Candle {
            open_time,
            open,
            high,
            low,
            close,
            volume,
        })
    }

    /// The first rule an invalid candle breaks, in the order `new` documents.
    #[cold]
    fn why_invalid(open: i64, high: i64, low: i64, close: i64, volume: i64) -> CandleError {
        for (field, value) in [
            ("open", open),
            ("high", high),
            ("low", low),
            ("close", close),
        ] {
            if value <= 0 {
                return CandleError::NonPositivePrice { field, value };
            }
        }
        if high < low {
            return CandleError::HighBelowLow { high, low };
        }
        for (field, value) in [("open", open), ("close", close)] {
            if value < low || value > high {
                return CandleError::OutsideRange {
                    field,
                    value,
                    low,
                    high,
                };
            }
        }
        CandleError::NegativeVolume(volume)
    }

    /// The same candle opening at `open_time` (ms) instead.
    pub fn at_time(self, open_time: i64) -> Candle {
        Candle { open_time, ..self }
    }

    /// Open time in milliseconds since the Unix epoch.
    pub fn open_time(&self) -> i64 {
        self.open_time
    }
    /// Open price in ticks.
    pub fn open(&self) -> i64 {
        self.open
    }
    /// High price in ticks.
    pub fn high(&self) -> i64 {
        self.high
    }
    /// Low price in ticks.
    pub fn low(&self) -> i64 {
        self.low
    }
    /// Close price in ticks.
    pub fn close(&self) -> i64 {
        self.close
    }
    /// Volume in lots.
    pub fn volume(&self) -> i64 {
        self.volume
    }
}

/// The serialized form; deserializing goes through [`Candle::new`].
#[derive(Serialize, Deserialize)]
struct RawCandle {
    open_time: i64,
    open: i64,
    high: i64,
    low: i64,
    close: i64,
    volume: i64,
}

impl TryFrom<RawCandle> for Candle {
    type Error = CandleError;
    fn try_from(raw: RawCandle) -> Result<Self, Self::Error> {
        Candle::new(
            raw.open_time,
            raw.open,
            raw.high,
            raw.low,
            raw.close,
            raw.volume,
        )
    }
}

impl From<Candle> for RawCandle {
    fn from(candle: Candle) -> Self {
        RawCandle {
            open_time: candle.open_time,
            open: candle.open,
            high: candle.high,
            low: candle.low,
            close: candle.close,
            volume: candle.volume,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_valid_candle() {
        let candle = Candle::new(0, 100, 110, 90, 105, 7).unwrap();
        assert_eq!((candle.low(), candle.high(), candle.volume()), (90, 110, 7));
    }

    #[test]
    fn refuses_each_kind_of_invalid_candle() {
        assert_eq!(
            Candle::new(0, 0, 110, 90, 105, 1),
            Err(CandleError::NonPositivePrice {
                field: "open",
                value: 0
            })
        );
        assert_eq!(
            Candle::new(0, 100, 80, 90, 85, 1),
            Err(CandleError::HighBelowLow { high: 80, low: 90 })
        );
        assert_eq!(
            Candle::new(0, 100, 110, 90, 111, 1),
            Err(CandleError::OutsideRange {
                field: "close",
                value: 111,
                low: 90,
                high: 110
            })
        );
        assert_eq!(
            Candle::new(0, 100, 110, 90, 100, -1),
            Err(CandleError::NegativeVolume(-1))
        );
    }

    #[test]
    fn deserializing_validates() {
        let bad = r#"{"open_time":0,"open":100,"high":90,"low":95,"close":92,"volume":1}"#;
        let err = serde_json::from_str::<Candle>(bad).unwrap_err();
        assert!(
            err.to_string().contains("high (90) is below low (95)"),
            "{err}"
        );
    }
}
