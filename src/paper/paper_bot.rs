//! The paper-trading bot: candles in, strategy decides, executor fills.

use serde::Serialize;

use crate::bot::{Activity, Bot, CandleOutcome, Cleanup, Component, ConfigError, MarketView};
use crate::bounded::{PriceCache, RingBuffer, Session, SessionStore, Trade, TradeHistory};
use crate::heap::Tracked;
use crate::market::Candle;

use super::action::PaperAction;
use super::budget;
use super::config::{BotConfig, CASH_UNITS_PER_QUOTE};
use super::executor::{Books, OrderError, PaperExecutor};
use super::invariants::{self, Accounts};
use super::strategy::{self, AnyStrategy, Signal, Strategy};

/// One equity sample in the metrics ring buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MetricSample {
    /// Candle open time (ms).
    pub time: i64,
    /// Cash plus position at the close.
    pub equity: i64,
    /// Realized PnL so far, before fees.
    pub realized_pnl: i64,
}

/// The components, in report order.
pub const COMPONENT_NAMES: [&str; 6] = [
    "session_store",
    "trade_history",
    "metrics",
    "price_cache",
    "candle_window",
    "strategy",
];

/// What one candle did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepOutcome {
    /// The strategy's signal.
    pub signal: Signal,
    /// The order filled on this candle, if any.
    pub fill: Option<Trade>,
    /// The order the bot tried and the executor refused, if any.
    pub rejected: Option<OrderError>,
    /// The periodic cleanup, if it ran on this candle.
    pub cleanup: Option<CleanupReport>,
}

/// What a cleanup removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// Trades dropped from the history.
    pub trades_dropped: usize,
    /// Sessions dropped from the store.
    pub sessions_dropped: usize,
    /// Heap bytes the history and the session store held less afterwards.
    pub bytes_freed: u64,
}

/// Refusals of the bot's own API (beyond the executor's).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BotError {
    /// A session payload above `max_payload_bytes`.
    #[error("session payload of {len} bytes exceeds max_payload_bytes ({max})")]
    PayloadTooLarge {
        /// Requested length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
}

/// A paper-trading bot whose every container is bounded by construction and
/// charged to its own allocation group.
///
/// ```
/// use heapbound::paper::{BotConfig, PaperBot};
/// use heapbound::market::CandleGenerator;
/// let mut bot = PaperBot::new(BotConfig::default()).unwrap();
/// for candle in CandleGenerator::new(42).take(10_000) {
///     bot.step(&candle);
/// }
/// assert!(bot.history().len() <= bot.history().bound());
/// ```
pub struct PaperBot {
    // Containers first: fields drop in order, and each group must outlive
    // the bytes charged to it.
    strategy: Tracked<Box<AnyStrategy>>,
    window: Tracked<RingBuffer<Candle>>,
    metrics: Tracked<RingBuffer<MetricSample>>,
    prices: Tracked<PriceCache>,
    sessions: Tracked<SessionStore>,
    executor: PaperExecutor,
    budgets: [u64; 6],
    config: BotConfig,
    candles: u64,
    /// Candles left until the periodic cleanup (a countdown, not `candles %
    /// cleanup_every`: a division on every candle costs more than the rest
    /// of the bookkeeping).
    until_cleanup: u64,
    cleanups: u64,
    rejected_orders: u64,
}

impl PaperBot {
    /// Builds a bot, or names the config field that makes it impossible.
    pub fn new(config: BotConfig) -> Result<PaperBot, ConfigError> {
        let bounds = config.bounds()?;
        let strategy = Tracked::new(|| strategy::build(&config.strategy));
        let window = Tracked::new(|| RingBuffer::new(bounds.window));
        let metrics = Tracked::new(|| RingBuffer::new(bounds.metrics_capacity));
        let prices = Tracked::new(|| PriceCache::new(bounds.price_cache_capacity));
        let sessions = Tracked::new(|| SessionStore::new(bounds.max_sessions, config.eviction));
        let history = Tracked::new(|| TradeHistory::new(bounds.max_trades));
        let executor = PaperExecutor::with_history(
            &config.symbol,
            config.initial_capital,
            config.fee_bps,
            history,
        );
        let until_cleanup = config.cleanup_every;
        Ok(PaperBot {
            strategy,
            window,
            metrics,
            prices,
            sessions,
            executor,
            budgets: budget::component_budgets(&config),
            config,
            candles: 0,
            until_cleanup,
            cleanups: 0,
            rejected_orders: 0,
        })
    }

