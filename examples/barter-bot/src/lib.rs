//! barter's real `Engine`, its `DefaultRiskManager` and its `MockExchange`
//! (barter 0.14, barter-execution 0.9, unchanged) driven through
//! heapbound's `Bot` trait: a framework nobody here wrote, whose state lives
//! in its own types.
//!
//! Only the tokio plumbing of barter's `System` is replaced: candles go to
//! the engine as market events, the engine's execution requests go to the
//! mock exchange through [`venue::Venue`] (what barter's
//! `ExecutionManager` does, synchronously), and the exchange's answers go
//! back to the engine as account events. The strategy is a crossover
//! rebalancer written the barter way ([`strategy`]); the bot's actions are
//! barter's engine commands and the exchange link's moods ([`BarterAction`]).
//!
//! Components: `engine` (the engine's bytes, in its own group), `exchange`
//! (the mock exchange's bytes and its trade log), and, with a length and a
//! bound but no bytes of their own, `position-trades` (the open position's
//! trade ids) and `orders` (the orders the engine tracks), both `within`
//! the engine; and `requests` (the requests the exchange holds while it
//! lags), whose budget is the bot's own state outside barter's objects.

pub mod action;
pub mod clock;
pub mod config;
pub mod strategy;
pub mod venue;

use barter::engine::command::Command;
use barter::engine::execution_tx::MultiExchangeTxMap;
use barter::engine::state::global::DefaultGlobalData;
use barter::engine::state::instrument::filter::InstrumentFilter;
use barter::engine::state::trading::TradingState;
use barter::engine::state::EngineState;
use barter::engine::{Engine, Processor};
use barter::execution::request::ExecutionRequest;
use barter::execution::AccountStreamEvent;
use barter::risk::DefaultRiskManager;
use barter::EngineEvent;
use barter_data::event::{DataKind, MarketEvent};
use barter_data::streams::consumer::MarketStreamEvent;
use barter_data::subscription::candle::Candle as BarterCandle;
use barter_execution::order::id::{ClientOrderId, StrategyId};
use barter_execution::order::request::{OrderRequestOpen, RequestOpen};
use barter_execution::order::{OrderKey, OrderKind, TimeInForce};
use barter_execution::trade::{Trade, TradeId};
use barter_instrument::asset::{Asset, QuoteAsset};
use barter_instrument::exchange::{ExchangeId, ExchangeIndex};
use barter_instrument::index::IndexedInstruments;
use barter_instrument::instrument::name::InstrumentNameExchange;
use barter_instrument::instrument::{Instrument, InstrumentIndex};
use barter_instrument::{Side, Underlying};
use barter_integration::channel::{mpsc_unbounded, UnboundedTx};
use barter_integration::collection::one_or_many::OneOrMany;
use chrono::{DateTime, TimeDelta, Utc};
use heapbound::heap::Tracked;
use heapbound::{
    Activity, Bot, Candle, CandleOutcome, Component, ConfigError, MarketView, Violation,
};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

pub use action::BarterAction;
pub use config::BarterConfig;

use clock::CandleClock;
use strategy::{signed_quantity, CrossoverData, Rebalancer, State};
use venue::Venue;

/// barter's engine as this bot runs it.
pub type BarterEngine = Engine<
    CandleClock,
    State,
    MultiExchangeTxMap<UnboundedTx<ExecutionRequest>>,
    Rebalancer,
    DefaultRiskManager<State>,
>;

/// Most orders the engine may track, and most requests the exchange may
/// hold while it lags: the bot refuses an order command or a
/// `ClosePositions` at it (a reconnect's snapshot makes the engine forget
/// orders the exchange still holds, so both are counted). The strategy's
/// own order, one at a time, may come on top.
pub const ORDER_BOUND: usize = 64;

/// The most bytes the bot's own state takes outside barter's objects: the
/// request channel, the exchange's name index, the requests it holds while
/// lagging and the answers on their way to the engine. Measured: 6,264 B
/// after build, which 16 KiB covers with room; the held requests and the
/// answers to them come on top.
fn adapter_budget() -> u64 {
    16 * 1024
        + heapbound::budget::vec_deque::<ExecutionRequest>(ORDER_BOUND + 1)
        + heapbound::budget::vec::<AccountStreamEvent>(3 * (ORDER_BOUND + 1))
}

/// The fuzz target that runs with the known findings kept out
/// (`fuzz/fuzz_targets/barter.rs`).
pub const FUZZ_TARGET: &str = "barter";

/// Rounds of requests and answers one event may start before the bot
/// calls it a storm (one round answers every request sent so far).
const MAX_ROUNDS: u32 = 16;

