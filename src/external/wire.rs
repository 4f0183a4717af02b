//! The wire format heapbound writes: candles and the guide's verbs as
//! JSON, prices and volumes as decimals in quote and base units
//! (PROTOCOL.md). Written by hand: a batch of 4,096 candles is one
//! `String` reused, with no value tree per candle.

use std::fmt::Write as _;

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::bot::MarketView;
use crate::market::Candle;

/// Candles sent in one `candles` request.
pub(crate) const CANDLE_BATCH: usize = 4096;
/// Ticks per quote unit of the prices sent (0.01 USDT ticks).
pub(crate) const TICKS_PER_QUOTE: i64 = 100;
/// Lots per base unit of the volumes sent (0.0001 BTC lots).
pub(crate) const LOTS_PER_BASE: i64 = 10_000;
/// Cash units per quote unit (tick x lot), for equity.
pub(crate) const CASH_UNITS_PER_QUOTE: f64 = 1_000_000.0;

/// The guide's verbs, as a bot process receives them.
#[derive(Clone, Debug, PartialEq, Eq, Arbitrary, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessAction {
    /// A client opens or refreshes a session.
    AddSession {
        /// Session id.
        id: u16,
        /// Payload bytes.
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
    /// A buy of `qty` lots at the last close shifted by `price_offset_bps`.
    Buy {
        /// Lots (0.0001 base units).
        qty: u32,
        /// Price offset from the last close, in basis points.
        price_offset_bps: i16,
    },
    /// A sell of the position.
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
}

impl ProcessAction {
    /// The action's JSON object (`{"verb":{args}}`) at `market`'s prices.
    pub(crate) fn verb(&self, market: &MarketView) -> String {
        let price = |offset: i16| decimal(market.price_at(offset), TICKS_PER_QUOTE, 2);
        match *self {
            ProcessAction::AddSession { id, payload_len } => {
                format!(r#"{{"add_session":{{"id":{id},"payload_len":{payload_len}}}}}"#)
            }
            ProcessAction::GetSession { id } => format!(r#"{{"get_session":{{"id":{id}}}}}"#),
            ProcessAction::RemoveSession { id } => {
                format!(r#"{{"remove_session":{{"id":{id}}}}}"#)
            }
            ProcessAction::Buy {
                qty,
                price_offset_bps,
            } => format!(
                r#"{{"buy":{{"qty":{},"price":{}}}}}"#,
                decimal(i64::from(qty), LOTS_PER_BASE, 4),
                price(price_offset_bps)
            ),
            ProcessAction::Sell { price_offset_bps } => {
                format!(r#"{{"sell":{{"price":{}}}}}"#, price(price_offset_bps))
            }
            ProcessAction::Cleanup {
                keep_trades,
                keep_sessions,
            } => format!(
                r#"{{"cleanup":{{"keep_trades":{keep_trades},"keep_sessions":{keep_sessions}}}}}"#
            ),
        }
    }
}

/// Appends `candle` to a batch being written (`[time,o,h,l,c,v]`).
pub(crate) fn push_candle(batch: &mut String, candle: &Candle) {
    let price = |ticks: i64| decimal(ticks, TICKS_PER_QUOTE, 2);
    let _ = write!(
        batch,
        "[{},{},{},{},{},{}]",
        candle.open_time(),
        price(candle.open()),
        price(candle.high()),
        price(candle.low()),
        price(candle.close()),
        decimal(candle.volume(), LOTS_PER_BASE, 4)
    );
}

pub(crate) fn decimal(units: i64, per_unit: i64, places: usize) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let units = units.unsigned_abs();
    let per = per_unit.unsigned_abs();
    format!("{sign}{}.{:0places$}", units / per, units % per)
}