    /// Feeds one candle: the strategy decides on its close, the executor
    /// fills at that close, metrics and the price cache are updated, and the
    /// periodic cleanup runs when due. Allocation-free once warmed up.
    ///
    /// Candle open times are expected to increase, as a market's do: the
    /// price cache keeps the newest times, so once it is full a candle older
    /// than all of them is not cached (and one at a time it holds replaces
    /// that price).
    // Always inlined, so the outcome is built where it is used: returned
    // through memory it is a 144-byte memcpy per candle, a quarter of
    // `simulate` (a plain `#[inline]` was not always taken).
    #[inline(always)]
    pub fn step(&mut self, candle: &Candle) -> StepOutcome {
        // The window, metrics ring and price cache write into storage
        // reserved at construction, so no group needs entering here: a
        // stray allocation would still be charged to the bot's own group.
        self.window.get_mut_untracked().push(*candle);
        let signal = {
            let window = self.window.get();
            self.strategy.get_mut_untracked().on_candle(window)
        };
        let close = candle.close();
        let time = candle.open_time();
        let mut outcome = StepOutcome {
            signal,
            fill: None,
            rejected: None,
            cleanup: None,
        };
        let holding = self.executor.books().position > 0;
        let order = match signal {
            Signal::Buy if !holding => {
                let qty = self.executor.affordable_qty(close);
                Some(self.executor.buy_own(qty, close, time))
            }
            Signal::Sell if holding => Some(self.executor.sell_own(close, time)),
            _ => None,
        };
        match order {
            Some(Ok(trade)) => outcome.fill = Some(trade),
            Some(Err(error)) => {
                self.rejected_orders += 1;
                outcome.rejected = Some(error);
            }
            None => {}
        }
        let books = self.executor.books();
        self.metrics.get_mut_untracked().push(MetricSample {
            time,
            equity: books.equity(close),
            realized_pnl: books.realized_pnl,
        });
        self.prices.get_mut_untracked().insert(time, close);
        self.candles += 1;
        match self.until_cleanup {
            // `cleanup_every == 0`: never.
            0 => {}
            1 => {
                self.until_cleanup = self.config.cleanup_every;
                let (keep_trades, keep_sessions) =
                    (self.config.keep_trades, self.config.keep_sessions);
                outcome.cleanup = Some(self.cleanup(keep_trades, keep_sessions));
            }
            _ => self.until_cleanup -= 1,
        }
        outcome
    }

    /// Adds (or replaces) a client session with a payload of `payload_len` bytes.
    /// Returns the id of the session evicted to make room, if any.
    pub fn add_session(&mut self, id: u64, payload_len: usize) -> Result<Option<u64>, BotError> {
        let max = self.config.max_payload_bytes;
        if payload_len > max {
            return Err(BotError::PayloadTooLarge {
                len: payload_len,
                max,
            });
        }
        let now = self.now();
        let evicted = self.sessions.with_mut(|sessions| {
            let payload = vec![(id % 251) as u8; payload_len].into_boxed_slice();
            sessions.add(id, now, payload)
        });
        Ok(evicted.map(|session| session.id))
    }

    /// Reads a session (under LRU eviction this marks it recently used).
    pub fn get_session(&mut self, id: u64) -> Option<&Session> {
        self.sessions.get_mut_untracked().get(id)
    }

    /// Removes a session; returns whether it existed.
    pub fn remove_session(&mut self, id: u64) -> bool {
        self.sessions
            .with_mut(|sessions| sessions.remove(id))
            .is_some()
    }

    /// A direct buy order at `price`, outside the strategy.
    pub fn buy(&mut self, qty: i64, price: i64) -> Result<Trade, OrderError> {
        let now = self.now();
        self.executor.buy_own(qty, price, now)
    }

    /// A direct order closing the position at `price`.
    pub fn sell(&mut self, price: i64) -> Result<Trade, OrderError> {
        let now = self.now();
        self.executor.sell_own(price, now)
    }

    /// The cached close for a candle open time.
    pub fn cache_lookup(&mut self, time: i64) -> Option<i64> {
        self.prices.get_mut_untracked().get(time)
    }

    fn cleanable_bytes(&self) -> u64 {
        self.executor.history_group().live_bytes() + self.sessions.stats().live_bytes
    }

    /// Trims history and sessions, as the periodic cleanup does.
    pub fn cleanup(&mut self, keep_trades: usize, keep_sessions: usize) -> CleanupReport {
        let before = self.cleanable_bytes();
        let trades_dropped = self.executor.trim_history(keep_trades);
        let sessions_dropped = self
            .sessions
            .with_mut(|sessions| sessions.keep_last(keep_sessions));
        self.cleanups += 1;
        CleanupReport {
            trades_dropped,
            sessions_dropped,
            bytes_freed: before.saturating_sub(self.cleanable_bytes()),
        }
    }

    /// The executor's books.
    pub fn books(&self) -> Books {
        self.executor.books()
    }

    /// The executor (read-only).
    pub fn executor(&self) -> &PaperExecutor {
        &self.executor
    }

    /// The trade history.
    pub fn history(&self) -> &TradeHistory {
        self.executor.history()
    }

    /// The metrics ring buffer.
    pub fn metrics(&self) -> &RingBuffer<MetricSample> {
        self.metrics.get()
    }

