//! Which column holds what: the delimiter, the header (if any) and the
//! columns of time, open, high, low, close and volume.

use csv::ByteRecord;

use super::decimal::Decimal;
use super::time::parse_time_bytes;

/// Names a time column may have (compared after [`key`]).
/// (`datum`, `zeit`: German spreadsheets name the date column so.)
const TIME_NAMES: [&str; 7] = [
    "time",
    "date",
    "datetime",
    "timestamp",
    "opentime",
    "datum",
    "zeit",
];

/// Column names of the exchange kline layout, for headerless files.
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

/// A header name compared loosely: lower case, letters and digits only, so
/// `Open Time`, `open_time` and `OPENTIME` are one name.
fn key(name: &[u8]) -> String {
    String::from_utf8_lossy(name)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field delimiter from the first non-blank line: `;` or tab when that
/// line has at least five of them outside quotes (a candle has six
/// columns), else `,`.
pub(super) fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head
        .split(|&b| b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
        .unwrap_or(&[]);
    let (mut semicolons, mut tabs) = (0, 0);
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semicolons += 1,
            b'\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if semicolons >= 5 && semicolons >= tabs {
        b';'
    } else if tabs >= 5 {
        b'\t'
    } else {
        b','
    }
}

/// Whether a record is a candle row rather than a header: its first field
/// is a time.
pub(super) fn is_data(record: &ByteRecord) -> bool {
    record
        .get(0)
        .is_some_and(|field| parse_time_bytes(field).is_ok())
}

/// Where the candle fields are, and what the columns are called.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub names: Vec<String>,
    pub time: usize,
    pub open: usize,
    pub high: usize,
    pub low: usize,
    pub close: usize,
    pub volume: usize,
}

