//! The bot's verbs: barter engine commands and the exchange link's moods.

/// One action of a scenario.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
pub enum BarterAction {
    /// A market buy of `lots` thousandths of a unit, sent as an engine
    /// command (commands skip the risk manager).
    MarketBuy { lots: u16 },
    /// A market sell of `lots` thousandths of a unit, as a command.
    MarketSell { lots: u16 },
    /// A limit buy `offset_bps` from the last close, as a command; the mock
    /// exchange refuses limit orders.
    LimitBuy { lots: u16, offset_bps: i16 },
    /// The engine's `ClosePositions` command.
    ClosePositions,
    /// The engine's `CancelOrders` command.
    CancelOrders,
    /// Trading turned off: the engine stops generating orders.
    TradingOff,
    /// Trading turned back on.
    TradingOn,
    /// The exchange holds requests for `candles` candles (at most 8).
    Latency { candles: u8 },
    /// The next order response is lost: barter answers it as a timeout.
    LoseResponse,
    /// The account link drops and reconnects: the engine hears
    /// `Reconnecting`, then the account's snapshot (the exchange keeps its
    /// account as it was).
    Reconnect,
}
