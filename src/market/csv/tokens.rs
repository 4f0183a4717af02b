//! Records from the `csv` crate, with the line each starts on, a bound on
//! a record's length, and I/O errors that name the line.
//!
//! Records end at `\n` only; a `\r` before it is trimmed with the rest of
//! the field's white space, so LF and CRLF files read alike and line
//! numbers stay exact.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use csv::{ByteRecord, Position};

use super::CsvError;

/// Longest record (blank lines before it included): past this the row is
/// refused, so an unbalanced quote cannot pull the rest of the file into
/// memory.
pub(super) const MAX_RECORD: u64 = 64 * 1024;
/// Bytes looked at to pick the delimiter (on the stack, never the heap).
pub(super) const SNIFF_BYTES: usize = 4 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The underlying reader, counting bytes so a runaway record is stopped
/// and the end of input is seen.
struct Source<R> {
    inner: R,
    pos: u64,
    record_start: u64,
    eof: bool,
}

#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record longer than {MAX_RECORD} bytes")
    }
}

impl std::error::Error for RecordTooLong {}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos.saturating_sub(self.record_start) > MAX_RECORD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RecordTooLong));
        }
        let read = loop {
            match self.inner.read(buf) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        if read == 0 && !buf.is_empty() {
            self.eof = true;
        }
        self.pos += read as u64;
        Ok(read)
    }
}

impl<R: Seek> Seek for Source<R> {
    fn seek(&mut self, from: SeekFrom) -> io::Result<u64> {
        let pos = self.inner.seek(from)?;
        self.pos = pos;
        self.record_start = pos;
        self.eof = false;
        Ok(pos)
    }
}

/// Reads `buf.len()` bytes or up to the end; how many were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// A CSV file as a stream of non-blank records in one reused [`ByteRecord`].
pub(super) struct Tokens<R> {
    path: PathBuf,
    csv: csv::Reader<Source<R>>,
    record: ByteRecord,
    /// Last line of the current record.
    end_line: u64,
    /// The line after the current record: where a record that cannot be
    /// read starts.
    next_line: u64,
    /// Where the data starts: after a UTF-8 byte-order mark, if any.
    origin: Position,
    /// The file's length when opened.
    length: u64,
    delimiter: u8,
}

impl<R: Read + Seek> Tokens<R> {
    /// Measures `source`, skips a UTF-8 byte-order mark and picks the
    /// delimiter (`pick` sees the first bytes after the mark).
    pub fn new(
        path: PathBuf,
        mut source: R,
        pick: impl FnOnce(&[u8]) -> u8,
    ) -> Result<Tokens<R>, CsvError> {
        let io = |source| CsvError::Io {
            path: path.clone(),
            source,
        };
        let length = source.seek(SeekFrom::End(0)).map_err(io)?;
        source.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut head = [0u8; SNIFF_BYTES];
        let filled = read_up_to(&mut source, &mut head).map_err(io)?;
        let skip = if head[..filled].starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let delimiter = pick(&head[skip..filled]);
        source.seek(SeekFrom::Start(skip as u64)).map_err(io)?;
        let mut origin = Position::new();
        origin.set_byte(skip as u64);
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(Source {
                inner: source,
                pos: skip as u64,
                record_start: skip as u64,
                eof: false,
            });
        let mut tokens = Tokens {
            path,
            csv,
            record: ByteRecord::new(),
            end_line: 0,
            next_line: 1,
            origin: origin.clone(),
            length,
            delimiter,
        };
        tokens.seek(&origin)?;
        Ok(tokens)
    }

    /// The next non-blank record; `false` at the end of input. A file that
    /// ends before the length it had when opened is an error.
    pub fn next_record(&mut self) -> Result<bool, CsvError> {
        loop {
            let read = self.csv.read_byte_record(&mut self.record);
            let position = self.csv.position();
            let (after_line, byte) = (position.line(), position.byte());
            let source = self.csv.get_mut();
            source.record_start = byte;
            let eof = source.eof;
            match read {
                Ok(true) => {
                    // A record that ended at a `\n` leaves the count on the
                    // next line; one cut off by the end of input does not.
                    self.end_line = if eof { after_line } else { after_line - 1 };
                    self.next_line = after_line;
                    let blank = self.record.len() == 1 && self.record[0].trim_ascii().is_empty();
                    if !blank {
                        return Ok(true);
                    }
                }
                Ok(false) if byte < self.length => {
                    return Err(CsvError::Truncated {
                        path: self.path.clone(),
                        line: after_line,
                        read: byte,
                        length: self.length,
                    })
                }
                Ok(false) => return Ok(false),
                Err(error) => return Err(self.read_error(error, self.next_line)),
            }
        }
    }

    fn read_error(&self, error: csv::Error, line: u64) -> CsvError {
        match error.into_kind() {
            csv::ErrorKind::Io(error)
                if error
                    .get_ref()
                    .is_some_and(|inner| inner.is::<RecordTooLong>()) =>
            {
                CsvError::Row {
                    path: self.path.clone(),
                    line,
                    column: "row".to_string(),
                    message: format!(
                        "longer than {} KiB: an unbalanced quote?",
                        MAX_RECORD / 1024
                    ),
                }
            }
            csv::ErrorKind::Io(source) => CsvError::Read {
                path: self.path.clone(),
                line,
                source,
            },
            other => CsvError::Row {
                path: self.path.clone(),
                line,
                column: "row".to_string(),
                message: format!("{other:?}"),
            },
        }
    }

    /// The current record.
    pub fn record(&self) -> &ByteRecord {
        &self.record
    }

    /// The 1-based line the current record starts on.
    pub fn line(&self) -> u64 {
        let embedded = self
            .record
            .as_slice()
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.end_line.saturating_sub(embedded)
    }

    /// Where the next record starts.
    pub fn position(&self) -> Position {
        self.csv.position().clone()
    }

    /// Where the first record starts.
    pub fn origin(&self) -> &Position {
        &self.origin
    }

    /// Goes back (or forth) to a position from [`Tokens::position`].
    pub fn seek(&mut self, position: &Position) -> Result<(), CsvError> {
        let result = self
            .csv
            .seek_raw(SeekFrom::Start(position.byte()), position.clone());
        self.end_line = position.line();
        self.next_line = position.line();
        result.map_err(|error| self.read_error(error, position.line()))
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }
}
