//! The paper-trading bot: candles in, strategy decides, executor fills.

use serde::Serialize;

use crate::bounded::{PriceCache, RingBuffer, Session, SessionStore, Trade, TradeHistory};
use crate::heap::{Group, HeapStats, Tracked};
use crate::market::Candle;

use super::config::{BotConfig, ConfigError};
use super::defect::{Defect, LeakPattern, LeakState};
use super::executor::{Books, OrderError, PaperExecutor};
use super::strategy::{self, Signal, Strategy};

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

/// A container's size against its bound, and the heap bytes its group holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ComponentState {
    /// Component name as used in reports.
    pub name: &'static str,
    /// Entries held.
    pub len: usize,
    /// The most entries it may hold.
    pub bound: usize,
    /// Heap bytes its allocation group holds.
    pub bytes: u64,
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
    /// Heap bytes the bot held less afterwards.
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
/// use heapbound::bot::{BotConfig, TradingBot};
/// use heapbound::market::CandleGenerator;
/// let mut bot = TradingBot::new(BotConfig::default()).unwrap();
/// for candle in CandleGenerator::new(42).take(10_000) {
///     bot.step(&candle);
/// }
/// assert!(bot.components().iter().all(|c| c.len <= c.bound));
/// ```
pub struct TradingBot {
    // Containers first: fields drop in order, and each group must outlive
    // the bytes charged to it.
    strategy: Tracked<Box<dyn Strategy>>,
    window: Tracked<RingBuffer<Candle>>,
    metrics: Tracked<RingBuffer<MetricSample>>,
    prices: Tracked<PriceCache>,
    sessions: Tracked<SessionStore>,
    executor: PaperExecutor,
    config: BotConfig,
    candles: u64,
    last_candle: Option<Candle>,
    cleanups: u64,
    rejected_orders: u64,
    leak: Option<(LeakPattern, LeakState)>,
    /// The deliberate defect of sampling equity before the fill.
    stale_equity_sample: bool,
    root: Group,
}

impl TradingBot {
    /// Builds a bot, or names the config field that makes it impossible.
    pub fn new(config: BotConfig) -> Result<TradingBot, ConfigError> {
        TradingBot::with_defect(config, None)
    }

    /// Builds a bot with a deliberate defect, for proving the detectors.
    pub fn with_defect(
        config: BotConfig,
        defect: Option<Defect>,
    ) -> Result<TradingBot, ConfigError> {
        let bounds = config.bounds()?;
        let mut root = Group::new();
        let strategy = Tracked::new_in(&root, || strategy::build(&config.strategy));
        let window = Tracked::new_in(&root, || RingBuffer::new(bounds.window));
        let metrics = Tracked::new_in(&root, || RingBuffer::new(bounds.metrics_capacity));
        let prices = Tracked::new_in(&root, || PriceCache::new(bounds.price_cache_capacity));
        let sessions = Tracked::new_in(&root, || {
            SessionStore::new(bounds.max_sessions, config.eviction)
        });
        let history = Tracked::new_in(&root, || match defect {
            Some(Defect::MissingHistoryBound) => TradeHistory::without_bound(bounds.max_trades),
            _ => TradeHistory::new(bounds.max_trades),
        });
        let mut executor = root.run(|| {
            PaperExecutor::with_history(
                &config.symbol,
                config.initial_capital,
                config.fee_bps,
                history,
            )
        });
        executor.set_defect(defect);
        let leak = match defect {
            Some(Defect::Leak(pattern)) => Some((pattern, LeakState::default())),
            _ => None,
        };
        Ok(TradingBot {
            stale_equity_sample: defect == Some(Defect::StaleEquitySample),
            leak,
            strategy,
            window,
            metrics,
            prices,
            sessions,
            executor,
            config,
            candles: 0,
            last_candle: None,
            cleanups: 0,
            rejected_orders: 0,
            root,
        })
    }

