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

/// How candles travel, as the bot chose in its `hello` answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum CandleEncoding {
    /// `"candles":[[time,o,h,l,c,v],...]`: any JSON library reads it.
    #[default]
    Json,
    /// `"columns":"<base64>"`: the open times as little-endian i64, then
    /// the opens, highs, lows, closes and volumes as little-endian f64,
    /// `count` of each. A Python bot makes no object per candle to
    /// decode it (PROTOCOL.md, "Throughput").
    Base64Columns,
}

impl CandleEncoding {
    /// The encoding a `hello` answer names (`None`: the default).
    pub(crate) fn from_hello(name: Option<&str>) -> Result<Self, String> {
        match name {
            None | Some("json") => Ok(CandleEncoding::Json),
            Some("base64-columns") => Ok(CandleEncoding::Base64Columns),
            Some(other) => Err(format!(
                "candle_encoding {other:?} is not one heapbound writes (json, base64-columns)"
            )),
        }
    }
}

/// A `candles` request being filled, in the bot's encoding. Its buffers
/// are reused from batch to batch.
#[derive(Debug, Default)]
pub(crate) struct CandleBatch {
    encoding: CandleEncoding,
    count: usize,
    /// The JSON rows written so far (`Json`).
    rows: String,
    /// Open times, then the five price and volume columns (`Base64Columns`).
    times: Vec<i64>,
    columns: [Vec<f64>; 5],
    raw: Vec<u8>,
}

impl CandleBatch {
    pub(crate) fn new(encoding: CandleEncoding) -> Self {
        CandleBatch {
            encoding,
            ..CandleBatch::default()
        }
    }

    /// Candles in the batch.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    pub(crate) fn push(&mut self, candle: &Candle) {
        match self.encoding {
            CandleEncoding::Json => {
                if self.count > 0 {
                    self.rows.push(',');
                }
                push_candle(&mut self.rows, candle);
            }
            CandleEncoding::Base64Columns => {
                let quote = |ticks: i64| ticks as f64 / TICKS_PER_QUOTE as f64;
                self.times.push(candle.open_time());
                let values = [
                    quote(candle.open()),
                    quote(candle.high()),
                    quote(candle.low()),
                    quote(candle.close()),
                    candle.volume() as f64 / LOTS_PER_BASE as f64,
                ];
                for (column, value) in self.columns.iter_mut().zip(values) {
                    column.push(value);
                }
            }
        }
        self.count += 1;
    }

    /// Writes the request line into `line` (cleared first) and empties
    /// the batch.
    pub(crate) fn write_request(&mut self, line: &mut String) {
        line.clear();
        match self.encoding {
            CandleEncoding::Json => {
                line.push_str(r#"{"type":"candles","candles":["#);
                line.push_str(&self.rows);
                line.push_str("]}");
                self.rows.clear();
            }
            CandleEncoding::Base64Columns => {
                use base64::Engine as _;
                self.raw.clear();
                self.raw
                    .extend(self.times.iter().flat_map(|time| time.to_le_bytes()));
                for column in &self.columns {
                    self.raw
                        .extend(column.iter().flat_map(|value| value.to_le_bytes()));
                }
                let _ = write!(
                    line,
                    r#"{{"type":"candles","count":{},"columns":""#,
                    self.count
                );
                base64::engine::general_purpose::STANDARD.encode_string(&self.raw, line);
                line.push_str("\"}");
                self.times.clear();
                self.columns.iter_mut().for_each(Vec::clear);
            }
        }
        self.count = 0;
    }
}

/// Appends `candle` to a batch being written (`[time,o,h,l,c,v]`).
fn push_candle(batch: &mut String, candle: &Candle) {
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

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn candles() -> Vec<Candle> {
        crate::market::CandleGenerator::new(7).take(3).collect()
    }

    #[test]
    fn base64_columns_carry_the_values_json_writes() {
        let candles = candles();
        let mut json = CandleBatch::new(CandleEncoding::Json);
        let mut columns = CandleBatch::new(CandleEncoding::Base64Columns);
        for candle in &candles {
            json.push(candle);
            columns.push(candle);
        }
        let (mut json_line, mut columns_line) = (String::new(), String::new());
        json.write_request(&mut json_line);
        columns.write_request(&mut columns_line);
        assert_eq!((json.len(), columns.len()), (0, 0));

        let rows: serde_json::Value = serde_json::from_str(&json_line).unwrap();
        let request: serde_json::Value = serde_json::from_str(&columns_line).unwrap();
        assert_eq!(request["type"], "candles");
        assert_eq!(request["count"], 3);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(request["columns"].as_str().unwrap())
            .unwrap();
        assert_eq!(raw.len(), 48 * 3);
        let word = |i: usize| <[u8; 8]>::try_from(&raw[8 * i..8 * i + 8]).unwrap();
        for (row, values) in rows["candles"].as_array().unwrap().iter().enumerate() {
            assert_eq!(i64::from_le_bytes(word(row)), values[0].as_i64().unwrap());
            for field in 1..6 {
                // The decimal JSON writes parses to the very f64 sent.
                let sent = f64::from_le_bytes(word(3 * field + row));
                assert_eq!(
                    sent,
                    values[field].as_f64().unwrap(),
                    "row {row} field {field}"
                );
            }
        }
    }

    #[test]
    fn a_batch_is_empty_again_after_its_request() {
        let mut batch = CandleBatch::new(CandleEncoding::Base64Columns);
        let mut line = String::new();
        for candle in candles() {
            batch.push(&candle);
            batch.write_request(&mut line);
        }
        let request: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(request["count"], 1);
        assert_eq!(request["columns"].as_str().unwrap().len(), 64); // 48 bytes
    }

    #[test]
    fn encodings_a_bot_may_ask_for() {
        assert_eq!(CandleEncoding::from_hello(None), Ok(CandleEncoding::Json));
        assert_eq!(
            CandleEncoding::from_hello(Some("json")),
            Ok(CandleEncoding::Json)
        );
        assert_eq!(
            CandleEncoding::from_hello(Some("base64-columns")),
            Ok(CandleEncoding::Base64Columns)
        );
        let refused = CandleEncoding::from_hello(Some("msgpack")).unwrap_err();
        assert!(refused.contains("\"msgpack\""), "{refused}");
    }
}
