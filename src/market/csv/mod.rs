//! Real exchange candles from CSV files, streamed row by row.
//!
//! Two layouts: the exchange kline layout (open time in ms, open, high, low,
//! close, volume, close time, quote volume, trades, taker base volume, taker
//! quote volume, ignore), with or without a header; and a header-named
//! layout as spreadsheets and dataframe libraries write it (time / date /
//! datetime / timestamp / open_time or an unnamed first column, then open,
//! high, low, close, volume in any case and order).
//!
//! ```no_run
//! use heapbound::market::csv::{open, CsvOptions};
//! let reader = open("BTCUSDT-1m.csv".as_ref(), CsvOptions::default()).unwrap();
//! for candle in reader {
//!     let candle = candle.unwrap();
//!     println!("{} {}", candle.open_time(), candle.close());
//! }
//! ```

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::candle::{Candle, CandleError};

/// Rows read to infer the tick and lot sizes when they are not given.
const INFER_ROWS: usize = 1_000;
/// Decimal places a price or volume may have.
const MAX_SCALE: u32 = 12;

/// An exact decimal: `units * 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    /// Decimal places written.
    pub fn scale(&self) -> u32 {
        self.scale
    }
}

impl FromStr for Decimal {
    type Err = String;

    /// Plain decimal notation only: no exponent, NaN or infinity.
    fn from_str(text: &str) -> Result<Decimal, String> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let valid = !(whole.is_empty() && fraction.is_empty())
            && whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit());
        if !valid {
            return Err(if text.is_empty() {
                "empty field".to_string()
            } else {
                format!("{text:?} is not a decimal number")
            });
        }
        let fraction = fraction.trim_end_matches('0');
        let scale = fraction.len() as u32;
        if scale > MAX_SCALE || whole.len() > 24 {
            return Err(format!("{text:?} has too many digits"));
        }
        let mut units: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            units = units * 10 + i128::from(b - b'0');
        }
        Ok(Decimal {
            units: if negative { -units } else { units },
            scale,
        })
    }
}

/// The size of one tick (prices) or lot (volumes), e.g. `0.01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TickSize(Decimal);

impl TickSize {
    /// `10^-scale`.
    pub fn decimal_places(scale: u32) -> TickSize {
        TickSize(Decimal { units: 1, scale })
    }

    /// `value` in whole ticks, if it is an exact multiple.
    pub fn ticks(&self, value: Decimal) -> Option<i64> {
        let scale = value.scale.max(self.0.scale);
        let v = value
            .units
            .checked_mul(10i128.checked_pow(scale - value.scale)?)?;
        let t = self
            .0
            .units
            .checked_mul(10i128.checked_pow(scale - self.0.scale)?)?;
        if t == 0 || v % t != 0 {
            return None;
        }
        i64::try_from(v / t).ok()
    }
}

impl FromStr for TickSize {
    type Err = String;
    fn from_str(text: &str) -> Result<TickSize, String> {
        let decimal: Decimal = text.parse()?;
        if decimal.units <= 0 {
            return Err(format!("tick size {text:?} must be positive"));
        }
        Ok(TickSize(decimal))
    }
}

impl fmt::Display for TickSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Decimal { units, scale } = self.0;
        if scale == 0 {
            return write!(f, "{units}");
        }
        let divisor = 10i128.pow(scale);
        write!(
            f,
            "{}.{:0width$}",
            units / divisor,
            units % divisor,
            width = scale as usize
        )
    }
}

/// How to read a file.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvOptions {
    /// Price tick; inferred from the file when `None`.
    pub price_tick: Option<TickSize>,
    /// Volume lot; inferred from the file when `None`.
    pub volume_lot: Option<TickSize>,
    /// Skip (and count) invalid rows instead of stopping at the first.
    pub skip_invalid: bool,
}

