//! barter's `MockExchange` behind a synchronous stand-in for barter's
//! `ExecutionManager`: each request the engine sends is indexed to the
//! exchange's names, handed to the exchange as its `run` loop would hand it
//! (`open_order`, then `account.ack_trade` for the fill), and answered with
//! the account events the manager would forward (the order's snapshot, the
//! balance, the trade). Latency and lost responses are the bot's actions.
//! One difference: the exchange's clock stays at the epoch (its `run` loop
//! sets it from each request, through a private method), so its trades
//! carry that time; nothing the engine decides reads it.

use std::collections::VecDeque;
use std::sync::Arc;

use barter::execution::request::ExecutionRequest;
use barter::execution::AccountStreamEvent;
use barter_execution::error::{ConnectivityError, OrderError};
use barter_execution::exchange::mock::account::AccountState;
use barter_execution::exchange::mock::{MockExchange, OpenOrderNotifications};
use barter_execution::indexer::AccountEventIndexer;
use barter_execution::map::ExecutionInstrumentMap;
use barter_execution::order::request::{OrderRequestCancel, OrderRequestOpen, OrderResponseCancel};
use barter_execution::order::state::OrderState;
use barter_execution::order::Order;
use barter_execution::{AccountEvent, AccountEventKind, UnindexedAccountEvent};
use barter_instrument::exchange::ExchangeId;
use barter_integration::channel::UnboundedRx;
use barter_integration::collection::snapshot::Snapshot;
use heapbound::heap::Tracked;
use rust_decimal::Decimal;

/// The quote asset, whose balance pays for buys.
pub const QUOTE: &str = "usdt";
/// The base asset.
pub const BASE: &str = "btc";
/// The one instrument traded.
pub const SYMBOL: &str = "btcusdt";
/// Quote units the account starts with: enough that no run of this bot
/// exhausts them (the mock exchange charges a sell's quantity to the quote
/// balance and never credits its proceeds, so the balance only falls).
pub const QUOTE_BALANCE: Decimal = Decimal::from_parts(0, 0, 1, false, 0); // 2^64

fn initial_account() -> barter_execution::UnindexedAccountSnapshot {
    use barter_execution::balance::{AssetBalance, Balance};
    use barter_instrument::asset::name::AssetNameExchange;
    let time = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    barter_execution::UnindexedAccountSnapshot {
        exchange: ExchangeId::Mock,
        balances: vec![
            AssetBalance::new(
                AssetNameExchange::from(QUOTE),
                Balance::new(QUOTE_BALANCE, QUOTE_BALANCE),
                time,
            ),
            AssetBalance::new(
                AssetNameExchange::from(BASE),
                Balance::new(Decimal::ZERO, Decimal::ZERO),
                time,
            ),
        ],
        instruments: vec![barter_execution::InstrumentAccountSnapshot {
            instrument: barter_instrument::instrument::name::InstrumentNameExchange::from(SYMBOL),
            orders: Vec::new(),
        }],
    }
}

