//! A crossover rebalancer written the barter way: its indicators live in
//! the engine's per-instrument data, its orders come from `AlgoStrategy`,
//! and barter's `DefaultRiskManager` approves them.
//!
//! It holds a core position and adds a swing on top while the fast average
//! is above the slow one: with a core, it is flat only before the first
//! crossing (and after a `ClosePositions`, until the next), so barter's
//! position keeps a trade id for every fill.

use std::collections::VecDeque;

use barter::engine::state::instrument::data::InstrumentDataState;
use barter::engine::state::instrument::filter::InstrumentFilter;
use barter::engine::state::order::in_flight_recorder::InFlightRequestRecorder;
use barter::engine::state::position::Position;
use barter::engine::state::{global::DefaultGlobalData, EngineState};
use barter::engine::{Engine, Processor};
use barter::strategy::algo::AlgoStrategy;
use barter::strategy::close_positions::{
    close_open_positions_with_market_orders, ClosePositionsStrategy,
};
use barter::strategy::on_disconnect::OnDisconnectStrategy;
use barter::strategy::on_trading_disabled::OnTradingDisabled;
use barter_data::event::{DataKind, MarketEvent};
use barter_execution::order::id::{ClientOrderId, StrategyId};
use barter_execution::order::request::{OrderRequestCancel, OrderRequestOpen, RequestOpen};
use barter_execution::order::{OrderKey, OrderKind, TimeInForce};
use barter_execution::AccountEvent;
use barter_instrument::asset::AssetIndex;
use barter_instrument::exchange::{ExchangeId, ExchangeIndex};
use barter_instrument::instrument::InstrumentIndex;
use barter_instrument::Side;
use rust_decimal::Decimal;

/// The engine's state with this strategy's instrument data.
pub type State = EngineState<DefaultGlobalData, CrossoverData>;

/// Per-instrument data: the last closes, in cents, and a crossing not yet
/// acted on.
#[derive(Clone, Debug)]
pub struct CrossoverData {
    closes: VecDeque<i64>,
    fast: usize,
    slow: usize,
    above: Option<bool>,
    /// Set by a candle whose averages crossed; cleared when the engine
    /// records an order in flight for the instrument.
    signal: Option<bool>,
    /// Orders the engine has recorded in flight for the instrument: the
    /// strategy's client order ids count them, so no two are alike (the
    /// engine tracks orders by client order id).
    sent: u64,
}

impl CrossoverData {
    /// Averages over `fast` and `slow` closes (`fast < slow`).
    pub fn new(fast: usize, slow: usize) -> CrossoverData {
        CrossoverData {
            closes: VecDeque::with_capacity(slow),
            fast,
            slow,
            above: None,
            signal: None,
            sent: 0,
        }
    }

    fn last_close(&self) -> Option<i64> {
        self.closes.back().copied()
    }

    fn on_close(&mut self, cents: i64) {
        if self.closes.len() == self.slow {
            self.closes.pop_front();
        }
        self.closes.push_back(cents);
        if self.closes.len() < self.slow {
            return;
        }
        let mean = |n: usize| self.closes.iter().rev().take(n).sum::<i64>() / n as i64;
        let above = mean(self.fast) > mean(self.slow);
        if self.above.is_some_and(|was| was != above) {
            self.signal = Some(above);
        }
        self.above = Some(above);
    }
}

impl InstrumentDataState for CrossoverData {
    type MarketEventKind = DataKind;

    fn price(&self) -> Option<Decimal> {
        self.last_close().map(|cents| Decimal::new(cents, 2))
    }
}

impl Processor<&MarketEvent<InstrumentIndex, DataKind>> for CrossoverData {
    type Audit = ();

    fn process(&mut self, event: &MarketEvent<InstrumentIndex, DataKind>) {
        if let DataKind::Candle(candle) = &event.kind {
            // The adapter sends closes of whole cents; rounding undoes f64.
            self.on_close((candle.close * 100.0).round() as i64);
        }
    }
}

impl Processor<&AccountEvent> for CrossoverData {
    type Audit = ();

    fn process(&mut self, _: &AccountEvent) {}
}