/// barter's engine, risk manager and mock exchange.
pub struct BarterBot {
    engine: Tracked<BarterEngine>,
    venue: Venue,
    /// The engine's bytes right after build: its budget is twice these
    /// plus its bounded containers.
    engine_bytes: u64,
    /// The exchange's bytes right after build.
    exchange_bytes: u64,
    exchange_key: ExchangeIndex,
    instrument_key: InstrumentIndex,
    start: DateTime<Utc>,
    candles: i64,
    commands: u64,
    refused_commands: u64,
    storms: u64,
    config: BarterConfig,
    /// Answers waiting for the engine, reused across events.
    answers: Vec<AccountStreamEvent>,
}

fn indexed_instruments() -> IndexedInstruments {
    IndexedInstruments::new([Instrument::spot(
        ExchangeId::Mock,
        venue::SYMBOL,
        venue::SYMBOL,
        Underlying::new(
            Asset::new_from_exchange(venue::BASE),
            Asset::new_from_exchange(venue::QUOTE),
        ),
        None,
    )])
}

impl BarterBot {
    /// Lets the engine process one event.
    fn feed(&mut self, event: EngineEvent) {
        self.engine.with_mut(|engine| {
            engine.process(event);
        });
    }

    /// Hands the engine's requests to the venue and its answers back to the
    /// engine until neither has more to say.
    fn settle(&mut self) {
        let mut answers = std::mem::take(&mut self.answers);
        for _ in 0..MAX_ROUNDS {
            self.venue.serve(&mut answers);
            if answers.is_empty() {
                break;
            }
            for answer in answers.drain(..) {
                self.feed(EngineEvent::Account(answer));
            }
        }
        if !answers.is_empty() {
            self.storms += 1;
            answers.clear();
        }
        self.answers = answers;
        self.keep_retention();
    }

    /// The workaround, when configured: both logs trimmed at their bounds.
    fn keep_retention(&mut self) {
        if self.config.retention {
            self.trim_trade_log();
            self.trim_position_trades();
        }
    }

    /// Rebuilds the exchange's account from its snapshot when its trade log
    /// is full. The engine needs no word of it: balances and orders are
    /// the same.
    fn trim_trade_log(&mut self) {
        if self.venue.logged_trades() >= usize::from(self.config.trade_log_bound) {
            self.venue.rebuild_account();
        }
    }

    /// Keeps the newest half of the open position's trade ids when they
    /// reach their bound (`Position::trades` is public; the engine is
    /// driven here, so the bot can reach it between events).
    fn trim_position_trades(&mut self) {
        let bound = usize::from(self.config.position_trade_bound);
        let key = self.instrument_key;
        self.engine.with_mut(|engine| {
            let instrument = engine.state.instruments.instrument_index_mut(&key);
            if let Some(position) = instrument.position.current.as_mut() {
                if position.trades.len() >= bound {
                    let keep = bound / 2;
                    position.trades.drain(..position.trades.len() - keep);
                }
            }
        });
    }

    fn instrument(&self) -> &barter::engine::state::instrument::InstrumentState<CrossoverData> {
        self.engine
            .get()
            .state
            .instruments
            .instrument_index(&self.instrument_key)
    }

    fn position_trades(&self) -> usize {
        self.instrument()
            .position
            .current
            .as_ref()
            .map_or(0, |position| position.trades.len())
    }

    fn tracked_orders(&self) -> usize {
        self.instrument().orders.0.len()
    }

    /// Whether the engine tracks, or the exchange holds, as many orders as
    /// the bot allows: it then refuses order commands and `ClosePositions`.
    fn orders_full(&self) -> bool {
        self.tracked_orders() >= ORDER_BOUND || self.venue.unanswered() >= ORDER_BOUND
    }

    /// Sends an order as an engine command, which skips the risk manager.
    fn command_order(&mut self, side: Side, lots: u16, price: i64, kind: OrderKind) {
        if (lots == 0 && self.config.refuse_empty_orders) || self.orders_full() {
            self.refused_commands += 1;
            return;
        }
        self.commands += 1;
        let request = OrderRequestOpen {
            key: OrderKey {
                exchange: self.exchange_key,
                instrument: self.instrument_key,
                strategy: StrategyId::new("commands"),
                cid: ClientOrderId::new(format!("cmd-{}", self.commands)),
            },
            state: RequestOpen {
                side,
                price: Decimal::new(price.max(1), 2),
                quantity: Decimal::new(i64::from(lots), 3),
                kind,
                time_in_force: TimeInForce::ImmediateOrCancel,
            },
        };
        self.command(Command::SendOpenRequests(OneOrMany::One(request)));
    }

