//! barter's `MockExchange` (barter-execution 0.9, unchanged) driven
//! through heapbound's `Bot` trait: a framework nobody here wrote, whose
//! state lives in its own types. The exchange is called synchronously, as
//! its `run` loop would call it for each request: `open_order`, then
//! `account.ack_trade` for the fill. A moving-average crossover on the
//! candles sends market orders; the bot's own actions send market and
//! limit orders and reconnect (rebuild the account from its snapshot).
//!
//! The exchange's whole state is one component, `exchange`, whose bytes
//! are charged to its own allocation group (every call into it runs inside
//! the group) and whose length is the account's trade log: barter keeps
//! every fill (`AccountState::trades`, never trimmed). `trade_log_bound`
//! is the bound a long-running bot needs; with `retention` set, the bot
//! rebuilds the account from its snapshot (which starts with no trades)
//! when the log reaches it. That is the workaround; without it the bot
//! fails naming `exchange`.
//!
//! This is the exchange half of barter: its `Engine` and risk manager
//! (where the engine keeps a trade id per fill of an open position) are
//! not driven yet.

use std::collections::VecDeque;

use barter_execution::balance::{AssetBalance, Balance};
use barter_execution::exchange::mock::account::AccountState;
use barter_execution::exchange::mock::MockExchange;
use barter_execution::order::id::{ClientOrderId, StrategyId};
use barter_execution::order::request::{OrderRequestOpen, RequestOpen};
use barter_execution::order::{OrderKey, OrderKind, TimeInForce};
use barter_execution::trade::Trade;
use barter_execution::{InstrumentAccountSnapshot, UnindexedAccountSnapshot};
use barter_instrument::asset::name::AssetNameExchange;
use barter_instrument::asset::QuoteAsset;
use barter_instrument::exchange::ExchangeId;
use barter_instrument::instrument::name::InstrumentNameExchange;
use barter_instrument::instrument::Instrument;
use barter_instrument::{Side, Underlying};
use chrono::{DateTime, Utc};
use heapbound::heap::Tracked;
use heapbound::{Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation};
use rust_decimal::Decimal;

/// The bot's config.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
#[serde(default, deny_unknown_fields)]
pub struct BarterConfig {
    /// Fast moving average, in candles (at least 1).
    pub fast: u8,
    /// Slow moving average, in candles (above `fast`).
    pub slow: u8,
    /// Most trades the exchange's log may hold.
    pub trade_log_bound: u16,
    /// Rebuild the account from its snapshot when the log is full (the
    /// workaround); `false`: barter's default, the log kept forever.
    pub retention: bool,
}

impl Default for BarterConfig {
    fn default() -> Self {
        BarterConfig {
            fast: 5,
            slow: 20,
            trade_log_bound: 1_000,
            retention: false,
        }
    }
}

/// The bot's own verbs.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
pub enum BarterAction {
    /// A market buy of `lots` thousandths of a unit.
    MarketBuy { lots: u16 },
    /// A market sell of `lots` thousandths of a unit.
    MarketSell { lots: u16 },
    /// A limit buy, which the mock exchange rejects (market orders only).
    LimitBuy { lots: u16, offset_bps: i16 },
    /// Reconnect: the account rebuilt from the exchange's snapshot.
    Reconnect,
}

const QUOTE: &str = "usdt";
const BASE: &str = "btc";
const SYMBOL: &str = "btcusdt";

/// barter's mock exchange and a crossover strategy.
pub struct BarterBot {
    exchange: Tracked<MockExchange>,
    /// The exchange's bytes right after build (balances, instruments,
    /// maps): its budget is twice these plus the trade log's.
    state_bytes: u64,
    /// Trades in the exchange's log now (acked since the last rebuild).
    logged_trades: usize,
    trade_log_bound: usize,
    retention: bool,
    closes: VecDeque<i64>,
    fast: usize,
    slow: usize,
    was_above: Option<bool>,
    orders: u64,
    fills: u64,
    rejected: u64,
}

fn initial_account() -> UnindexedAccountSnapshot {
    let time = DateTime::<Utc>::MIN_UTC;
    UnindexedAccountSnapshot {
        exchange: ExchangeId::Mock,
        balances: vec![
            AssetBalance::new(
                AssetNameExchange::from(QUOTE),
                Balance::new(Decimal::from(1_000_000), Decimal::from(1_000_000)),
                time,
            ),
            AssetBalance::new(
                AssetNameExchange::from(BASE),
                Balance::new(Decimal::ZERO, Decimal::ZERO),
                time,
            ),
        ],
        instruments: vec![InstrumentAccountSnapshot {
            instrument: InstrumentNameExchange::from(SYMBOL),
            orders: Vec::new(),
        }],
    }
}

fn new_exchange() -> MockExchange {
    let instrument = Instrument::spot(
        ExchangeId::Mock,
        SYMBOL,
        SYMBOL,
        Underlying::new(
            AssetNameExchange::from(BASE),
            AssetNameExchange::from(QUOTE),
        ),
        None,
    );
    let mut instruments = fnv::FnvHashMap::default();
    instruments.insert(InstrumentNameExchange::from(SYMBOL), instrument);
    // The channels of its async `run` loop, unused: requests are handed
    // to it directly.
    let (_request_tx, request_rx) = tokio::sync::mpsc::unbounded_channel();
    let (event_tx, _event_rx) = tokio::sync::broadcast::channel(16);
    MockExchange::new(
        barter_execution::client::mock::MockExecutionConfig {
            mocked_exchange: ExchangeId::Mock,
            initial_state: initial_account(),
            latency_ms: 0,
            fees_percent: Decimal::new(1, 3),
        },
        request_rx,
        event_tx,
        instruments,
    )
}

