//! Scenarios: a seed, a config drawn within sane ranges, and actions.

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::bot::{BotConfig, StrategyConfig};
use crate::bounded::Eviction;

use super::action::Action;

/// The largest container bound a scenario draws.
pub const SCENARIO_MAX_BOUND: usize = 4096;
/// The most actions a scenario runs; longer inputs are cut.
pub const SCENARIO_MAX_ACTIONS: usize = 512;

/// The most candles a scenario feeds; `Candles(n)` stops there, which keeps
/// one fuzz input to milliseconds.
pub const SCENARIO_MAX_CANDLES: u64 = 20_000;

/// A whole fuzz input: replayable from raw bytes (`arbitrary`) or JSON.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct Scenario {
    /// Seed of the candle generator behind `Candles(n)`.
    pub seed: u64,
    /// The bot's configuration, clamped into range when used.
    #[serde(default)]
    pub config: ScenarioConfig,
    /// What happens, in order.
    #[serde(default)]
    pub actions: Vec<Action>,
}

/// Raw config fields as the fuzzer draws them. [`ScenarioConfig::bot_config`]
/// maps each into its sane range, so no value can reach the bot unchecked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
#[serde(default)]
pub struct ScenarioConfig {
    /// Session store bound (1..=4096).
    pub max_sessions: u16,
    /// Trade history bound (1..=4096).
    pub max_trades: u16,
    /// Metrics ring length (1..=4096).
    pub metrics_capacity: u16,
    /// Price cache capacity (1..=4096).
    pub price_cache_capacity: u16,
    /// Largest session payload (0..=4096 bytes).
    pub max_payload_bytes: u16,
    /// Fast MA period (1..=64), or RSI period.
    pub fast: u8,
    /// Slow MA period minus fast (1..=128).
    pub slow_gap: u8,
    /// Extra candle window beyond what the strategy needs (0..=255).
    pub window_extra: u8,
    /// Use RSI instead of the MA crossover.
    pub rsi: bool,
    /// Fee in basis points (0..=100).
    pub fee_bps: u8,
    /// Cleanup period in candles (0 = never, else 1..=65535).
    pub cleanup_every: u16,
    /// Trades cleanup keeps (clamped to the bound).
    pub keep_trades: u16,
    /// Sessions cleanup keeps (clamped to the bound).
    pub keep_sessions: u16,
    /// LRU instead of FIFO session eviction.
    pub lru: bool,
    /// Starting capital in quote units (1..=65536 x 1000).
    pub capital_thousands: u16,
}

fn bound(raw: u16) -> usize {
    1 + usize::from(raw) % SCENARIO_MAX_BOUND
}

impl ScenarioConfig {
    /// The bot config this scenario runs, every field inside its range.
    pub fn bot_config(&self) -> BotConfig {
        let fast = 1 + usize::from(self.fast) % 64;
        let strategy = if self.rsi {
            StrategyConfig::Rsi {
                period: fast,
                oversold: 30,
                overbought: 70,
            }
        } else {
            StrategyConfig::MaCrossover {
                fast,
                slow: fast + 1 + usize::from(self.slow_gap) % 128,
            }
        };
        let max_sessions = bound(self.max_sessions);
        let max_trades = bound(self.max_trades);
        BotConfig {
            symbol: "BTCUSDT".to_string(),
            strategy,
            initial_capital: (1 + i64::from(self.capital_thousands))
                * 1_000
                * crate::bot::CASH_UNITS_PER_QUOTE,
            fee_bps: u32::from(self.fee_bps % 101),
            max_sessions,
            eviction: if self.lru {
                Eviction::Lru
            } else {
                Eviction::Fifo
            },
            max_payload_bytes: usize::from(self.max_payload_bytes) % (SCENARIO_MAX_BOUND + 1),
            max_trades,
            window: strategy.window_needed() + usize::from(self.window_extra),
            metrics_capacity: bound(self.metrics_capacity),
            price_cache_capacity: bound(self.price_cache_capacity),
            cleanup_every: u64::from(self.cleanup_every),
            keep_trades: usize::from(self.keep_trades).min(max_trades),
            keep_sessions: usize::from(self.keep_sessions).min(max_sessions),
        }
    }
}

impl Scenario {
    /// Decodes a fuzz input. Any byte string decodes (missing bytes read as
    /// zeros); actions past [`SCENARIO_MAX_ACTIONS`] are dropped.
    pub fn from_fuzz_bytes(data: &[u8]) -> Result<Scenario, arbitrary::Error> {
        let mut scenario = Scenario::arbitrary_take_rest(arbitrary::Unstructured::new(data))?;
        scenario.actions.truncate(SCENARIO_MAX_ACTIONS);
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_raw_config_maps_to_a_valid_bot_config() {
        let extremes = [0u16, 1, 4095, 4096, u16::MAX];
        for &raw in &extremes {
            for &small in &[0u8, 1, 63, 64, u8::MAX] {
                for rsi in [false, true] {
                    let config = ScenarioConfig {
                        max_sessions: raw,
                        max_trades: raw,
                        metrics_capacity: raw,
                        price_cache_capacity: raw,
                        max_payload_bytes: raw,
                        fast: small,
                        slow_gap: small,
                        window_extra: small,
                        rsi,
                        fee_bps: small,
                        cleanup_every: raw,
                        keep_trades: raw,
                        keep_sessions: raw,
                        lru: rsi,
                        capital_thousands: raw,
                    };
                    config.bot_config().validate().unwrap();
                }
            }
        }
    }

    #[test]
    fn any_bytes_decode() {
        for data in [&[][..], &[0xff; 3][..], &[7; 1000][..]] {
            let scenario = Scenario::from_fuzz_bytes(data).unwrap();
            assert!(scenario.actions.len() <= SCENARIO_MAX_ACTIONS);
        }
    }
}