impl Layout {
    /// The kline layout without a header: time, open, high, low, close,
    /// volume, then anything.
    pub fn headerless(columns: usize) -> Layout {
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

    /// Columns every row must have.
    pub fn columns(&self) -> usize {
        self.names.len()
    }

    /// The price and volume columns.
    pub fn values(&self) -> [usize; 5] {
        [self.open, self.high, self.low, self.close, self.volume]
    }
}

/// A header being read: its first row, then any further header rows.
pub(super) struct Header {
    names: Vec<String>,
    keys: Vec<String>,
    /// Column 0 named as the time by a later header row (yfinance's
    /// `Date,,,,,`).
    time_row: bool,
}

impl Header {
    pub fn new(record: &ByteRecord) -> Header {
        Header {
            names: record
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let name = String::from_utf8_lossy(name.trim_ascii());
                    if name.is_empty() {
                        format!("column {}", i + 1)
                    } else {
                        name.into_owned()
                    }
                })
                .collect(),
            keys: record.iter().map(key).collect(),
            time_row: false,
        }
    }

    /// Takes in a further header row, as yfinance writes below the first:
    /// `Ticker,BTC-USD,BTC-USD,...` and `Date,,,,,`. Such a row starts with
    /// `Ticker` or a time name and has no number in it. `false` for any
    /// other row.
    pub fn absorb(&mut self, record: &ByteRecord) -> bool {
        let Some(first) = record.get(0) else {
            return false;
        };
        let first_key = key(first);
        let is_time_name = TIME_NAMES.contains(&first_key.as_str());
        if !(is_time_name || first_key == "ticker") {
            return false;
        }
        let labels = record.iter().skip(1).all(|field| {
            let field = field.trim_ascii();
            field.is_empty()
                || (Decimal::parse(field, false).is_err() && Decimal::parse(field, true).is_err())
        });
        if !labels {
            return false;
        }
        if is_time_name && self.time_column().is_none() {
            self.time_row = true;
            self.names[0] = String::from_utf8_lossy(first.trim_ascii()).into_owned();
        }
        true
    }

    fn time_column(&self) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| TIME_NAMES.contains(&k.as_str()))
    }

    /// The layout, or what is missing.
    pub fn finish(self) -> Result<Layout, String> {
        let time = self
            .time_column()
            .or_else(|| (self.time_row || self.keys.first().is_some_and(String::is_empty)).then_some(0))
            .ok_or("no time column (time, date, datetime, timestamp, open_time, datum, zeit or an unnamed first column)")?;
        let column = |name: &str| -> Result<usize, String> {
            let mut found = self.keys.iter().enumerate().filter(|(_, k)| *k == name);
            let first = found
                .next()
                .map(|(i, _)| i)
                .ok_or(format!("no {name} column"))?;
            if let Some((second, _)) = found.next() {
                return Err(format!(
                    "columns {} and {} are both {name}: one instrument per file",
                    first + 1,
                    second + 1
                ));
            }
            Ok(first)
        };
        Ok(Layout {
            time,
            open: column("open")?,
            high: column("high")?,
            low: column("low")?,
            close: column("close")?,
            volume: column("volume")?,
            names: self.names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn delimiters_are_sniffed_from_the_first_line() {
        assert_eq!(sniff_delimiter(b"time,open,high,low,close,volume\n"), b',');
        assert_eq!(
            sniff_delimiter(b"\n\nDate;Open;High;Low;Close;Volume\r\n1;2"),
            b';'
        );
        assert_eq!(
            sniff_delimiter(b"1704067200000;42283,58;42554,57;42261,02;42475,23;1271,68"),
            b';'
        );
        assert_eq!(
            sniff_delimiter(b"time\topen\thigh\tlow\tclose\tvolume"),
            b'\t'
        );
        assert_eq!(
            sniff_delimiter(b"\"a;b;c;d;e;f\",open,high,low,close,volume"),
            b','
        );
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn headers_any_case_and_order_with_extra_columns() {
        let header = Header::new(&record(&[
            "Date",
            "Adj Close",
            "Close",
            "High",
            "Low",
            "Open",
            "Volume",
            "trades",
        ]));
        let layout = header.finish().unwrap();
        assert_eq!(
            (
                layout.time,
                layout.open,
                layout.high,
                layout.low,
                layout.close,
                layout.volume
            ),
            (0, 5, 3, 4, 2, 6)
        );
        assert_eq!(layout.names[2], "Close");
        let kline = Header::new(&record(&[
            "Open Time",
            "OPEN",
            "high",
            "low",
            "close",
            "volume",
            "close_time",
        ]))
        .finish()
        .unwrap();
        assert_eq!(kline.time, 0);
    }

    #[test]
    fn yfinance_three_row_header() {
        let mut header = Header::new(&record(&[
            "Price", "Close", "High", "Low", "Open", "Volume",
        ]));
        assert!(header.absorb(&record(&[
            "Ticker", "BTC-USD", "BTC-USD", "BTC-USD", "BTC-USD", "BTC-USD"
        ])));
        assert!(header.absorb(&record(&["Date", "", "", "", "", ""])));
        assert!(!header.absorb(&record(&["2024-01-01", "1", "2", "0.5", "1", "10"])));
        let layout = header.finish().unwrap();
        assert_eq!((layout.time, layout.close, layout.open), (0, 1, 4));
        assert_eq!(layout.names[0], "Date");
    }

    #[test]
    fn missing_or_doubled_columns() {
        let no_time = Header::new(&record(&[
            "Price", "Close", "High", "Low", "Open", "Volume",
        ]));
        assert!(no_time.finish().unwrap_err().contains("no time column"));
        let two = Header::new(&record(&[
            "Price", "Close", "Close", "High", "Low", "Open", "Volume",
        ]));
        let mut two = two;
        assert!(two.absorb(&record(&["Date", "", "", "", "", "", ""])));
        let error = two.finish().unwrap_err();
        assert!(error.contains("columns 2 and 3 are both close"), "{error}");
        let unnamed = Header::new(&record(&["", "open", "high", "low", "close", "volume"]));
        assert_eq!(unnamed.finish().unwrap().names[0], "column 1");
    }
}
