//! Real exchange candles from CSV files, streamed row by row with a flat
//! heap, every price converted exactly to whole ticks.
//!
//! Layouts read (the delimiter and header are detected, see [`CsvOptions`]
//! to force them):
//!
//! - the exchange kline layout (open time, open, high, low, close, volume,
//!   close time, quote volume, trades, taker base volume, taker quote
//!   volume, ignore), with or without a header;
//! - a header naming time / date / datetime / timestamp / open_time (or an
//!   unnamed first column, the pandas index), open, high, low, close and
//!   volume in any case and order, other columns (`Adj Close`, `trades`,
//!   `quote_volume`, ...) ignored;
//! - the three header rows yfinance writes (`Price,...` / `Ticker,...` /
//!   `Date,,,,,`);
//! - `;`- or tab-separated files, with decimal commas (`42283,58`, as German
//!   Excel writes them) detected from the first rows.
//!
//! Times may be epoch seconds, milliseconds or microseconds, ISO-8601 dates
//! or date-times (`T` or space, `Z` or a numeric offset, fractional seconds)
//! or `31.01.2024 09:00`; see [`parse_time`]. Quoted fields, CRLF line ends
//! and a UTF-8 byte-order mark are accepted.
//!
//! ```no_run
//! use heapbound::market::csv::{open, CsvOptions};
//! let mut reader = open("BTCUSDT-1m.csv".as_ref(), CsvOptions::default()).unwrap();
//! // Check every row first, then stream the same open file again.
//! let checked = reader.validate().unwrap();
//! println!("{} rows, {} skipped", checked.rows, checked.skipped);
//! for candle in reader.candles() {
//!     println!("{} {}", candle.open_time(), candle.close());
//! }
//! // A read failure or a file truncated meanwhile ends `candles()` early:
//! if let Some(error) = reader.take_error() {
//!     eprintln!("{error}"); // file:line: what went wrong
//! }
//! ```

use std::path::{Path, PathBuf};

mod decimal;
mod layout;
mod reader;
mod time;
mod tokens;

#[cfg(test)]
mod tests;

pub use decimal::{Decimal, TickSize, MAX_SCALE};
pub use reader::{CandleReader, Candles, Validated};
pub use time::parse_time;

/// How to read a file.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvOptions {
    /// Price tick; inferred from the file when `None`.
    pub price_tick: Option<TickSize>,
    /// Volume lot; inferred from the file when `None`.
    pub volume_lot: Option<TickSize>,
    /// Skip (and count) invalid rows instead of stopping at the first.
    pub skip_invalid: bool,
    /// Field delimiter; when `None`, `;` or tab if the first line has at
    /// least five of them, else `,`.
    pub delimiter: Option<u8>,
    /// Whether decimals are written with a comma (`42283,58`, thousands
    /// may be grouped with `.`); when `None`, true for a file not separated
    /// by `,` whose first rows have a number with a decimal comma.
    pub decimal_comma: Option<bool>,
}

/// Why a file cannot be read, naming the file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file cannot be opened, measured or sought.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Reading failed part way through the file.
    #[error("{path}:{line}: read failed: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// 1-based line being read.
        line: u64,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file ended before the length it had when opened: it was
    /// truncated while being read.
    #[error("{path}:{line}: the file ended after {read} bytes but had {length} when opened (truncated while being read?)")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// 1-based line where the input ended.
        line: u64,
        /// Bytes read.
        read: u64,
        /// Bytes when opened.
        length: u64,
    },
    /// The path is a directory.
    #[error("{path}: is a directory, not a candle file")]
    Directory {
        /// The path.
        path: PathBuf,
    },
    /// Options that cannot work, e.g. a quote as the delimiter.
    #[error("{path}: {message}")]
    Options {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No header and no candle rows.
    #[error("{path}: no candle rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A header without the needed columns.
    #[error("{path}:{line}: header: {message}")]
    Header {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is missing.
        message: String,
    },
    /// A row that is not a valid candle.
    #[error("{path}:{line}: column {column}: {message}")]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column's name.
        column: String,
        /// What is wrong.
        message: String,
    },
}

/// Opens `path` once: detects the delimiter and layout, infers tick and lot
/// from the first rows when not given, and returns a reader positioned at
/// the first row. [`CandleReader::validate`] and [`CandleReader::rewind`]
/// read it again from the same handle.
pub fn open(path: &Path, options: CsvOptions) -> Result<CandleReader, CsvError> {
    if path.is_dir() {
        return Err(CsvError::Directory {
            path: path.to_path_buf(),
        });
    }
    let file = std::fs::File::open(path).map_err(|source| CsvError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    CandleReader::from_reader(path, file, options)
}
