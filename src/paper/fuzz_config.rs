//! Configs as fuzzers draw them: raw fields mapped into their sane ranges,
//! so every drawn config builds a bot and no input is wasted.

use arbitrary::{Arbitrary, Unstructured};

use crate::bounded::Eviction;

use super::config::{BotConfig, StrategyConfig, CASH_UNITS_PER_QUOTE};

/// The largest container bound a drawn config has. Small scopes: bounds of
/// a few dozen entries reach full, evict and cleanup paths within a few
/// steps, and a bot that reserves little is cheap to build per input (the
/// small-scope hypothesis: most bugs show at small sizes).
pub const FUZZ_MAX_BOUND: usize = 64;

/// Raw config fields as the fuzzer draws them (the byte layout of the
/// checked-in corpus: keep the field order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Arbitrary)]
struct RawConfig {
    max_sessions: u16,
    max_trades: u16,
    metrics_capacity: u16,
    price_cache_capacity: u16,
    max_payload_bytes: u16,
    fast: u8,
    slow_gap: u8,
    window_extra: u8,
    rsi: bool,
    fee_bps: u8,
    cleanup_every: u16,
    keep_trades: u16,
    keep_sessions: u16,
    lru: bool,
    capital_thousands: u16,
}

fn bound(raw: u16) -> usize {
    1 + usize::from(raw) % FUZZ_MAX_BOUND
}

impl RawConfig {
    fn bot_config(&self) -> BotConfig {
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
            initial_capital: (1 + i64::from(self.capital_thousands)) * 1_000 * CASH_UNITS_PER_QUOTE,
            fee_bps: u32::from(self.fee_bps % 101),
            max_sessions,
            eviction: if self.lru {
                Eviction::Lru
            } else {
                Eviction::Fifo
            },
            // Payloads keep their range: a payload is one allocation, and
            // sizes up to 4 KiB reach the allocator's larger size classes.
            max_payload_bytes: usize::from(self.max_payload_bytes) % 4097,
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

impl<'a> Arbitrary<'a> for BotConfig {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(RawConfig::arbitrary(u)?.bot_config())
    }

    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        RawConfig::size_hint(depth)
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
                    let config = RawConfig {
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
}
