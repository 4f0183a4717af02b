//! A small market-making bot for heapbound, and its leaky twin.
//!
//! Every candle it fills crossed quotes, expires quotes older than `ttl`
//! candles, and quotes one bid and one ask around the close (unless its
//! position is at the limit). Manual orders come as actions, at most
//! `max_manual` live at once.
//!
//! Components:
//! - `quote_log`: one snapshot every `log_every` candles, trimmed to
//!   `log_bound` (popped when full: capped by construction);
//! - `open_orders`: bounded by the order logic (auto quotes live at most
//!   `ttl` candles, two per candle; manual orders refused past
//!   `max_manual`), so bound `2 * ttl + max_manual`, NOT capped;
//! - `fill_cache`: created at the first fill, fills per price bucket,
//!   cleared when full (capped by construction).
//!
//! The leaky twin (`LeakyMarketMaker`) keeps a cancelled order in
//! `open_orders` marked "cancel pending", waiting for an exchange
//! confirmation that never comes, so every manual cancel leaks one entry.

use std::collections::VecDeque;
use std::hash::{BuildHasherDefault, DefaultHasher};

/// A deterministic hasher (SipHash, zero keys), so a replay rehashes and
/// resizes exactly as the live run did.
type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<DefaultHasher>>;

use heapbound::heap::Tracked;
use heapbound::{
    Activity, Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation,
    COMPONENT_OVERHEAD,
};

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
pub struct MmConfig {
    /// Candles a quote stays out (clamped to 1..).
    pub ttl: u8,
    /// Manual orders live at once (clamped to 1..).
    pub max_manual: u8,
    /// Half-spread of the quotes in bps (clamped to 1..).
    pub spread_bps: u8,
    /// Position limit in lots (clamped to 1..).
    pub max_position: u8,
    /// One quote-log snapshot every this many candles (clamped to 1..).
    pub log_every: u16,
    /// Snapshots kept (clamped to 1..).
    pub log_bound: u16,
    /// Price buckets in the fill cache (clamped to 1..).
    pub cache_bound: u16,
}

