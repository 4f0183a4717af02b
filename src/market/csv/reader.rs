//! The streaming reader: layout detection and tick inference at open, then
//! one validated candle per row, with a flat heap.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use csv::Position;

use super::decimal::{looks_decimal_comma, Decimal, Misfit, TickSize};
use super::layout::{is_data, sniff_delimiter, Header, Layout};
use super::time::parse_time_bytes;
use super::tokens::Tokens;
use super::{CsvError, CsvOptions};
use crate::market::{Candle, CandleError};

/// Rows read to infer the tick and lot sizes (and a decimal comma) when
/// they are not given.
const INFER_ROWS: usize = 1_000;

/// What [`CandleReader::validate`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validated {
    /// Valid candle rows.
    pub rows: u64,
    /// Invalid rows skipped (with `skip_invalid`).
    pub skipped: u64,
}

/// Streams candles from a CSV file; see the module docs. Reads from a file
/// by default, or from any seekable reader ([`CandleReader::from_reader`]).
pub struct CandleReader<R = File> {
    tokens: Tokens<R>,
    layout: Layout,
    decimal_comma: bool,
    /// Where the first data row starts.
    start: Position,
    tick: TickSize,
    lot: TickSize,
    last_time: Option<i64>,
    skip_invalid: bool,
    skipped: u64,
    rows: u64,
    /// The end, or an error after which nothing more can be read.
    finished: bool,
    /// The error that ended [`CandleReader::candles`].
    error: Option<CsvError>,
}

/// A delimiter the reader could confuse with a number or a quote is refused.
fn check_delimiter(path: &Path, delimiter: Option<u8>) -> Result<(), CsvError> {
    let Some(delimiter) = delimiter else {
        return Ok(());
    };
    if matches!(delimiter, b'"' | b'\n' | b'\r' | b'.' | b'-' | b'+' | b' ')
        || delimiter.is_ascii_alphanumeric()
    {
        return Err(CsvError::Options {
            path: path.to_path_buf(),
            message: format!("{:?} cannot be the delimiter", char::from(delimiter)),
        });
    }
    Ok(())
}

/// The layout: a header (perhaps of several rows), or none; and where the
/// first data row starts.
fn read_layout<R: Read + Seek>(tokens: &mut Tokens<R>) -> Result<(Layout, Position), CsvError> {
    if !tokens.next_record()? {
        return Err(CsvError::Empty {
            path: tokens.path().clone(),
        });
    }
    let first_line = tokens.line();
    if is_data(tokens.record()) {
        let columns = tokens.record().len();
        if columns < 6 {
            return Err(CsvError::Row {
                path: tokens.path().clone(),
                line: first_line,
                column: "row".to_string(),
                message: format!("{columns} columns, the kline layout needs at least 6"),
            });
        }
        return Ok((Layout::headerless(columns), tokens.origin().clone()));
    }
    let mut header = Header::new(tokens.record());
    let mut start = tokens.position();
    while tokens.next_record()? && header.absorb(tokens.record()) {
        start = tokens.position();
    }
    let layout = header.finish().map_err(|message| CsvError::Header {
        path: tokens.path().clone(),
        line: first_line,
        message,
    })?;
    Ok((layout, start))
}

/// Whether the first rows write decimals with a comma.
fn sniff_decimal_comma<R: Read + Seek>(
    tokens: &mut Tokens<R>,
    start: &Position,
    layout: &Layout,
) -> Result<bool, CsvError> {
    let mut comma = false;
    sample(tokens, start, |record| {
        comma |= layout
            .values()
            .iter()
            .filter_map(|&i| record.get(i))
            .any(looks_decimal_comma);
    })?;
    Ok(comma)
}

/// The most decimal places of the prices and of the volumes in the first
/// rows: the tick and lot when none is given.
fn sniff_scales<R: Read + Seek>(
    tokens: &mut Tokens<R>,
    start: &Position,
    layout: &Layout,
    decimal_comma: bool,
) -> Result<(u32, u32), CsvError> {
    let (mut price_scale, mut volume_scale) = (0, 0);
    sample(tokens, start, |record| {
        let scale = |i: usize| {
            record
                .get(i)
                .and_then(|field| Decimal::parse(field, decimal_comma).ok())
                .map_or(0, |d| d.scale())
        };
        for i in [layout.open, layout.high, layout.low, layout.close] {
            price_scale = price_scale.max(scale(i));
        }
        volume_scale = volume_scale.max(scale(layout.volume));
    })?;
    Ok((price_scale, volume_scale))
}