    /// Feeds one candle: the strategy decides on its close, the executor
    /// fills at that close, metrics and the price cache are updated, and the
    /// periodic cleanup runs when due. Allocation-free once warmed up.
    pub fn step(&mut self, candle: &Candle) -> StepOutcome {
        // The window, metrics ring and price cache write into storage
        // reserved at construction, so no group needs entering here: a
        // stray allocation would still be charged to the bot's root group.
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
        let books_before = self.executor.books();
        let holding = books_before.position > 0;
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
        let books = if self.stale_equity_sample {
            books_before
        } else {
            self.executor.books()
        };
        self.metrics.get_mut_untracked().push(MetricSample {
            time,
            equity: books.equity(close),
            realized_pnl: books.realized_pnl,
        });
        self.prices.get_mut_untracked().insert(time, close);
        self.last_candle = Some(*candle);
        self.candles += 1;
        if self.leak.is_some() {
            self.run_leak(candle, outcome.fill.as_ref());
        }
        if self.config.cleanup_every > 0 && self.candles % self.config.cleanup_every == 0 {
            let (keep_trades, keep_sessions) = (self.config.keep_trades, self.config.keep_sessions);
            outcome.cleanup = Some(self.cleanup(keep_trades, keep_sessions));
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

    /// Trims history and sessions, as the periodic cleanup does.
    pub fn cleanup(&mut self, keep_trades: usize, keep_sessions: usize) -> CleanupReport {
        let before = self.root.live_bytes();
        let trades_dropped = self.executor.trim_history(keep_trades);
        let sessions_dropped = self
            .sessions
            .with_mut(|sessions| sessions.keep_last(keep_sessions));
        self.cleanups += 1;
        CleanupReport {
            trades_dropped,
            sessions_dropped,
            bytes_freed: before.saturating_sub(self.root.live_bytes()),
        }
    }

    /// Sizes, bounds and heap bytes of every component, in [`COMPONENT_NAMES`] order.
    pub fn components(&self) -> [ComponentState; 6] {
        let history = self.executor.history();
        [
            ComponentState {
                name: COMPONENT_NAMES[0],
                len: self.sessions.get().len(),
                bound: self.sessions.get().bound(),
                bytes: self.sessions.stats().live_bytes,
            },
            ComponentState {
                name: COMPONENT_NAMES[1],
                len: history.len(),
                bound: history.bound(),
                bytes: self.executor.history_heap().live_bytes,
            },
            ComponentState {
                name: COMPONENT_NAMES[2],
                len: self.metrics.get().len(),
                bound: self.metrics.get().capacity(),
                bytes: self.metrics.stats().live_bytes,
            },
            ComponentState {
                name: COMPONENT_NAMES[3],
                len: self.prices.get().len(),
                bound: self.prices.get().bound(),
                bytes: self.prices.stats().live_bytes,
            },
            ComponentState {
                name: COMPONENT_NAMES[4],
                len: self.window.get().len(),
                bound: self.window.get().capacity(),
                bytes: self.window.stats().live_bytes,
            },
            ComponentState {
                name: COMPONENT_NAMES[5],
                len: 1,
                bound: 1,
                bytes: self.strategy.stats().live_bytes,
            },
        ]
    }

    /// The bot's heap counters: all components plus its own small state.
    pub fn heap(&self) -> HeapStats {
        self.root.stats()
    }

    /// The bot's root allocation group.
    pub fn heap_group(&self) -> &Group {
        &self.root
    }

    /// Restarts the bot's peak measurement from its current bytes.
    pub fn reset_peak(&self) {
        self.root.reset_peak();
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
        self.last_candle.as_ref()
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
        match self.last_candle {
            Some(candle) => books.equity(candle.close()),
            None => books.cash,
        }
    }

    /// The strategy's name.
    pub fn strategy_name(&self) -> &'static str {
        self.strategy.get().name()
    }

    /// Grows the injected leak, charged to the component it pretends to be.
    #[cold]
    fn run_leak(&mut self, candle: &Candle, fill: Option<&Trade>) {
        let Some((pattern, state)) = self.leak.as_mut() else {
            return;
        };
        let pattern = *pattern;
        let _entered = match pattern.component() {
            "candle_window" => self.window.enter(),
            "session_store" => self.sessions.enter(),
            "price_cache" => self.prices.enter(),
            "metrics" => self.metrics.enter(),
            "trade_history" => self.executor.enter_history_group(),
            _ => self.strategy.enter(),
        };
        state.on_candle(pattern, candle, &self.config.symbol, self.candles);
        if let Some(trade) = fill {
            state.on_fill(pattern, trade);
        }
    }

    fn now(&self) -> i64 {
        self.last_candle.map_or(0, |candle| candle.open_time())
    }
}