impl MmConfig {
    /// The production setting.
    pub fn production() -> MmConfig {
        MmConfig {
            ttl: 60,
            max_manual: 16,
            spread_bps: 5,
            max_position: 20,
            log_every: 300,
            log_bound: 2000,
            cache_bound: 256,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
pub enum MmAction {
    /// A manual limit order `offset_bps` away from the last close.
    Place { buy: bool, offset_bps: i16 },
    /// Cancel an order by id (unknown ids are ignored).
    Cancel { id: u64 },
    /// The session dropped: every order is gone on the exchange.
    Reconnect,
}

#[derive(Clone, Copy, Debug)]
pub struct Order {
    pub buy: bool,
    pub price: i64,
    pub placed_at: u64,
    pub manual: bool,
    /// Leaky twin only: cancel sent, waiting for a confirmation.
    pub cancel_pending: bool,
}

#[allow(dead_code)] // read by the operator in a debugger / dump
#[derive(Clone, Copy, Debug)]
struct LogEntry {
    candle: u64,
    close: i64,
    position: i64,
    cash: i64,
    open_orders: u32,
}

/// Ticks per fill-cache price bucket.
const BUCKET_TICKS: i64 = 1_000;

pub struct MarketMakerCore<const LEAKY: bool> {
    quote_log: Tracked<VecDeque<LogEntry>>,
    open_orders: Tracked<HashMap<u64, Order>>,
    fill_cache: Tracked<Option<HashMap<i64, u32>>>,
    ttl: u64,
    max_manual: usize,
    spread_bps: i16,
    max_position: i64,
    log_every: u64,
    log_bound: usize,
    cache_bound: usize,
    orders_bound: usize,
    log_budget: u64,
    orders_budget: u64,
    cache_budget: u64,
    candles: u64,
    next_id: u64,
    manual_live: usize,
    position: i64,
    cash: i64,
    trades: u64,
    rejected: u64,
    last_close: i64,
}

pub type MarketMaker = MarketMakerCore<false>;
pub type LeakyMarketMaker = MarketMakerCore<true>;

impl<const LEAKY: bool> MarketMakerCore<LEAKY> {
    /// Ids of the manual orders that are live (not cancel-pending), oldest first.
    pub fn manual_ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .open_orders
            .get()
            .iter()
            .filter(|(_, o)| o.manual && !o.cancel_pending)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    pub fn open_orders_len(&self) -> usize {
        self.open_orders.get().len()
    }

    pub fn orders_bound(&self) -> usize {
        self.orders_bound
    }

    fn quote(&mut self, buy: bool, price: i64, manual: bool) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let order = Order {
            buy,
            price,
            placed_at: self.candles,
            manual,
            cancel_pending: false,
        };
        self.open_orders.with_mut(|orders| orders.insert(id, order));
        id
    }
}

impl<const LEAKY: bool> Bot for MarketMakerCore<LEAKY> {
    type Config = MmConfig;
    type Action = MmAction;
    const NAME: &'static str = if LEAKY { "leaky-mm" } else { "mm" };

    fn build(config: &MmConfig) -> Result<Self, ConfigError> {
        let ttl = u64::from(config.ttl.max(1));
        let max_manual = usize::from(config.max_manual.max(1));
        let log_bound = usize::from(config.log_bound.max(1));
        let cache_bound = usize::from(config.cache_bound.max(1));
        let orders_bound = 2 * ttl as usize + max_manual;

        let quote_log = Tracked::new(|| VecDeque::with_capacity(log_bound));
        // Twice the bound (README, "Budgets for maps"): tombstones are cleared
        // in place and the table never grows under churn. The outsider first
        // reserved the bound alone; the table's move then passed the ceiling.
        let open_orders = Tracked::new(|| {
            HashMap::with_capacity_and_hasher(2 * orders_bound, Default::default())
        });
        // The cache is created lazily; its budget is what the map takes
        // once created, measured on a probe map dropped right away.
        let cache_bytes = {
            let probe = Tracked::new(|| {
                HashMap::<i64, u32>::with_capacity_and_hasher(cache_bound, Default::default())
            });
            probe.stats().live_bytes
        };
        let log_budget = quote_log.stats().live_bytes + COMPONENT_OVERHEAD;
        let orders_budget = open_orders.stats().live_bytes + COMPONENT_OVERHEAD;
        let cache_budget = cache_bytes + COMPONENT_OVERHEAD;
        Ok(MarketMakerCore {
            quote_log,
            open_orders,
            fill_cache: Tracked::new(|| None),
            ttl,
            max_manual,
            spread_bps: i16::from(config.spread_bps.max(1)),
            max_position: i64::from(config.max_position.max(1)),
            log_every: u64::from(config.log_every.max(1)),
            log_bound,
            cache_bound,
            orders_bound,
            log_budget,
            orders_budget,
            cache_budget,
            candles: 0,
            next_id: 1,
            manual_live: 0,
            position: 0,
            cash: 0,
            trades: 0,
            rejected: 0,
            last_close: 0,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.candles += 1;
        let now = self.candles;
        let ttl = self.ttl;
        let (low, high) = (candle.low(), candle.high());
        let (mut position, mut cash, mut trades, mut manual_live) =
            (self.position, self.cash, self.trades, self.manual_live);
        let mut last_fill = None;
        // Fills and expiry; removing never allocates.
        self.open_orders.with_mut(|orders| {
            orders.retain(|_, o| {
                if o.cancel_pending {
                    // Leaky twin: waits for a confirmation that never comes.
                    return true;
                }
                let filled = if o.buy {
                    low <= o.price
                } else {
                    high >= o.price
                };
                if filled {
                    if o.buy {
                        position += 1;
                        cash -= o.price;
                    } else {
                        position -= 1;
                        cash += o.price;
                    }
                    trades += 1;
                    last_fill = Some(o.price);
                }
                let expired = now - o.placed_at >= ttl;
                let gone = filled || expired;
                if gone && o.manual {
                    manual_live -= 1;
                }
                !gone
            })
        });
        (self.position, self.cash, self.trades, self.manual_live) =
            (position, cash, trades, manual_live);

        // The fill cache, created at the first fill.
        if let Some(price) = last_fill {
            let bound = self.cache_bound;
            self.fill_cache.with_mut(|cache| {
                let cache = cache.get_or_insert_with(|| {
                    HashMap::with_capacity_and_hasher(bound, Default::default())
                });
                let bucket = price / BUCKET_TICKS;
                if !cache.contains_key(&bucket) && cache.len() == bound {
                    cache.clear();
                }
                *cache.entry(bucket).or_insert(0) += 1;
            });
        }

        // Requote.
        self.last_close = candle.close();
        let view = MarketView {
            last_close: candle.close(),
            next_time_ms: 0,
            interval_ms: 0,
            candles: now,
        };
        if self.position < self.max_position {
            let price = view.price_at(-self.spread_bps);
            self.quote(true, price, false);
        }
        if self.position > -self.max_position {
            let price = view.price_at(self.spread_bps);
            self.quote(false, price, false);
        }

        // The slow log.
        if now.is_multiple_of(self.log_every) {
            let entry = LogEntry {
                candle: now,
                close: candle.close(),
                position: self.position,
                cash: self.cash,
                open_orders: self.open_orders.get().len() as u32,
            };
            let bound = self.log_bound;
            self.quote_log.with_mut(|log| {
                if log.len() == bound {
                    log.pop_front();
                }
                log.push_back(entry);
            });
        }
        CandleOutcome::default()
    }

    fn apply(&mut self, action: &MmAction, market: &MarketView) {
        match *action {
            MmAction::Place { buy, offset_bps } => {
                if self.manual_live >= self.max_manual {
                    self.rejected += 1;
                    return;
                }
                let offset = offset_bps.unsigned_abs().min(i16::MAX as u16) as i16;
                let price = market.price_at(if buy { -offset } else { offset });
                self.quote(buy, price, true);
                self.manual_live += 1;
            }
            MmAction::Cancel { id } => {
                let mut manual_live = self.manual_live;
                self.open_orders.with_mut(|orders| {
                    if LEAKY {
                        // The bug: mark it, wait for the exchange's confirmation.
                        if let Some(o) = orders.get_mut(&id) {
                            if !o.cancel_pending {
                                o.cancel_pending = true;
                                if o.manual {
                                    manual_live -= 1;
                                }
                            }
                        }
                    } else if let Some(o) = orders.remove(&id) {
                        if o.manual {
                            manual_live -= 1;
                        }
                    }
                });
                self.manual_live = manual_live;
            }
            MmAction::Reconnect => {
                // Every live order is gone on the exchange.
                self.open_orders
                    .with_mut(|orders| orders.retain(|_, o| o.cancel_pending));
                self.manual_live = 0;
            }
        }
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        visit(
            Component::new("quote_log", &self.quote_log)
                .entries(self.quote_log.get().len(), self.log_bound)
                .budget(self.log_budget)
                .capped(),
        );
        visit(
            Component::new("open_orders", &self.open_orders)
                .entries(self.open_orders.get().len(), self.orders_bound)
                .budget(self.orders_budget),
        );
        let cache_len = self.fill_cache.get().as_ref().map_or(0, HashMap::len);
        visit(
            Component::new("fill_cache", &self.fill_cache)
                .entries(cache_len, self.cache_bound)
                .budget(self.cache_budget)
                .capped(),
        );
    }

    fn check(&self, _after_candle: bool) -> Result<(), Violation> {
        if self.manual_live > self.max_manual {
            return Err(Violation::domain(
                "manual-orders",
                self.manual_live as i64,
                self.max_manual as i64,
                "orders",
            ));
        }
        let counted = self
            .open_orders
            .get()
            .values()
            .filter(|o| o.manual && !o.cancel_pending)
            .count();
        if counted != self.manual_live {
            return Err(Violation::domain(
                "manual-orders-counted",
                self.manual_live as i64,
                counted as i64,
                "orders",
            ));
        }
        Ok(())
    }

    fn activity(&self) -> Activity {
        Activity {
            trades: self.trades,
            rejected_orders: self.rejected,
            equity: Some(self.cash + self.position * self.last_close),
            cash_units_per_quote: 100,
            ..Activity::default()
        }
    }
}
