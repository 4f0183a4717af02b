//! Actions: everything the bot faces in production, one step each.

use std::fmt;

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::market::Candle;

/// Spec candles stay below this price (ticks), so a run of +300% candles
/// cannot overflow.
pub const MAX_SPEC_PRICE: i64 = 1 << 40;

/// A candle described relative to the last close, so every drawn value
/// builds a valid candle through [`Candle::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
pub struct CandleSpec {
    /// Open relative to the last close, in basis points.
    pub open_bps: i16,
    /// Close relative to the open, in basis points.
    pub body_bps: i16,
    /// High above the body, in basis points.
    pub wick_up_bps: u16,
    /// Low below the body, in basis points.
    pub wick_down_bps: u16,
    /// Volume in lots.
    pub volume: u16,
}

impl CandleSpec {
    /// The candle this spec makes after a candle closing at `last_close`.
    pub fn build(&self, open_time: i64, last_close: i64) -> Candle {
        let shift = |price: i64, bps: i64| (price + price * bps / 10_000).clamp(1, MAX_SPEC_PRICE);
        let open = shift(last_close, i64::from(self.open_bps));
        let close = shift(open, i64::from(self.body_bps));
        let high = shift(open.max(close), i64::from(self.wick_up_bps));
        let low = shift(open.min(close), -i64::from(self.wick_down_bps)).min(open.min(close));
        Candle::new(open_time, open, high, low, close, i64::from(self.volume))
            .unwrap_or_else(|error| unreachable!("spec built an invalid candle: {error}"))
    }
}

/// One step of a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
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
    /// One arbitrary valid candle.
    Candle(CandleSpec),
    /// `n` candles from the scenario's seeded generator. A `u8`, so one
    /// action stays cheap and long runs are many actions: that keeps the
    /// `actions` target fast for libFuzzer.
    Candles(u8),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::AddSession { id, payload_len } => {
                write!(f, "AddSession {{ id: {id}, payload_len: {payload_len} }}")
            }
            Action::GetSession { id } => write!(f, "GetSession {{ id: {id} }}"),
            Action::RemoveSession { id } => write!(f, "RemoveSession {{ id: {id} }}"),
            Action::Buy {
                qty,
                price_offset_bps,
            } => {
                write!(
                    f,
                    "Buy {{ qty: {qty}, price_offset_bps: {price_offset_bps} }}"
                )
            }
            Action::Sell { price_offset_bps } => {
                write!(f, "Sell {{ price_offset_bps: {price_offset_bps} }}")
            }
            Action::Cleanup {
                keep_trades,
                keep_sessions,
            } => write!(
                f,
                "Cleanup {{ keep_trades: {keep_trades}, keep_sessions: {keep_sessions} }}"
            ),
            Action::CacheLookup { age } => write!(f, "CacheLookup {{ age: {age} }}"),
            Action::Candle(spec) => write!(f, "Candle({spec:?})"),
            Action::Candles(n) => write!(f, "Candles({n})"),
        }
    }
}
