//! A grid trading bot: buy orders below the price and sell orders above it
//! at fixed steps, re-centred on the price every `recenter_every` candles.
//! Its state is what real bots leak in: open orders keyed by order id, a
//! fills log, and per-pair state.
//!
//! [`GridBot`] is correct; [`LeakyGridBot`] forgets to remove cancelled
//! orders (it marks them cancelled and keeps them), the leak of
//! nautilus_trader's reconciliation dicts and of many hand-written bots.
//! Both implement [`heapbound::Bot`] using nothing but heapbound's public API.

mod deep;
mod double_fill;

pub use deep::{DeepGridBot, DeepGridConfig, GridDeepDefect};
pub use double_fill::DoubleFillGridBot;

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::mem::size_of;

use arbitrary::{Arbitrary, Unstructured};
use heapbound::heap::Tracked;
use heapbound::{
    Activity, Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation,
};
use serde::{Deserialize, Serialize};

/// A fixed-key hasher: the map's memory does not depend on a random seed.
type Orders = HashMap<u64, Order, BuildHasherDefault<DefaultHasher>>;

/// What the bot is built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GridConfig {
    /// Grid levels: half buys below the price, half sells above.
    pub levels: usize,
    /// Distance between levels, in basis points of the price.
    pub spacing_bps: i64,
    /// Lots per order.
    pub order_qty: i64,
    /// Starting cash in cash units (tick x lot).
    pub initial_cash: i64,
    /// Cancel and re-place the grid every this many candles.
    pub recenter_every: u64,
    /// Open orders held at most.
    pub max_open_orders: usize,
    /// Fills kept in the log.
    pub max_fills: usize,
    /// Pairs with state held at most.
    pub max_pairs: usize,
}

impl Default for GridConfig {
    fn default() -> Self {
        GridConfig {
            levels: 10,
            spacing_bps: 20,
            order_qty: 10,
            initial_cash: 1_000_000_000_000,
            recenter_every: 60,
            max_open_orders: 64,
            max_fills: 1_000,
            max_pairs: 8,
        }
    }
}

impl<'a> Arbitrary<'a> for GridConfig {
    // Small scopes: bounds of a few entries reach full, evict and refuse
    // paths within a few steps.
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let max_open_orders = u.int_in_range(1..=64)?;
        Ok(GridConfig {
            levels: u.int_in_range(1..=max_open_orders.min(16))?,
            spacing_bps: u.int_in_range(1..=200)?,
            order_qty: u.int_in_range(1..=100)?,
            initial_cash: u.int_in_range(0..=1_000_000_000_000)?,
            recenter_every: u.int_in_range(1..=200)?,
            max_open_orders,
            max_fills: u.int_in_range(1..=64)?,
            max_pairs: u.int_in_range(1..=8)?,
        })
    }
}

/// The bot's own verbs besides candles.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridAction {
    /// Place an order at grid level `level` (0 = lowest).
    Place {
        /// Level index.
        level: u8,
    },
    /// Cancel the order at a level.
    Cancel {
        /// Level index.
        level: u8,
    },
    /// The exchange reports the order at a level filled.
    Fill {
        /// Level index.
        level: u8,
    },
    /// The connection dropped: cancel everything and re-place the grid.
    Reconnect,
    /// Trade another pair from now on.
    SwitchPair {
        /// Pair id.
        pair: u8,
    },
}

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Below the price.
    Buy,
    /// Above the price.
    Sell,
}

/// An order on the (paper) exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    /// Buy or sell.
    pub side: Side,
    /// Limit price in ticks.
    pub price: i64,
    /// Lots.
    pub qty: i64,
    /// Set when cancelled (the leaky bot keeps such orders).
    pub cancelled: bool,
}

/// One fill in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// Order id.
    pub order: u64,
    /// Pair traded.
    pub pair: u8,
    /// Buy or sell.
    pub side: Side,
    /// Price in ticks.
    pub price: i64,
    /// Lots.
    pub qty: i64,
}

/// What the bot keeps per pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PairState {
    /// Fills on this pair.
    pub fills: u64,
    /// Last close seen while it was traded.
    pub last_close: i64,
}

/// The grid bot; `REMOVE_CANCELLED = false` is the leaky twin.
pub struct GridBot<const REMOVE_CANCELLED: bool> {
    orders: Tracked<Orders>,
    fills: Tracked<VecDeque<Fill>>,
    pairs: Tracked<Vec<(u8, PairState)>>,
    levels: Tracked<Vec<Option<u64>>>,
    config: GridConfig,
    pair: u8,
    next_id: u64,
    candles: u64,
    last_close: i64,
    cash: i64,
    position: i64,
    reserved_cash: i64,
    reserved_position: i64,
    total_fills: u64,
    refused: u64,
    cleanups: u64,
}

/// The correct grid bot.
pub type GoodGridBot = GridBot<true>;
/// The grid bot that never removes cancelled orders.
pub type LeakyGridBot = GridBot<false>;

impl<const REMOVE_CANCELLED: bool> GridBot<REMOVE_CANCELLED> {
    fn active_orders(&self) -> usize {
        self.levels.get().iter().flatten().count()
    }