impl InFlightRequestRecorder for CrossoverData {
    fn record_in_flight_cancel(&mut self, _: &OrderRequestCancel<ExchangeIndex, InstrumentIndex>) {}

    fn record_in_flight_open(&mut self, _: &OrderRequestOpen<ExchangeIndex, InstrumentIndex>) {
        self.signal = None;
        self.sent += 1;
    }
}

/// Signed quantity of a position: long positive, short negative.
pub fn signed_quantity<A, I>(position: Option<&Position<A, I>>) -> Decimal {
    position.map_or(Decimal::ZERO, |position| match position.side {
        Side::Buy => position.quantity_abs,
        Side::Sell => -position.quantity_abs,
    })
}

/// On each crossing, trades to `core` (below) or `core + swing` (above).
#[derive(Clone, Debug)]
pub struct Rebalancer {
    id: StrategyId,
    core: Decimal,
    swing: Decimal,
}

impl Rebalancer {
    /// A rebalancer between `core` and `core + swing` units.
    pub fn new(core: Decimal, swing: Decimal) -> Rebalancer {
        Rebalancer {
            id: StrategyId::new("rebalancer"),
            core,
            swing,
        }
    }
}

impl AlgoStrategy for Rebalancer {
    type State = State;

    fn generate_algo_orders(
        &self,
        state: &State,
    ) -> (
        impl IntoIterator<Item = OrderRequestCancel<ExchangeIndex, InstrumentIndex>>,
        impl IntoIterator<Item = OrderRequestOpen<ExchangeIndex, InstrumentIndex>>,
    ) {
        let opens = state
            .instruments
            .instruments(&InstrumentFilter::None)
            .filter_map(|instrument| {
                let above = instrument.data.signal?;
                // One order at a time: wait for the last to be answered.
                if !instrument.orders.0.is_empty() {
                    return None;
                }
                let target = self.core + if above { self.swing } else { Decimal::ZERO };
                let change = target - signed_quantity(instrument.position.current.as_ref());
                if change.is_zero() {
                    return None;
                }
                Some(OrderRequestOpen {
                    key: OrderKey {
                        exchange: instrument.instrument.exchange,
                        instrument: instrument.key,
                        strategy: self.id.clone(),
                        cid: ClientOrderId::new(format!("rb-{}", instrument.data.sent)),
                    },
                    state: RequestOpen {
                        side: if change > Decimal::ZERO {
                            Side::Buy
                        } else {
                            Side::Sell
                        },
                        price: instrument.data.price()?,
                        quantity: change.abs(),
                        kind: OrderKind::Market,
                        time_in_force: TimeInForce::ImmediateOrCancel,
                    },
                })
            });
        (std::iter::empty(), opens)
    }
}

impl ClosePositionsStrategy for Rebalancer {
    type State = State;

    fn close_positions_requests<'a>(
        &'a self,
        state: &'a State,
        filter: &'a InstrumentFilter,
    ) -> (
        impl IntoIterator<Item = OrderRequestCancel<ExchangeIndex, InstrumentIndex>> + 'a,
        impl IntoIterator<Item = OrderRequestOpen<ExchangeIndex, InstrumentIndex>> + 'a,
    )
    where
        ExchangeIndex: 'a,
        AssetIndex: 'a,
        InstrumentIndex: 'a,
    {
        close_open_positions_with_market_orders(&self.id, state, filter, |instrument| {
            ClientOrderId::new(format!("close-{}", instrument.data.sent))
        })
    }
}

impl<Clock, ExecutionTxs, Risk> OnDisconnectStrategy<Clock, State, ExecutionTxs, Risk>
    for Rebalancer
{
    type OnDisconnect = ();

    fn on_disconnect(_: &mut Engine<Clock, State, ExecutionTxs, Self, Risk>, _: ExchangeId) {}
}

impl<Clock, ExecutionTxs, Risk> OnTradingDisabled<Clock, State, ExecutionTxs, Risk> for Rebalancer {
    type OnTradingDisabled = ();

    fn on_trading_disabled(_: &mut Engine<Clock, State, ExecutionTxs, Self, Risk>) {}
}