    /// The session store.
    pub fn sessions(&self) -> &SessionStore {
        self.sessions.get()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &BotConfig {
        &self.config
    }

    /// Candles seen.
    pub fn candles(&self) -> u64 {
        self.candles
    }

    /// The last candle seen.
    pub fn last_candle(&self) -> Option<&Candle> {
        // The window holds at least one candle: its newest is the last seen.
        self.window.get().back(0)
    }

    /// Cleanups run (periodic and direct).
    pub fn cleanups(&self) -> u64 {
        self.cleanups
    }

    /// Orders the executor refused.
    pub fn rejected_orders(&self) -> u64 {
        self.rejected_orders
    }

    /// Equity marked at the last close (cash alone before any candle).
    pub fn equity(&self) -> i64 {
        let books = self.executor.books();
        match self.last_candle() {
            Some(candle) => books.equity(candle.close()),
            None => books.cash,
        }
    }

    /// The strategy's name.
    pub fn strategy_name(&self) -> &'static str {
        self.strategy.get().name()
    }

    /// What the invariants read: books, recorded fills, the last sample.
    pub fn accounts(&self) -> Accounts {
        Accounts {
            books: self.executor.books(),
            recorded_fills: self.executor.history().total_recorded(),
            last_sample: self.metrics.get().back(0).copied(),
            last_close: self.last_candle().map(|candle| candle.close()),
        }
    }

    fn now(&self) -> i64 {
        self.last_candle().map_or(0, |candle| candle.open_time())
    }
}

impl Bot for PaperBot {
    type Config = BotConfig;
    type Action = PaperAction;
    const NAME: &'static str = "paper";

    fn build(config: &BotConfig) -> Result<Self, ConfigError> {
        PaperBot::new(config.clone())
    }

    #[inline]
    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        let outcome = self.step(candle);
        CandleOutcome {
            cleanup: outcome.cleanup.map(|cleanup| Cleanup {
                entries_dropped: (cleanup.trades_dropped + cleanup.sessions_dropped) as u64,
                bytes_freed: cleanup.bytes_freed,
            }),
        }
    }

    fn apply(&mut self, action: &PaperAction, market: &MarketView) {
        // Refusals (a payload too large, an order cash cannot cover) are
        // the bot doing its job; the checks judge the state afterwards.
        match *action {
            PaperAction::AddSession { id, payload_len } => {
                let _ = self.add_session(u64::from(id), usize::from(payload_len));
            }
            PaperAction::GetSession { id } => {
                let _ = self.get_session(u64::from(id));
            }
            PaperAction::RemoveSession { id } => {
                self.remove_session(u64::from(id));
            }
            PaperAction::Buy {
                qty,
                price_offset_bps,
            } => {
                let _ = self.buy(i64::from(qty), market.price_at(price_offset_bps));
            }
            PaperAction::Sell { price_offset_bps } => {
                let _ = self.sell(market.price_at(price_offset_bps));
            }
            PaperAction::Cleanup {
                keep_trades,
                keep_sessions,
            } => {
                self.cleanup(usize::from(keep_trades), usize::from(keep_sessions));
            }
            PaperAction::CacheLookup { age } => {
                let time = market.next_time_ms - (1 + i64::from(age)) * market.interval_ms;
                let _ = self.cache_lookup(time);
            }
        }
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        let [sessions, trades, metrics, prices, window, strategy] = self.budgets;
        let history = self.executor.history();
        visit(
            Component::new(COMPONENT_NAMES[0], &self.sessions)
                .entries(self.sessions.get().len(), self.sessions.get().bound())
                .budget(sessions)
                .capped(),
        );
        visit(
            Component::of_group(COMPONENT_NAMES[1], self.executor.history_group())
                .entries(history.len(), history.bound())
                .budget(trades)
                .capped(),
        );
        visit(
            Component::new(COMPONENT_NAMES[2], &self.metrics)
                .entries(self.metrics.get().len(), self.metrics.get().capacity())
                .budget(metrics)
                .capped(),
        );
        visit(
            Component::new(COMPONENT_NAMES[3], &self.prices)
                .entries(self.prices.get().len(), self.prices.get().bound())
                .budget(prices)
                .capped(),
        );
        visit(
            Component::new(COMPONENT_NAMES[4], &self.window)
                .entries(self.window.get().len(), self.window.get().capacity())
                .budget(window)
                .capped(),
        );
        visit(
            Component::new(COMPONENT_NAMES[5], &self.strategy)
                .entries(1, 1)
                .budget(strategy),
        );
    }

    fn check(&self, after_candle: bool) -> Result<(), crate::violation::Violation> {
        invariants::check_accounts(&self.accounts(), after_candle)
    }

    fn activity(&self) -> Activity {
        Activity {
            trades: self.executor.books().fills,
            rejected_orders: self.rejected_orders,
            cleanups: self.cleanups,
            equity: Some(self.equity()),
            cash_units_per_quote: CASH_UNITS_PER_QUOTE,
        }
    }

    fn describe(&self) -> &str {
        self.strategy_name()
    }
}

impl std::fmt::Debug for PaperBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaperBot")
            .field("history_len", &self.history().len())
            .finish_non_exhaustive()
    }
}