    fn command(&mut self, command: Command) {
        self.handle(EngineEvent::Command(command));
    }

    /// Lets the engine process one event and settles what it sent.
    fn handle(&mut self, event: EngineEvent) {
        self.feed(event);
        self.settle();
    }

    /// The account link drops and comes back: as barter's reconnecting
    /// account stream does, the engine hears `Reconnecting`, then the
    /// account's snapshot, fetched from the exchange (which keeps its
    /// account, trade log and all).
    fn reconnect(&mut self) {
        self.feed(EngineEvent::Account(AccountStreamEvent::Reconnecting(
            ExchangeId::Mock,
        )));
        if let Some(snapshot) = self.venue.snapshot() {
            self.feed(EngineEvent::Account(AccountStreamEvent::Item(snapshot)));
        }
        self.settle();
    }
}

/// A quantity in thousandths of a unit, as the bot's lots count.
fn lots(quantity: Decimal) -> i64 {
    (quantity * Decimal::from(1_000))
        .to_i64()
        .unwrap_or(i64::MAX)
}

impl Bot for BarterBot {
    type Config = BarterConfig;
    type Action = BarterAction;
    const NAME: &'static str = "barter-engine";

    fn build(config: &BarterConfig) -> Result<Self, ConfigError> {
        let fast = usize::from(config.fast.max(1));
        let slow = usize::from(config.slow);
        if slow <= fast {
            return Err(ConfigError::new("slow", "must be above fast"));
        }
        if config.swing_lots == 0 {
            return Err(ConfigError::new("swing_lots", "must be at least 1"));
        }
        if config.trade_log_bound == 0 {
            return Err(ConfigError::new("trade_log_bound", "must be at least 1"));
        }
        if config.position_trade_bound < 2 {
            return Err(ConfigError::new(
                "position_trade_bound",
                "must be at least 2",
            ));
        }
        let start = DateTime::<Utc>::UNIX_EPOCH;
        let instruments = indexed_instruments();
        let map = barter_execution::map::generate_execution_instrument_map(
            &instruments,
            ExchangeId::Mock,
        )
        .map_err(|error| ConfigError::new("instruments", error.to_string()))?;
        let (requests_tx, requests_rx) = mpsc_unbounded();
        let engine = Tracked::new(|| {
            let state = EngineState::builder(&instruments, DefaultGlobalData, |_| {
                CrossoverData::new(fast, slow)
            })
            .trading_state(TradingState::Enabled)
            .time_engine_start(start)
            .build();
            Engine::new(
                CandleClock::new(start),
                state,
                MultiExchangeTxMap::from_iter([(ExchangeId::Mock, Some(requests_tx))]),
                Rebalancer::new(
                    Decimal::new(i64::from(config.core_lots), 3),
                    Decimal::new(i64::from(config.swing_lots), 3),
                ),
                DefaultRiskManager::default(),
            )
        });
        let exchange = Tracked::new(venue::mock_exchange);
        let exchange_bytes = exchange.group().live_bytes();
        let instrument = engine
            .get()
            .state
            .instruments
            .0
            .get_index(0)
            .map(|(_, s)| s);
        let Some(instrument) = instrument else {
            return Err(ConfigError::new("instruments", "none indexed"));
        };
        let (exchange_key, instrument_key) = (instrument.instrument.exchange, instrument.key);
        let mut bot = BarterBot {
            engine,
            venue: Venue::new(exchange, map, requests_rx),
            engine_bytes: 0,
            exchange_bytes,
            exchange_key,
            instrument_key,
            start,
            candles: 0,
            commands: 0,
            refused_commands: 0,
            storms: 0,
            config: config.clone(),
            answers: Vec::with_capacity(8),
        };
        // As barter's account stream does, the engine hears the account's
        // snapshot first.
        if let Some(snapshot) = bot.venue.snapshot() {
            bot.feed(EngineEvent::Account(AccountStreamEvent::Item(snapshot)));
        }
        bot.engine_bytes = bot.engine.group().live_bytes();
        Ok(bot)
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.candles += 1;
        let time = self.start + TimeDelta::minutes(self.candles);
        let mut answers = std::mem::take(&mut self.answers);
        self.venue.tick(&mut answers);
        for answer in answers.drain(..) {
            self.feed(EngineEvent::Account(answer));
        }
        self.answers = answers;
        let cents = |ticks: i64| ticks as f64 / 100.0;
        self.feed(EngineEvent::Market(MarketStreamEvent::Item(MarketEvent {
            time_exchange: time,
            time_received: time,
            exchange: ExchangeId::Mock,
            instrument: self.instrument_key,
            kind: DataKind::Candle(BarterCandle {
                close_time: time,
                open: cents(candle.open()),
                high: cents(candle.high()),
                low: cents(candle.low()),
                close: cents(candle.close()),
                volume: candle.volume() as f64,
                trade_count: 0,
            }),
        })));
        self.settle();
        CandleOutcome::default()
    }