/// Why a file cannot be read, naming the file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file cannot be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The path is a directory.
    #[error("{path}: is a directory, not a candle file")]
    Directory {
        /// The path.
        path: PathBuf,
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

#[derive(Clone, Debug)]
struct Layout {
    names: Vec<String>,
    time: usize,
    open: usize,
    high: usize,
    low: usize,
    close: usize,
    volume: usize,
}

const KLINE_NAMES: [&str; 12] = [
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "trades",
    "taker_buy_base_volume",
    "taker_buy_quote_volume",
    "ignore",
];

impl Layout {
    fn headerless(columns: usize) -> Layout {
        Layout {
            names: (0..columns)
                .map(|i| {
                    KLINE_NAMES
                        .get(i)
                        .map_or(format!("column {}", i + 1), |n| n.to_string())
                })
                .collect(),
            time: 0,
            open: 1,
            high: 2,
            low: 3,
            close: 4,
            volume: 5,
        }
    }

    fn from_header(fields: &[&str]) -> Result<Layout, String> {
        let names: Vec<String> = fields
            .iter()
            .map(|f| unquote(f).to_ascii_lowercase())
            .collect();
        let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
        let time = find(&["time", "date", "datetime", "timestamp", "open_time", "opentime", "open time"])
            .or_else(|| names.first().filter(|n| n.is_empty()).map(|_| 0))
            .ok_or("no time column (time, date, datetime, timestamp, open_time or an unnamed first column)")?;
        let column = |name: &str| find(&[name]).ok_or(format!("no {name} column"));
        Ok(Layout {
            time,
            open: column("open")?,
            high: column("high")?,
            low: column("low")?,
            close: column("close")?,
            volume: column("volume")?,
            names: names
                .into_iter()
                .enumerate()
                .map(|(i, n)| {
                    if n.is_empty() {
                        format!("column {}", i + 1)
                    } else {
                        n
                    }
                })
                .collect(),
        })
    }
}

fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
        .trim()
}

