//! Configs the tests share.
#![allow(dead_code)]

use heapbound::bounded::Eviction;
use heapbound::paper::{BotConfig, StrategyConfig, CASH_UNITS_PER_QUOTE};

/// A small paper bot: every bound 1 unless set, MA crossover `fast`/`slow`,
/// no fee, no periodic cleanup, 1,000 USDT (what a fuzzer's all-zero
/// config draws).
pub fn small_config(fast: usize, slow: usize) -> BotConfig {
    let strategy = StrategyConfig::MaCrossover { fast, slow };
    BotConfig {
        symbol: "BTCUSDT".to_string(),
        strategy,
        initial_capital: 1_000 * CASH_UNITS_PER_QUOTE,
        fee_bps: 0,
        max_sessions: 1,
        eviction: Eviction::Fifo,
        max_payload_bytes: 0,
        max_trades: 1,
        window: strategy.window_needed(),
        metrics_capacity: 1,
        price_cache_capacity: 1,
        cleanup_every: 0,
        keep_trades: 0,
        keep_sessions: 0,
    }
}

/// The component each leak pattern is planted in on the paper bot: where
/// such a leak lives in a real bot.
pub fn paper_home(pattern: heapbound::defects::LeakPattern) -> &'static str {
    use heapbound::defects::LeakPattern;
    match pattern {
        LeakPattern::UnboundedVec => "candle_window",
        LeakPattern::RcCycle | LeakPattern::OrphanKeys => "session_store",
        LeakPattern::GlobalCache => "price_cache",
        LeakPattern::Forget => "trade_history",
        LeakPattern::UndrainedQueue => "metrics",
        LeakPattern::SlowDrip => "strategy",
    }
}

/// `pattern` planted in its home component of the paper bot.
pub fn paper_leak(
    bot: BotConfig,
    pattern: heapbound::defects::LeakPattern,
) -> heapbound::defects::LeakyConfig<BotConfig> {
    heapbound::defects::LeakyConfig {
        bot,
        leak: heapbound::defects::LeakSpec {
            pattern,
            component: Some(paper_home(pattern).to_string()),
        },
    }
}
