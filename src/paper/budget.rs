//! Memory budgets that follow from a config: bound x record size plus a
//! fixed overhead, computed from the types, never tuned per test.

use std::mem::size_of;

use crate::bot::COMPONENT_OVERHEAD;
use crate::bounded::{LruMap, PriceCache, Session, Trade};
use crate::market::Candle;

use super::config::BotConfig;
use super::paper_bot::MetricSample;
/// Room for the strategy's boxed state (running sums, periods).
pub const STRATEGY_STATE: u64 = 128;

// The boxed strategy (the larger variant of `AnyStrategy`) must fit its room.
const _: () = assert!(size_of::<super::strategy::AnyStrategy>() as u64 <= STRATEGY_STATE);

/// Heap bytes each component may hold, in [`super::COMPONENT_NAMES`] order.
pub fn component_budgets(config: &BotConfig) -> [u64; 6] {
    // One payload more than the bound: a new session's payload exists before
    // the one it replaces or evicts is freed (found by the `actions` fuzzer:
    // the peak passed a budget of exactly max_sessions payloads).
    let sessions = LruMap::<u64, Session>::reserved_bytes(config.max_sessions)
        + (config.max_sessions + 1) * config.max_payload_bytes;
    let budgets = [
        sessions as u64,
        (config.max_trades * size_of::<Trade>()) as u64,
        (config.metrics_capacity * size_of::<MetricSample>()) as u64,
        PriceCache::reserved_bytes(config.price_cache_capacity) as u64,
        (config.window * size_of::<Candle>()) as u64,
        STRATEGY_STATE,
    ];
    budgets.map(|bytes| bytes + COMPONENT_OVERHEAD)
}