impl BarterBot {
    /// Sends a market or limit order to the exchange as its request loop
    /// would, and acks the fill into the account.
    fn send(&mut self, side: Side, lots: u16, price: i64, kind: OrderKind) {
        self.orders += 1;
        let request = OrderRequestOpen {
            key: OrderKey {
                exchange: ExchangeId::Mock,
                instrument: InstrumentNameExchange::from(SYMBOL),
                strategy: StrategyId::new("crossover"),
                cid: ClientOrderId::new(self.orders.to_string()),
            },
            state: RequestOpen {
                side,
                price: Decimal::new(price.max(1), 2),
                quantity: Decimal::new(i64::from(lots), 3),
                kind,
                time_in_force: TimeInForce::ImmediateOrCancel,
            },
        };
        let filled = self.exchange.with_mut(|exchange| {
            let (_response, notifications) = exchange.open_order(request);
            notifications.map(|notifications| exchange.account.ack_trade(notifications.trade))
        });
        match filled {
            Some(()) => {
                self.fills += 1;
                self.logged_trades += 1;
                if self.retention && self.logged_trades >= self.trade_log_bound {
                    self.reconnect();
                }
            }
            None => self.rejected += 1,
        }
    }

    /// Rebuilds the account from the exchange's snapshot, which holds the
    /// balances and open orders and starts with no trades.
    fn reconnect(&mut self) {
        self.exchange.with_mut(|exchange| {
            let snapshot = exchange.account_snapshot();
            exchange.account = AccountState::from(snapshot);
        });
        self.logged_trades = 0;
    }

    fn averages(&self) -> Option<(i64, i64)> {
        if self.closes.len() < self.slow {
            return None;
        }
        let sum = |n: usize| self.closes.iter().rev().take(n).sum::<i64>() / n as i64;
        Some((sum(self.fast), sum(self.slow)))
    }
}

impl Bot for BarterBot {
    type Config = BarterConfig;
    type Action = BarterAction;
    const NAME: &'static str = "barter-mock-exchange";

    fn build(config: &BarterConfig) -> Result<Self, ConfigError> {
        let fast = usize::from(config.fast.max(1));
        let slow = usize::from(config.slow);
        if slow <= fast {
            return Err(ConfigError::new("slow", "must be above fast"));
        }
        if config.trade_log_bound == 0 {
            return Err(ConfigError::new("trade_log_bound", "must be at least 1"));
        }
        let exchange = Tracked::new(new_exchange);
        let state_bytes = exchange.group().live_bytes();
        Ok(BarterBot {
            exchange,
            state_bytes,
            logged_trades: 0,
            trade_log_bound: usize::from(config.trade_log_bound),
            retention: config.retention,
            closes: VecDeque::with_capacity(slow),
            fast,
            slow,
            was_above: None,
            orders: 0,
            fills: 0,
            rejected: 0,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        if self.closes.len() == self.slow {
            self.closes.pop_front();
        }
        self.closes.push_back(candle.close());
        if let Some((fast, slow)) = self.averages() {
            let above = fast > slow;
            if self.was_above.is_some_and(|was| was != above) {
                let side = if above { Side::Buy } else { Side::Sell };
                self.send(side, 10, candle.close(), OrderKind::Market);
            }
            self.was_above = Some(above);
        }
        CandleOutcome::default()
    }

    fn apply(&mut self, action: &BarterAction, market: &MarketView) {
        let price = market.last_close;
        match *action {
            BarterAction::MarketBuy { lots } => {
                self.send(Side::Buy, lots, price, OrderKind::Market)
            }
            BarterAction::MarketSell { lots } => {
                self.send(Side::Sell, lots, price, OrderKind::Market)
            }
            BarterAction::LimitBuy { lots, offset_bps } => {
                let price = price + price * i64::from(offset_bps) / 10_000;
                self.send(Side::Buy, lots, price, OrderKind::Limit)
            }
            BarterAction::Reconnect => self.reconnect(),
        }
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        visit(
            Component::new("exchange", &self.exchange)
                .entries(self.logged_trades, self.trade_log_bound)
                .budget(
                    heapbound::budget::vec::<Trade<QuoteAsset, InstrumentNameExchange>>(
                        self.trade_log_bound,
                    ) + 2 * self.state_bytes,
                ),
        );
    }

    fn check(&self, _after_candle: bool) -> Result<(), Violation> {
        let free = self
            .exchange
            .get()
            .account
            .balances()
            .map(|b| b.balance.free)
            .min();
        if let Some(free) = free {
            if free < Decimal::ZERO {
                return Err(Violation::domain("negative-balance", -1, 0, "balances"));
            }
        }
        Ok(())
    }

    fn activity(&self) -> heapbound::Activity {
        heapbound::Activity {
            trades: self.fills,
            rejected_orders: self.rejected,
            ..heapbound::Activity::default()
        }
    }
}