    fn level_price(&self, level: usize) -> (Side, i64) {
        let half = self.config.levels / 2;
        let steps = level as i64 - half as i64;
        let side = if level < half { Side::Buy } else { Side::Sell };
        let offset = if steps >= 0 { steps + 1 } else { steps };
        let price = self.last_close + self.last_close * offset * self.config.spacing_bps / 10_000;
        (side, price.max(1))
    }

    fn place(&mut self, level: usize) {
        if level >= self.config.levels || self.levels.get()[level].is_some() || self.last_close == 0
        {
            return;
        }
        if self.active_orders() >= self.config.max_open_orders {
            self.refused += 1;
            return;
        }
        let (side, price) = self.level_price(level);
        let qty = self.config.order_qty;
        match side {
            Side::Buy if self.cash >= price * qty => {
                self.cash -= price * qty;
                self.reserved_cash += price * qty;
            }
            Side::Sell if self.position >= qty => {
                self.position -= qty;
                self.reserved_position += qty;
            }
            _ => {
                self.refused += 1;
                return;
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let order = Order {
            side,
            price,
            qty,
            cancelled: false,
        };
        self.orders.with_mut(|orders| orders.insert(id, order));
        self.levels.get_mut_untracked()[level] = Some(id);
    }

    fn release(&mut self, order: &Order) {
        match order.side {
            Side::Buy => {
                self.reserved_cash -= order.price * order.qty;
                self.cash += order.price * order.qty;
            }
            Side::Sell => {
                self.reserved_position -= order.qty;
                self.position += order.qty;
            }
        }
    }

    fn cancel(&mut self, level: usize) {
        let Some(id) = self.levels.get().get(level).copied().flatten() else {
            return;
        };
        self.levels.get_mut_untracked()[level] = None;
        let order = if REMOVE_CANCELLED {
            self.orders.with_mut(|orders| orders.remove(&id))
        } else {
            // The bug: the order is marked cancelled and stays in the map.
            self.orders.with_mut(|orders| {
                orders.get_mut(&id).map(|order| {
                    order.cancelled = true;
                    *order
                })
            })
        };
        if let Some(order) = order {
            self.release(&order);
        }
    }

    fn fill(&mut self, level: usize) {
        let Some(id) = self.levels.get().get(level).copied().flatten() else {
            return;
        };
        self.levels.get_mut_untracked()[level] = None;
        let Some(order) = self.orders.with_mut(|orders| orders.remove(&id)) else {
            return;
        };
        match order.side {
            Side::Buy => {
                self.reserved_cash -= order.price * order.qty;
                self.position += order.qty;
            }
            Side::Sell => {
                self.reserved_position -= order.qty;
                self.cash += order.price * order.qty;
            }
        }
        self.total_fills += 1;
        let fill = Fill {
            order: id,
            pair: self.pair,
            side: order.side,
            price: order.price,
            qty: order.qty,
        };
        let max_fills = self.config.max_fills;
        let fills = self.fills.get_mut_untracked();
        if fills.len() == max_fills {
            fills.pop_front();
        }
        fills.push_back(fill);
        self.pair_state().fills += 1;
    }

    fn pair_state(&mut self) -> &mut PairState {
        let pair = self.pair;
        let pairs = self.pairs.get_mut_untracked();
        let index = pairs
            .iter()
            .position(|(id, _)| *id == pair)
            .unwrap_or_else(|| {
                pairs.push((pair, PairState::default()));
                pairs.len() - 1
            });
        &mut pairs[index].1
    }

    fn recenter(&mut self) {
        for level in 0..self.config.levels {
            self.cancel(level);
        }
        for level in 0..self.config.levels {
            self.place(level);
        }
        self.cleanups += 1;
    }
}

impl<const REMOVE_CANCELLED: bool> Bot for GridBot<REMOVE_CANCELLED> {
    type Config = GridConfig;
    type Action = GridAction;
    const NAME: &'static str = if REMOVE_CANCELLED {
        "grid"
    } else {
        "leaky-grid"
    };

    fn build(config: &GridConfig) -> Result<Self, ConfigError> {
        let positive = |field: &str, value: usize| {
            if value == 0 || value > 1 << 20 {
                Err(ConfigError::new(field, "must be 1 to 1048576"))
            } else {
                Ok(())
            }
        };
        positive("levels", config.levels)?;
        positive("max_open_orders", config.max_open_orders)?;
        positive("max_fills", config.max_fills)?;
        positive("max_pairs", config.max_pairs)?;
        if config.levels > config.max_open_orders {
            return Err(ConfigError::new(
                "levels",
                "must not exceed max_open_orders",
            ));
        }
        if !(1..=5_000).contains(&config.spacing_bps) {
            return Err(ConfigError::new("spacing_bps", "must be 1 to 5000"));
        }
        if !(1..=1_000_000).contains(&config.order_qty) || config.initial_cash < 0 {
            return Err(ConfigError::new("order_qty", "must be 1 to 1000000"));
        }
        Ok(GridBot {
            // Twice the bound: removals leave tombstones, and a table at
            // most half full rehashes in place instead of growing.
            orders: Tracked::new(|| {
                Orders::with_capacity_and_hasher(2 * config.max_open_orders, Default::default())
            }),
            fills: Tracked::new(|| VecDeque::with_capacity(config.max_fills)),
            pairs: Tracked::new(|| Vec::with_capacity(config.max_pairs)),
            levels: Tracked::new(|| vec![None; config.levels]),
            config: config.clone(),
            pair: 0,
            next_id: 1,
            candles: 0,
            last_close: 0,
            cash: config.initial_cash,
            position: 0,
            reserved_cash: 0,
            reserved_position: 0,
            total_fills: 0,
            refused: 0,
            cleanups: 0,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.last_close = candle.close();
        self.candles += 1;
        for level in 0..self.config.levels {
            let Some(id) = self.levels.get()[level] else {
                continue;
            };
            let hit = self
                .orders
                .get()
                .get(&id)
                .is_some_and(|order| match order.side {
                    Side::Buy => candle.low() <= order.price,
                    Side::Sell => candle.high() >= order.price,
                });
            if hit {
                self.fill(level);
            }
        }
        let close = candle.close();
        self.pair_state().last_close = close;
        if self.candles % self.config.recenter_every == 1 || self.config.recenter_every == 1 {
            self.recenter();
        }
        CandleOutcome::default()
    }

    fn apply(&mut self, action: &GridAction, _market: &MarketView) {
        let level = |level: u8| usize::from(level) % self.config.levels;
        match *action {
            GridAction::Place { level: l } => self.place(level(l)),
            GridAction::Cancel { level: l } => self.cancel(level(l)),
            GridAction::Fill { level: l } => self.fill(level(l)),
            GridAction::Reconnect => self.recenter(),
            GridAction::SwitchPair { pair } => {
                let known = self.pairs.get().iter().any(|(id, _)| *id == pair);
                if known || self.pairs.get().len() < self.config.max_pairs {
                    self.pair = pair;
                    self.pair_state();
                } else {
                    self.refused += 1;
                }
            }
        }
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        let overhead = heapbound::COMPONENT_OVERHEAD;
        let config = &self.config;
        visit(
            Component::new("open_orders", &self.orders)
                .entries(self.orders.get().len(), config.max_open_orders)
                .budget(hash_map_bytes::<u64, Order>(2 * config.max_open_orders) + overhead),
        );
        visit(
            Component::new("fills", &self.fills)
                .entries(self.fills.get().len(), config.max_fills)
                .budget((config.max_fills * size_of::<Fill>()) as u64 + overhead)
                .capped(),
        );
        visit(
            Component::new("pairs", &self.pairs)
                .entries(self.pairs.get().len(), config.max_pairs)
                .budget((config.max_pairs * size_of::<(u8, PairState)>()) as u64 + overhead)
                .capped(), // a new pair past max_pairs is refused
        );
        visit(
            Component::new("grid_levels", &self.levels)
                .entries(self.levels.get().len(), config.levels)
                .budget((config.levels * size_of::<Option<u64>>()) as u64 + overhead)
                .capped(), // one slot per level, always
        );
    }

    fn check(&self, _after_candle: bool) -> Result<(), Violation> {
        if self.cash < 0 {
            return Err(Violation::domain(
                "negative-cash",
                self.cash,
                0,
                "cash units",
            ));
        }
        if self.position < 0 {
            return Err(Violation::domain(
                "negative-position",
                self.position,
                0,
                "lots",
            ));
        }
        // Reserved cash and lots are exactly what the open orders hold.
        let (mut cash, mut lots) = (0i64, 0i64);
        for order in self.orders.get().values().filter(|order| !order.cancelled) {
            match order.side {
                Side::Buy => cash += order.price * order.qty,
                Side::Sell => lots += order.qty,
            }
        }
        if cash != self.reserved_cash {
            return Err(
                Violation::domain("reserved-cash", self.reserved_cash, cash, "cash units")
                    .in_component("open_orders"),
            );
        }
        if lots != self.reserved_position {
            return Err(
                Violation::domain("reserved-lots", self.reserved_position, lots, "lots")
                    .in_component("open_orders"),
            );
        }
        Ok(())
    }

    fn activity(&self) -> Activity {
        Activity {
            trades: self.total_fills,
            rejected_orders: self.refused,
            cleanups: self.cleanups,
            equity: Some(
                self.cash
                    + self.reserved_cash
                    + (self.position + self.reserved_position) * self.last_close,
            ),
            cash_units_per_quote: 1_000_000,
        }
    }
}

/// The bytes a `HashMap<K, V>` reserves for `capacity` entries (hashbrown's
/// layout: buckets rounded to a power of two, one control byte each plus a
/// group's width), so the budget follows from the types.
pub fn hash_map_bytes<K, V>(capacity: usize) -> u64 {
    let buckets = if capacity < 4 {
        4
    } else if capacity < 8 {
        8
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    let entry = size_of::<(K, V)>();
    let data = (buckets * entry).next_multiple_of(16);
    (data + buckets + 16) as u64
}
