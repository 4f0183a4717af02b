//! The paper bot's own verbs, besides candles.

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

/// One thing a client or an operator does to the paper bot.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperAction {
    /// A client opens or refreshes a session.
    AddSession {
        /// Session id.
        id: u16,
        /// Payload bytes (refused above the config's maximum).
        payload_len: u16,
    },
    /// A client reads its session.
    GetSession {
        /// Session id.
        id: u16,
    },
    /// A client logs out.
    RemoveSession {
        /// Session id.
        id: u16,
    },
    /// A manual buy at the last close shifted by `price_offset_bps`.
    Buy {
        /// Lots.
        qty: u32,
        /// Price offset from the last close, in basis points.
        price_offset_bps: i16,
    },
    /// A manual close of the position.
    Sell {
        /// Price offset from the last close, in basis points.
        price_offset_bps: i16,
    },
    /// A manual cleanup.
    Cleanup {
        /// Trades to keep.
        keep_trades: u16,
        /// Sessions to keep.
        keep_sessions: u16,
    },
    /// A price lookup for the candle `age` candles back.
    CacheLookup {
        /// Candles back from the last one.
        age: u16,
    },
}