/// Milliseconds since the epoch from epoch ms, epoch seconds (below 10^11),
/// or ISO-8601 `2024-01-31`, `2024-01-31 09:00:00`, `2024-01-31T09:00:00Z`.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = unquote(text);
    if text.is_empty() {
        return Err("empty field".to_string());
    }
    if let Ok(number) = text.parse::<i64>() {
        return Ok(if number.abs() < 100_000_000_000 {
            number * 1_000
        } else {
            number
        });
    }
    let invalid = || format!("{text:?} is not a time (epoch ms or s, or ISO-8601)");
    let (date, clock) = match text.split_once(['T', ' ']) {
        Some((date, clock)) => (date, Some(clock.trim_end_matches('Z'))),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts[..] else {
        return Err(invalid());
    };
    let (year, month, day) = (
        year.parse::<i64>().map_err(|_| invalid())?,
        month.parse::<u32>().map_err(|_| invalid())?,
        day.parse::<u32>().map_err(|_| invalid())?,
    );
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(invalid());
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    if let Some(clock) = clock {
        let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
        let fields: Vec<&str> = hms.split(':').collect();
        if fields.len() < 2 || fields.len() > 3 {
            return Err(invalid());
        }
        let number = |s: &str, max: i64| {
            s.parse::<i64>()
                .ok()
                .filter(|v| (0..=max).contains(v))
                .ok_or_else(invalid)
        };
        let hours = number(fields[0], 23)?;
        let minutes = number(fields[1], 59)?;
        let seconds = fields.get(2).map_or(Ok(0), |s| number(s, 60))?;
        let millis = if fraction.is_empty() {
            0
        } else {
            let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
            digits.parse::<i64>().map_err(|_| invalid())?
        };
        ms += ((hours * 60 + minutes) * 60 + seconds) * 1_000 + millis;
    }
    Ok(ms)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Streams candles from a CSV file; see the module docs.
pub struct CandleReader {
    path: PathBuf,
    reader: BufReader<File>,
    buffer: String,
    line: u64,
    layout: Layout,
    columns: usize,
    tick: TickSize,
    lot: TickSize,
    last_time: Option<i64>,
    skip_invalid: bool,
    skipped: u64,
}

fn open_file(path: &Path) -> Result<BufReader<File>, CsvError> {
    if path.is_dir() {
        return Err(CsvError::Directory {
            path: path.to_path_buf(),
        });
    }
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| CsvError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Reads the next non-empty line into `buffer`; `false` at the end.
fn next_line(
    reader: &mut BufReader<File>,
    buffer: &mut String,
    line: &mut u64,
    path: &Path,
) -> Result<bool, CsvError> {
    loop {
        buffer.clear();
        let read = reader.read_line(buffer).map_err(|source| CsvError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if read == 0 {
            return Ok(false);
        }
        *line += 1;
        if !buffer.trim().is_empty() {
            return Ok(true);
        }
    }
}

fn is_number(field: &str) -> bool {
    let field = unquote(field);
    !field.is_empty() && field.parse::<Decimal>().is_ok()
}

/// Opens `path`: detects the layout, infers tick and lot from the first
/// rows when not given, and returns a reader positioned at the first row.
pub fn open(path: &Path, options: CsvOptions) -> Result<CandleReader, CsvError> {
    let mut reader = open_file(path)?;
    let mut buffer = String::new();
    let mut line = 0;
    if !next_line(&mut reader, &mut buffer, &mut line, path)? {
        return Err(CsvError::Empty {
            path: path.to_path_buf(),
        });
    }
    let first: Vec<&str> = buffer.trim_end_matches(['\r', '\n']).split(',').collect();
    let has_header = !is_number(first[0]);
    let (layout, data_starts_after) = if has_header {
        let layout = Layout::from_header(&first).map_err(|message| CsvError::Header {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        (layout, line)
    } else {
        if first.len() < 6 {
            return Err(CsvError::Row {
                path: path.to_path_buf(),
                line,
                column: "row".to_string(),
                message: format!("{} columns, the kline layout needs at least 6", first.len()),
            });
        }
        (Layout::headerless(first.len()), line - 1)
    };
    let columns = layout.names.len();

    // Inference pass over the first rows.
    let (tick, lot) = match (options.price_tick, options.volume_lot) {
        (Some(tick), Some(lot)) => (tick, lot),
        (given_tick, given_lot) => {
            let mut probe = open_file(path)?;
            let mut probe_line = 0;
            let mut probe_buffer = String::new();
            let (mut price_scale, mut volume_scale) = (0, 0);
            let mut rows = 0;
            while rows < INFER_ROWS
                && next_line(&mut probe, &mut probe_buffer, &mut probe_line, path)?
            {
                if probe_line <= data_starts_after {
                    continue;
                }
                let fields: Vec<&str> = probe_buffer
                    .trim_end_matches(['\r', '\n'])
                    .split(',')
                    .collect();
                let scale_of = |index: usize| {
                    fields
                        .get(index)
                        .and_then(|f| unquote(f).parse::<Decimal>().ok())
                        .map_or(0, |decimal| decimal.scale())
                };
                for index in [layout.open, layout.high, layout.low, layout.close] {
                    price_scale = price_scale.max(scale_of(index));
                }
                volume_scale = volume_scale.max(scale_of(layout.volume));
                rows += 1;
            }
            (
                given_tick.unwrap_or(TickSize::decimal_places(price_scale)),
                given_lot.unwrap_or(TickSize::decimal_places(volume_scale)),
            )
        }
    };

    // Rewind: the real pass starts at the first data row.
    let mut reader = open_file(path)?;
    let mut skip_line = 0;
    let mut skip_buffer = String::new();
    while skip_line < data_starts_after {
        if !next_line(&mut reader, &mut skip_buffer, &mut skip_line, path)? {
            break;
        }
    }
    Ok(CandleReader {
        path: path.to_path_buf(),
        reader,
        buffer: String::new(),
        line: skip_line,
        layout,
        columns,
        tick,
        lot,
        last_time: None,
        skip_invalid: options.skip_invalid,
        skipped: 0,
    })
}

impl CandleReader {
    /// Rows skipped as invalid (with `skip_invalid`).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The price tick in force.
    pub fn tick(&self) -> TickSize {
        self.tick
    }

    /// The volume lot in force.
    pub fn lot(&self) -> TickSize {
        self.lot
    }

    fn row_error(&self, column: &str, message: impl Into<String>) -> CsvError {
        CsvError::Row {
            path: self.path.clone(),
            line: self.line,
            column: column.to_string(),
            message: message.into(),
        }
    }

    fn parse_row(&self) -> Result<Candle, CsvError> {
        let row = self.buffer.trim_end_matches(['\r', '\n']);
        let fields: Vec<&str> = row.split(',').collect();
        if fields.len() != self.columns {
            return Err(self.row_error(
                "row",
                format!("{} columns, expected {}", fields.len(), self.columns),
            ));
        }
        let name = |index: usize| self.layout.names[index].as_str();
        let time = parse_time(fields[self.layout.time])
            .map_err(|m| self.row_error(name(self.layout.time), m))?;
        let value = |index: usize, unit: &TickSize, what: &str| -> Result<i64, CsvError> {
            let decimal: Decimal = unquote(fields[index])
                .parse()
                .map_err(|m: String| self.row_error(name(index), m))?;
            unit.ticks(decimal).ok_or_else(|| {
                self.row_error(
                    name(index),
                    format!(
                        "{} is not a whole number of {what}s of {unit}",
                        unquote(fields[index])
                    ),
                )
            })
        };
        let open = value(self.layout.open, &self.tick, "tick")?;
        let high = value(self.layout.high, &self.tick, "tick")?;
        let low = value(self.layout.low, &self.tick, "tick")?;
        let close = value(self.layout.close, &self.tick, "tick")?;
        let volume = value(self.layout.volume, &self.lot, "lot")?;
        let candle = Candle::new(time, open, high, low, close, volume).map_err(|error| {
            let column = match &error {
                CandleError::NonPositivePrice { field, .. }
                | CandleError::OutsideRange { field, .. } => *field,
                CandleError::HighBelowLow { .. } => "high",
                CandleError::NegativeVolume(_) => "volume",
            };
            self.row_error(column, error.to_string())
        })?;
        if let Some(last) = self.last_time {
            if time <= last {
                return Err(self.row_error(
                    name(self.layout.time),
                    format!("time {time} ms does not increase (previous row {last} ms)"),
                ));
            }
        }
        Ok(candle)
    }
}

impl Iterator for CandleReader {
    type Item = Result<Candle, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match next_line(
                &mut self.reader,
                &mut self.buffer,
                &mut self.line,
                &self.path,
            ) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(error) => return Some(Err(error)),
            }
            match self.parse_row() {
                Ok(candle) => {
                    self.last_time = Some(candle.open_time());
                    return Some(Ok(candle));
                }
                Err(_) if self.skip_invalid => self.skipped += 1,
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(contents: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        file.write_all(contents.as_bytes()).unwrap();
        file
    }

    fn read(contents: &str, options: CsvOptions) -> Result<Vec<Candle>, CsvError> {
        let f = file(contents);
        open(f.path(), options)?.collect()
    }

    fn error_of(contents: &str) -> String {
        read(contents, CsvOptions::default())
            .unwrap_err()
            .to_string()
    }

    const KLINE: &str = "1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68108,1704070799999,53957248.97,47134,682.57581,28957416.82,0\n\
                         1704070800000,42475.23,42775.00,42431.65,42613.56,1196.37856,1704074399999,50984893.74,44634,712.38,30360492.25,0\n";

    #[test]
    fn kline_rows_without_header_convert_exactly() {
        let candles = read(KLINE, CsvOptions::default()).unwrap();
        assert_eq!(candles.len(), 2);
        // Tick inferred as 0.01, lot as 0.00001.
        assert_eq!(candles[0].open(), 4_228_358);
        assert_eq!(candles[1].high(), 4_277_500);
        assert_eq!(candles[0].volume(), 127_168_108);
        assert_eq!(candles[0].open_time(), 1_704_067_200_000);
    }

    #[test]
    fn kline_with_header_and_given_tick() {
        let text = format!("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n{KLINE}");
        let options = CsvOptions {
            price_tick: Some("0.01".parse().unwrap()),
            volume_lot: Some("0.00001".parse().unwrap()),
            skip_invalid: false,
        };
        let candles = read(&text, options).unwrap();
        assert_eq!(candles[1].close(), 4_261_356);
        let coarse = CsvOptions {
            price_tick: Some("0.1".parse().unwrap()),
            ..options
        };
        let message = read(&text, coarse).unwrap_err().to_string();
        assert!(
            message.contains(":2: column open: 42283.58 is not a whole number of ticks of 0.1"),
            "{message}"
        );
    }

    #[test]
    fn pandas_layout_with_unnamed_index_and_shuffled_columns() {
        let text = ",Volume,CLOSE,Low,High,Open\n2024-01-31,10.5,101.25,99.5,102,100\n2024-02-01,3,100,99,101.5,101.25\n";
        let candles = read(text, CsvOptions::default()).unwrap();
        assert_eq!(candles[0].open_time(), 1_706_659_200_000);
        assert_eq!(
            (
                candles[0].open(),
                candles[0].high(),
                candles[0].low(),
                candles[0].close()
            ),
            (10_000, 10_200, 9_950, 10_125)
        );
        assert_eq!(candles[0].volume(), 105);
    }

    #[test]
    fn times_in_every_accepted_form() {
        assert_eq!(parse_time("1704067200"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("1704067200000"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("2024-01-01"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("2024-01-31 09:00:00"), Ok(1_706_691_600_000));
        assert_eq!(parse_time("2024-01-31T09:00:00Z"), Ok(1_706_691_600_000));
        assert_eq!(
            parse_time("2024-01-31T09:00:00.250Z"),
            Ok(1_706_691_600_250)
        );
        assert_eq!(parse_time("2024-02-29"), Ok(1_709_164_800_000));
        assert!(parse_time("2023-02-29").is_err());
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("").is_err());
    }

    #[test]
    fn every_invalid_row_names_line_and_column() {
        let header = "time,open,high,low,close,volume\n";
        let cases = [
            (
                "1,100,110,90,105,1\n2,NaN,110,90,105,1\n",
                ":3: column open: \"NaN\" is not a decimal number",
            ),
            (
                "1,100,110,90,105,1\n2,100,,90,105,1\n",
                ":3: column high: empty field",
            ),
            (
                "1,-100,110,90,105,1\n",
                ":2: column open: open must be positive",
            ),
            (
                "1,100,80,90,85,1\n",
                ":2: column high: high (80) is below low (90)",
            ),
            (
                "1,100,110,90,111,1\n",
                ":2: column close: close (111) lies outside",
            ),
            (
                "1,100,110,90,105,-1\n",
                ":2: column volume: volume must not be negative",
            ),
            (
                "2,100,110,90,105,1\n2,100,110,90,105,1\n",
                ":3: column time: time 2000 ms does not increase",
            ),
            (
                "1,100,110,90,105,1,7\n",
                ":2: column row: 7 columns, expected 6",
            ),
            (
                "1,inf,110,90,105,1\n",
                ":2: column open: \"inf\" is not a decimal number",
            ),
        ];
        for (rows, expected) in cases {
            let message = error_of(&format!("{header}{rows}"));
            assert!(message.contains(expected), "{rows:?}: {message}");
            assert!(message.contains(".csv:"), "{message}");
        }
        assert!(error_of("time,open,high,low,close\n1,1,1,1,1\n")
            .contains(":1: header: no volume column"));
        assert!(error_of("1,2,3\n").contains("the kline layout needs at least 6"));
        assert!(error_of("\n\n").contains("no candle rows"));
    }

    #[test]
    fn skip_invalid_counts_and_continues() {
        let text = "time,open,high,low,close,volume\n1,100,110,90,105,1\n2,100,80,90,85,1\n2,100,110,90,105,1\n3,x,1,1,1,1\n4,100,110,90,105,1\n";
        let f = file(text);
        let mut reader = open(
            f.path(),
            CsvOptions {
                skip_invalid: true,
                ..CsvOptions::default()
            },
        )
        .unwrap();
        let candles: Vec<Candle> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!(
            candles.iter().map(Candle::open_time).collect::<Vec<_>>(),
            vec![1_000, 2_000, 4_000]
        );
        assert_eq!(reader.skipped(), 2);
    }

    #[test]
    fn a_directory_or_missing_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let message = open(dir.path(), CsvOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(message.contains("is a directory"), "{message}");
        let missing = dir.path().join("nope.csv");
        let message = open(&missing, CsvOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(message.contains("nope.csv"), "{message}");
    }

    #[test]
    fn large_files_stream_row_by_row() {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        let mut writer = std::io::BufWriter::new(f.as_file_mut());
        for i in 0..200_000u64 {
            writeln!(
                writer,
                "{},{}.00,{}.50,{}.00,{}.25,{}.001",
                1_704_067_200_000 + i * 60_000,
                100 + i % 7,
                108 + i % 7,
                99 + i % 7,
                100 + i % 7,
                i % 1000
            )
            .unwrap();
        }
        drop(writer);
        let reader = open(f.path(), CsvOptions::default()).unwrap();
        assert_eq!(
            (reader.tick().to_string(), reader.lot().to_string()),
            ("0.01".to_string(), "0.001".to_string())
        );
        assert_eq!(reader.map(Result::unwrap).count(), 200_000);
    }
}