    fn apply(&mut self, action: &BarterAction, market: &MarketView) {
        let price = market.last_close;
        match *action {
            BarterAction::MarketBuy { lots } => {
                self.command_order(Side::Buy, lots, price, OrderKind::Market)
            }
            BarterAction::MarketSell { lots } => {
                self.command_order(Side::Sell, lots, price, OrderKind::Market)
            }
            BarterAction::LimitBuy { lots, offset_bps } => {
                let price = market.price_at(offset_bps);
                self.command_order(Side::Buy, lots, price, OrderKind::Limit)
            }
            BarterAction::ClosePositions => {
                // barter sends a close order whatever is in flight already.
                if self.orders_full() {
                    self.refused_commands += 1;
                } else {
                    self.command(Command::ClosePositions(InstrumentFilter::None))
                }
            }
            BarterAction::CancelOrders => {
                self.command(Command::CancelOrders(InstrumentFilter::None))
            }
            BarterAction::TradingOff => {
                self.handle(EngineEvent::TradingStateUpdate(TradingState::Disabled))
            }
            BarterAction::TradingOn => {
                self.handle(EngineEvent::TradingStateUpdate(TradingState::Enabled))
            }
            BarterAction::Latency { candles } => self.venue.delay(u32::from(candles % 9)),
            BarterAction::LoseResponse => self.venue.lose_next_response(),
            BarterAction::Reconnect => self.reconnect(),
        }
    }

    /// The `barter` fuzz target keeps the known findings out: both
    /// workarounds on, so what it finds is new.
    fn fuzz_config(target: &str, config: &mut BarterConfig) {
        if target == FUZZ_TARGET {
            config.retention = true;
            config.refuse_empty_orders = true;
        }
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        let trade_bound = usize::from(self.config.position_trade_bound);
        visit(Component::new("engine", &self.engine).budget(
            2 * self.engine_bytes
                + heapbound::budget::vec::<TradeId>(trade_bound)
                + heapbound::budget::hash_map::<
                    ClientOrderId,
                    barter_execution::order::Order<
                        ExchangeIndex,
                        InstrumentIndex,
                        barter_execution::order::state::ActiveOrderState,
                    >,
                >(ORDER_BOUND),
        ));
        visit(
            Component::counted("position-trades")
                .entries(self.position_trades(), trade_bound)
                .within("engine"),
        );
        visit(
            Component::counted("orders")
                .entries(self.tracked_orders(), ORDER_BOUND)
                .within("engine"),
        );
        visit(
            Component::counted("requests")
                .entries(self.venue.unanswered(), ORDER_BOUND + 1)
                .budget(adapter_budget()),
        );
        let log_bound = usize::from(self.config.trade_log_bound);
        visit(
            Component::new("exchange", self.venue.exchange())
                .entries(self.venue.logged_trades(), log_bound)
                .budget(
                    heapbound::budget::vec::<Trade<QuoteAsset, InstrumentNameExchange>>(log_bound)
                        + 2 * self.exchange_bytes,
                ),
        );
    }

    fn check(&self, _after_candle: bool) -> Result<(), Violation> {
        if self.storms > 0 {
            return Err(Violation::domain(
                "request-storm",
                self.storms,
                0,
                "events that never settled",
            ));
        }
        let position = lots(signed_quantity(self.instrument().position.current.as_ref()));
        let filled = lots(self.venue.net_filled());
        if position != filled {
            return Err(
                Violation::domain("position-matches-fills", position, filled, "lots")
                    .with_detail("the engine's position against the exchange's fills"),
            );
        }
        if self.venue.unanswered() == 0 && self.tracked_orders() > 0 {
            return Err(Violation::domain(
                "orders-answered",
                self.tracked_orders() as u64,
                0,
                "orders tracked with every request answered",
            ));
        }
        Ok(())
    }

    fn activity(&self) -> Activity {
        let counts = self.venue.counts();
        Activity {
            trades: counts.fills,
            rejected_orders: counts.rejected + self.refused_commands,
            ..Activity::default()
        }
    }
}