impl<R: Read + Seek> CandleReader<R> {
    /// Reads candles from `source`, named `path` in errors; [`super::open`]
    /// for a file.
    pub fn from_reader(
        path: impl AsRef<Path>,
        source: R,
        options: CsvOptions,
    ) -> Result<CandleReader<R>, CsvError> {
        let path: PathBuf = path.as_ref().to_path_buf();
        check_delimiter(&path, options.delimiter)?;
        let mut tokens = Tokens::new(path, source, |head| {
            options.delimiter.unwrap_or_else(|| sniff_delimiter(head))
        })?;
        let (layout, start) = read_layout(&mut tokens)?;
        let decimal_comma = match options.decimal_comma {
            Some(given) => given,
            None if tokens.delimiter() == b',' => false,
            None => sniff_decimal_comma(&mut tokens, &start, &layout)?,
        };
        let (tick, lot) = match (options.price_tick, options.volume_lot) {
            (Some(tick), Some(lot)) => (tick, lot),
            (given_tick, given_lot) => {
                let (price_scale, volume_scale) =
                    sniff_scales(&mut tokens, &start, &layout, decimal_comma)?;
                (
                    given_tick.unwrap_or(TickSize::decimal_places(price_scale)),
                    given_lot.unwrap_or(TickSize::decimal_places(volume_scale)),
                )
            }
        };
        tokens.seek(&start)?;
        Ok(CandleReader {
            tokens,
            layout,
            decimal_comma,
            start,
            tick,
            lot,
            last_time: None,
            skip_invalid: options.skip_invalid,
            skipped: 0,
            rows: 0,
            finished: false,
            error: None,
        })
    }

    /// Goes back to the first row and starts counting afresh, so the same
    /// open file can be read again (after [`CandleReader::validate`], or for
    /// another run).
    pub fn rewind(&mut self) -> Result<(), CsvError> {
        self.tokens.seek(&self.start)?;
        self.last_time = None;
        self.skipped = 0;
        self.rows = 0;
        self.finished = false;
        self.error = None;
        Ok(())
    }

    /// Reads every row from the first, stopping at the first invalid one
    /// (or skipping and counting them with `skip_invalid`), then rewinds,
    /// so iterating yields the candles from the first again.
    pub fn validate(&mut self) -> Result<Validated, CsvError> {
        self.rewind()?;
        for candle in self.by_ref() {
            candle?;
        }
        let validated = Validated {
            rows: self.rows,
            skipped: self.skipped,
        };
        self.rewind()?;
        Ok(validated)
    }
}

/// The valid candles of a [`CandleReader`], ending at the end of input or
/// at the first error, which [`CandleReader::take_error`] then returns.
pub struct Candles<'a, R> {
    reader: &'a mut CandleReader<R>,
}

impl<R: Read + Seek> Iterator for Candles<'_, R> {
    type Item = Candle;

    fn next(&mut self) -> Option<Candle> {
        if self.reader.error.is_some() {
            return None;
        }
        match self.reader.next()? {
            Ok(candle) => Some(candle),
            Err(error) => {
                self.reader.error = Some(error);
                None
            }
        }
    }
}

/// Calls `each` on up to [`INFER_ROWS`] records from `start`.
fn sample<R: Read + Seek>(
    tokens: &mut Tokens<R>,
    start: &Position,
    mut each: impl FnMut(&csv::ByteRecord),
) -> Result<(), CsvError> {
    tokens.seek(start)?;
    let mut rows = 0;
    while rows < INFER_ROWS && tokens.next_record()? {
        each(tokens.record());
        rows += 1;
    }
    Ok(())
}

impl<R> CandleReader<R> {
    /// Rows skipped as invalid (with `skip_invalid`) since opening or the
    /// last rewind.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Valid candles read since opening or the last rewind.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The price tick in force.
    pub fn tick(&self) -> TickSize {
        self.tick
    }

