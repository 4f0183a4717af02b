//! The bot's configuration and its validation.

use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use crate::bot::ConfigError;

use crate::bounded::Eviction;

/// Cash is counted in units of one price tick times one lot: with a 0.01
/// quote tick and a 0.0001 base lot, one quote unit (1 USDT) is 10^6 cash units.
pub const CASH_UNITS_PER_QUOTE: i64 = 1_000_000;

/// The largest bound any container may be configured with: containers
/// reserve their storage up front, so a bound is also an allocation.
pub const MAX_BOUND: usize = 1 << 20;
/// The longest indicator period.
pub const MAX_PERIOD: usize = 100_000;
/// The largest session payload in bytes.
pub const MAX_PAYLOAD_LIMIT: usize = 1 << 16;
/// The largest starting capital, in cash units (10^12 quote units).
pub const MAX_CAPITAL: i64 = 1_000_000_000_000 * CASH_UNITS_PER_QUOTE;

/// Which strategy decides, with its periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum StrategyConfig {
    /// Simple moving-average crossover.
    MaCrossover {
        /// Fast period in candles.
        fast: usize,
        /// Slow period in candles.
        slow: usize,
    },
    /// Relative strength index over `period` closes: buy below `oversold`,
    /// sell above `overbought` (both in percent).
    Rsi {
        /// Period in candles.
        period: usize,
        /// Buy threshold, 1..=99.
        oversold: u8,
        /// Sell threshold, above `oversold`, 1..=99.
        overbought: u8,
    },
}

impl Default for StrategyConfig {
    fn default() -> Self {
        StrategyConfig::MaCrossover { fast: 20, slow: 60 }
    }
}

impl StrategyConfig {
    /// Closes the strategy must see back in time: the candle window's minimum.
    pub fn window_needed(&self) -> usize {
        match *self {
            // The close leaving the slow average is `slow` candles back.
            StrategyConfig::MaCrossover { slow, .. } => slow + 1,
            // `period` changes need `period + 1` closes, plus the one leaving.
            StrategyConfig::Rsi { period, .. } => period + 2,
        }
    }
}

/// Everything a [`crate::paper::PaperBot`] is built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BotConfig {
    /// Traded symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// The deciding strategy.
    pub strategy: StrategyConfig,
    /// Starting cash in cash units (see [`CASH_UNITS_PER_QUOTE`]).
    pub initial_capital: i64,
    /// Fee per fill in basis points of the notional.
    pub fee_bps: u32,
    /// Session store bound.
    pub max_sessions: usize,
    /// Session eviction policy.
    pub eviction: Eviction,
    /// Largest session payload accepted, in bytes.
    pub max_payload_bytes: usize,
    /// Trade history bound.
    pub max_trades: usize,
    /// Candle window length; at least what the strategy needs.
    pub window: usize,
    /// Metrics ring buffer length (equity and PnL samples).
    pub metrics_capacity: usize,
    /// Price cache capacity.
    pub price_cache_capacity: usize,
    /// Run cleanup every this many candles; 0 never.
    pub cleanup_every: u64,
    /// Trades cleanup keeps.
    pub keep_trades: usize,
    /// Sessions cleanup keeps.
    pub keep_sessions: usize,
}

impl Default for BotConfig {
    fn default() -> Self {
        BotConfig {
            symbol: "BTCUSDT".to_string(),
            strategy: StrategyConfig::default(),
            initial_capital: 10_000 * CASH_UNITS_PER_QUOTE,
            fee_bps: 2,
            max_sessions: 1_000,
            eviction: Eviction::Fifo,
            max_payload_bytes: 1_024,
            max_trades: 1_000,
            window: 64,
            metrics_capacity: 1_024,
            price_cache_capacity: 1_024,
            cleanup_every: 10_000,
            keep_trades: 500,
            keep_sessions: 100,
        }
    }
}

fn bound(field: &'static str, value: usize) -> Result<NonZeroUsize, ConfigError> {
    if value > MAX_BOUND {
        return Err(ConfigError::new(
            field,
            format!("{value} exceeds the largest bound, {MAX_BOUND}"),
        ));
    }
    NonZeroUsize::new(value).ok_or_else(|| ConfigError::new(field, "must be at least 1"))
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::new(field, reason)
}

/// The container bounds of a validated config, non-zero by type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub max_sessions: NonZeroUsize,
    pub max_trades: NonZeroUsize,
    pub window: NonZeroUsize,
    pub metrics_capacity: NonZeroUsize,
    pub price_cache_capacity: NonZeroUsize,
}