/// barter's mock exchange with `QUOTE_BALANCE` quote units, trading `SYMBOL`
/// for a fee of 0.1 %.
pub fn mock_exchange() -> MockExchange {
    use barter_instrument::asset::name::AssetNameExchange;
    use barter_instrument::instrument::name::InstrumentNameExchange;
    let instrument = barter_instrument::instrument::Instrument::spot(
        ExchangeId::Mock,
        SYMBOL,
        SYMBOL,
        barter_instrument::Underlying::new(
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

/// What the venue did with the requests it was handed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VenueCounts {
    /// Fills the exchange acked into its account.
    pub fills: u64,
    /// Open requests the exchange refused.
    pub rejected: u64,
    /// Responses lost on the way back (answered as timeouts).
    pub timeouts: u64,
}

/// The exchange and the requests on their way to it.
pub struct Venue {
    exchange: Tracked<MockExchange>,
    indexer: AccountEventIndexer,
    requests: UnboundedRx<ExecutionRequest>,
    /// Requests held back by exchange latency, oldest first.
    held: VecDeque<ExecutionRequest>,
    latency_candles: u32,
    lose_next_response: bool,
    /// Trades in the exchange's log since the account was last rebuilt.
    logged_trades: usize,
    /// Signed quantity of every fill the exchange reported.
    net_filled: Decimal,
    counts: VenueCounts,
}

impl Venue {
    /// A venue for `exchange`, reading the engine's requests from `requests`.
    pub fn new(
        exchange: Tracked<MockExchange>,
        map: ExecutionInstrumentMap,
        requests: UnboundedRx<ExecutionRequest>,
    ) -> Venue {
        Venue {
            exchange,
            indexer: AccountEventIndexer::new(Arc::new(map)),
            requests,
            held: VecDeque::new(),
            latency_candles: 0,
            lose_next_response: false,
            logged_trades: 0,
            net_filled: Decimal::ZERO,
            counts: VenueCounts::default(),
        }
    }

    /// The exchange, whose group holds its bytes.
    pub fn exchange(&self) -> &Tracked<MockExchange> {
        &self.exchange
    }

    /// Trades in the exchange's log now.
    pub fn logged_trades(&self) -> usize {
        self.logged_trades
    }

    /// Signed quantity of every fill reported to the engine.
    pub fn net_filled(&self) -> Decimal {
        self.net_filled
    }

    /// Requests sent and not yet answered.
    pub fn unanswered(&self) -> usize {
        self.held.len()
    }

    /// What the venue has done so far.
    pub fn counts(&self) -> VenueCounts {
        self.counts
    }

    /// Holds the engine's requests for `candles` candles from now.
    pub fn delay(&mut self, candles: u32) {
        self.latency_candles = self.latency_candles.max(candles);
    }

    /// Loses the next open request's response on its way back: barter's
    /// manager answers it as a timeout; the fill, if any, still arrives on
    /// the account stream.
    pub fn lose_next_response(&mut self) {
        self.lose_next_response = true;
    }

    /// One candle passed: when the latency has run out, the held requests
    /// reach the exchange and their answers are appended to `answers`.
    pub fn tick(&mut self, answers: &mut Vec<AccountStreamEvent>) {
        if self.latency_candles > 0 {
            self.latency_candles -= 1;
            if self.latency_candles == 0 {
                while let Some(request) = self.held.pop_front() {
                    self.answer(request, answers);
                }
            }
        }
    }

    /// Takes the requests the engine has sent and appends the answers of
    /// those that reach the exchange now.
    pub fn serve(&mut self, answers: &mut Vec<AccountStreamEvent>) {
        while let Ok(request) = self.requests.rx.try_recv() {
            if self.latency_candles > 0 {
                self.held.push_back(request);
            } else {
                self.answer(request, answers);
            }
        }
    }

    /// Rebuilds the exchange's account from its snapshot (balances and open
    /// orders, no trades): the retention workaround.
    pub fn rebuild_account(&mut self) {
        self.exchange.with_mut(|exchange| {
            exchange.account = AccountState::from(exchange.account_snapshot());
        });
        self.logged_trades = 0;
    }

    /// The exchange's account as the engine receives it first and after
    /// each reconnect (read only, as barter's `FetchAccountSnapshot`).
    pub fn snapshot(&self) -> Option<AccountEvent> {
        let snapshot = self.exchange.get().account_snapshot();
        self.indexed(UnindexedAccountEvent {
            exchange: ExchangeId::Mock,
            kind: AccountEventKind::Snapshot(snapshot),
        })
    }

    fn answer(&mut self, request: ExecutionRequest, answers: &mut Vec<AccountStreamEvent>) {
        match request {
            ExecutionRequest::Open(request) => self.open(request, answers),
            // The mock exchange drops a cancel's response channel unanswered
            // (it holds no resting orders); barter's mock client answers
            // the cancel as the exchange being offline.
            ExecutionRequest::Cancel(request) => answers.push(cancel_unanswered(request)),
            ExecutionRequest::Shutdown => {}
        }
    }

    fn open(
        &mut self,
        request: OrderRequestOpen<barter_instrument::exchange::ExchangeIndex>,
        answers: &mut Vec<AccountStreamEvent>,
    ) {
        let Ok(named) = self.indexer.order_request(&request) else {
            // Every request names the one configured instrument.
            return;
        };
        let named = OrderRequestOpen {
            key: barter_execution::order::OrderKey {
                exchange: named.key.exchange,
                instrument: named.key.instrument.clone(),
                strategy: named.key.strategy,
                cid: named.key.cid,
            },
            state: named.state,
        };
        let (response, notifications) = self.exchange.with_mut(|exchange| {
            let (response, notifications) = exchange.open_order(named);
            if let Some(notifications) = &notifications {
                exchange.account.ack_trade(notifications.trade.clone());
            }
            (response, notifications)
        });
        if std::mem::take(&mut self.lose_next_response) {
            self.counts.timeouts += 1;
            answers.push(open_timed_out(request));
        } else if let Some(snapshot) = self.order_snapshot(response) {
            answers.push(AccountStreamEvent::Item(snapshot));
        }
        match notifications {
            Some(notifications) => self.filled(notifications, answers),
            None => self.counts.rejected += 1,
        }
    }

    fn filled(
        &mut self,
        notifications: OpenOrderNotifications,
        answers: &mut Vec<AccountStreamEvent>,
    ) {
        let trade = &notifications.trade;
        self.net_filled += match trade.side {
            barter_instrument::Side::Buy => trade.quantity,
            barter_instrument::Side::Sell => -trade.quantity,
        };
        self.counts.fills += 1;
        self.logged_trades += 1;
        for kind in [
            AccountEventKind::BalanceSnapshot(notifications.balance),
            AccountEventKind::Trade(notifications.trade),
        ] {
            let event = UnindexedAccountEvent {
                exchange: ExchangeId::Mock,
                kind,
            };
            if let Some(event) = self.indexed(event) {
                answers.push(AccountStreamEvent::Item(event));
            }
        }
    }

    /// The order response as barter's manager forwards it: a snapshot that
    /// says filled, still open, or refused.
    fn order_snapshot(
        &self,
        response: Order<
            ExchangeId,
            barter_instrument::instrument::name::InstrumentNameExchange,
            Result<
                barter_execution::order::state::Open,
                barter_execution::error::UnindexedOrderError,
            >,
        >,
    ) -> Option<AccountEvent> {
        let key = self.indexer.order_key(response.key).ok()?;
        let state = match response.state {
            Ok(open) if open.quantity_remaining(response.quantity).is_zero() => {
                OrderState::fully_filled()
            }
            Ok(open) => OrderState::active(open),
            Err(error) => OrderState::inactive(self.indexer.order_error(error).ok()?),
        };
        Some(AccountEvent {
            exchange: key.exchange,
            kind: AccountEventKind::OrderSnapshot(Snapshot(Order {
                key,
                side: response.side,
                price: response.price,
                quantity: response.quantity,
                kind: response.kind,
                time_in_force: response.time_in_force,
                state,
            })),
        })
    }

    fn indexed(&self, event: UnindexedAccountEvent) -> Option<AccountEvent> {
        self.indexer.account_event(event).ok()
    }
}

fn open_timed_out(request: OrderRequestOpen) -> AccountStreamEvent {
    let OrderRequestOpen { key, state } = request;
    AccountStreamEvent::Item(AccountEvent {
        exchange: key.exchange,
        kind: AccountEventKind::OrderSnapshot(Snapshot(Order {
            key,
            side: state.side,
            price: state.price,
            quantity: state.quantity,
            kind: state.kind,
            time_in_force: state.time_in_force,
            state: OrderState::inactive(OrderError::Connectivity(ConnectivityError::Timeout)),
        })),
    })
}

fn cancel_unanswered(request: OrderRequestCancel) -> AccountStreamEvent {
    AccountStreamEvent::Item(AccountEvent {
        exchange: request.key.exchange,
        kind: AccountEventKind::OrderCancelled(OrderResponseCancel {
            key: request.key,
            state: Err(OrderError::Connectivity(
                ConnectivityError::ExchangeOffline(ExchangeId::Mock),
            )),
        }),
    })
}