    /// The volume lot in force.
    pub fn lot(&self) -> TickSize {
        self.lot
    }

    /// Candles without the `Result`, for a consumer that takes plain
    /// candles (`sim::simulate`): they end at the first error, kept for
    /// [`CandleReader::take_error`], so a read failure or truncation is not
    /// mistaken for the end of the file.
    pub fn candles(&mut self) -> Candles<'_, R> {
        Candles { reader: self }
    }

    /// The error that ended [`CandleReader::candles`], if one did.
    pub fn take_error(&mut self) -> Option<CsvError> {
        self.error.take()
    }

    /// Whether decimals are read with a comma.
    pub fn decimal_comma(&self) -> bool {
        self.decimal_comma
    }
}

impl<R: Read + Seek> CandleReader<R> {
    fn row_error(&self, column: &str, message: impl Into<String>) -> CsvError {
        CsvError::Row {
            path: self.tokens.path().clone(),
            line: self.tokens.line(),
            column: column.to_string(),
            message: message.into(),
        }
    }

    fn parse_row(&self) -> Result<Candle, CsvError> {
        let record = self.tokens.record();
        let layout = &self.layout;
        if record.len() != layout.columns() {
            return Err(self.row_error(
                "row",
                format!("{} columns, expected {}", record.len(), layout.columns()),
            ));
        }
        let name = |index: usize| layout.names[index].as_str();
        let time = parse_time_bytes(&record[layout.time])
            .map_err(|m| self.row_error(name(layout.time), m))?;
        let value = |index: usize, unit: &TickSize, what: &str| -> Result<i64, CsvError> {
            let field = &record[index];
            let decimal = Decimal::parse(field, self.decimal_comma)
                .map_err(|m| self.row_error(name(index), m))?;
            unit.fit(decimal).map_err(|misfit| {
                let text = String::from_utf8_lossy(field.trim_ascii());
                self.row_error(
                    name(index),
                    match misfit {
                        Misfit::NotMultiple => {
                            format!("{text} is not a whole number of {what}s of {unit}")
                        }
                        Misfit::TooLarge => {
                            format!("{text} is too large to count in {what}s of {unit}")
                        }
                    },
                )
            })
        };
        let open = value(layout.open, &self.tick, "tick")?;
        let high = value(layout.high, &self.tick, "tick")?;
        let low = value(layout.low, &self.tick, "tick")?;
        let close = value(layout.close, &self.tick, "tick")?;
        let volume = value(layout.volume, &self.lot, "lot")?;
        let candle = Candle::new(time, open, high, low, close, volume).map_err(|error| {
            let column = match &error {
                CandleError::NonPositivePrice { field, .. }
                | CandleError::OutsideRange { field, .. } => *field,
                CandleError::HighBelowLow { .. } => "high",
                CandleError::NegativeVolume(_) => "volume",
            };
            let index = match column {
                "open" => layout.open,
                "high" => layout.high,
                "low" => layout.low,
                "close" => layout.close,
                _ => layout.volume,
            };
            self.row_error(name(index), error.to_string())
        })?;
        if let Some(last) = self.last_time {
            if time <= last {
                return Err(self.row_error(
                    name(layout.time),
                    format!("time {time} ms does not increase (previous row {last} ms)"),
                ));
            }
        }
        Ok(candle)
    }
}

impl<R: Read + Seek> Iterator for CandleReader<R> {
    type Item = Result<Candle, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.finished {
                return None;
            }
            match self.tokens.next_record() {
                Ok(true) => {}
                Ok(false) => {
                    self.finished = true;
                    return None;
                }
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
            match self.parse_row() {
                Ok(candle) => {
                    self.last_time = Some(candle.open_time());
                    self.rows += 1;
                    return Some(Ok(candle));
                }
                Err(_) if self.skip_invalid => self.skipped += 1,
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

impl<R> std::fmt::Debug for CandleReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CandleReader")
            .field("last_time", &self.last_time)
            .finish_non_exhaustive()
    }
}

impl<R> std::fmt::Debug for Candles<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candles").finish_non_exhaustive()
    }
}