impl BotConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.bounds().map(|_| ())
    }

    /// Every field's rule in one place, in the order a user reads the
    /// config, so the first impossible field is the one named (long, and
    /// flat on purpose).
    pub(crate) fn bounds(&self) -> Result<Bounds, ConfigError> {
        if self.symbol.is_empty() || self.symbol.len() > 20 {
            return Err(invalid("symbol", "must be 1 to 20 characters"));
        }
        if !self.symbol.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid("symbol", "must be ASCII letters and digits"));
        }
        match self.strategy {
            StrategyConfig::MaCrossover { fast, slow } => {
                if fast == 0 || slow > MAX_PERIOD {
                    return Err(invalid(
                        "strategy",
                        format!("periods must lie in 1..={MAX_PERIOD}"),
                    ));
                }
                if fast >= slow {
                    return Err(invalid(
                        "strategy",
                        format!("fast period ({fast}) must be below slow period ({slow})"),
                    ));
                }
            }
            StrategyConfig::Rsi {
                period,
                oversold,
                overbought,
            } => {
                if period == 0 || period > MAX_PERIOD {
                    return Err(invalid(
                        "strategy",
                        format!("RSI period must lie in 1..={MAX_PERIOD}"),
                    ));
                }
                if oversold == 0 || overbought > 99 || oversold >= overbought {
                    return Err(invalid(
                        "strategy",
                        "RSI thresholds need 1 <= oversold < overbought <= 99",
                    ));
                }
            }
        }
        if self.initial_capital <= 0 || self.initial_capital > MAX_CAPITAL {
            return Err(invalid(
                "initial_capital",
                format!("must lie in 1..={MAX_CAPITAL} cash units"),
            ));
        }
        if self.fee_bps > 1_000 {
            return Err(invalid("fee_bps", "must be at most 1000 (10%)"));
        }
        if self.max_payload_bytes > MAX_PAYLOAD_LIMIT {
            return Err(invalid(
                "max_payload_bytes",
                format!("must be at most {MAX_PAYLOAD_LIMIT}"),
            ));
        }
        let bounds = Bounds {
            max_sessions: bound("max_sessions", self.max_sessions)?,
            max_trades: bound("max_trades", self.max_trades)?,
            window: bound("window", self.window)?,
            metrics_capacity: bound("metrics_capacity", self.metrics_capacity)?,
            price_cache_capacity: bound("price_cache_capacity", self.price_cache_capacity)?,
        };
        let needed = self.strategy.window_needed();
        if self.window < needed {
            return Err(invalid(
                "window",
                format!(
                    "{} is shorter than the strategy needs ({needed})",
                    self.window
                ),
            ));
        }
        if self.keep_trades > self.max_trades {
            return Err(invalid("keep_trades", "must not exceed max_trades"));
        }
        if self.keep_sessions > self.max_sessions {
            return Err(invalid("keep_sessions", "must not exceed max_sessions"));
        }
        Ok(bounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        BotConfig::default().validate().unwrap();
    }

    #[test]
    fn each_impossible_field_is_named() {
        let cases: Vec<(&str, BotConfig)> = vec![
            (
                "max_sessions",
                BotConfig {
                    max_sessions: 0,
                    ..BotConfig::default()
                },
            ),
            (
                "max_trades",
                BotConfig {
                    max_trades: MAX_BOUND + 1,
                    ..BotConfig::default()
                },
            ),
            (
                "symbol",
                BotConfig {
                    symbol: String::new(),
                    ..BotConfig::default()
                },
            ),
            (
                "initial_capital",
                BotConfig {
                    initial_capital: -5,
                    ..BotConfig::default()
                },
            ),
            (
                "fee_bps",
                BotConfig {
                    fee_bps: 5_000,
                    ..BotConfig::default()
                },
            ),
            (
                "window",
                BotConfig {
                    window: 5,
                    ..BotConfig::default()
                },
            ),
            (
                "keep_trades",
                BotConfig {
                    keep_trades: 2_000,
                    ..BotConfig::default()
                },
            ),
            (
                "keep_sessions",
                BotConfig {
                    keep_sessions: 2_000,
                    ..BotConfig::default()
                },
            ),
            (
                "strategy",
                BotConfig {
                    strategy: StrategyConfig::MaCrossover { fast: 30, slow: 10 },
                    ..BotConfig::default()
                },
            ),
            (
                "strategy",
                BotConfig {
                    strategy: StrategyConfig::Rsi {
                        period: 14,
                        oversold: 70,
                        overbought: 30,
                    },
                    ..BotConfig::default()
                },
            ),
        ];
        for (field, config) in cases {
            assert_eq!(config.validate().unwrap_err().field, field);
        }
    }
}
