//! The candle file reader on arbitrary bytes: it never panics, every error
//! names its line, and validating then rewinding reads the same candles.

use std::io::Cursor;

use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};

use crate::market::csv::{CandleReader, CsvError, CsvOptions};

use crate::violation::{Invariant, Violation};

/// Input of the `candle_file` target: reader options and the file's bytes.
/// As fuzz bytes: the first byte is `options`, the rest is the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandleFileInput {
    /// Bit 0: skip invalid rows; bit 1: force `;` as the delimiter; bit 2:
    /// force decimal commas.
    pub options: u8,
    /// The file.
    pub bytes: Vec<u8>,
}

impl<'a> Arbitrary<'a> for CandleFileInput {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let options = u.arbitrary()?;
        let len = u.arbitrary_len::<u8>()?;
        Ok(CandleFileInput {
            options,
            bytes: u.bytes(len)?.to_vec(),
        })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(CandleFileInput {
            options: u.arbitrary()?,
            bytes: u.take_rest().to_vec(),
        })
    }
}

fn broken(what: String) -> Violation {
    Violation::new(Invariant::InvalidCandle, 1, 0, "errors")
        .in_component("candle_file")
        .at_step(0, Some(what))
}

/// Whether an error says where it happened: a line for anything inside the
/// file, or that the file holds no rows at all.
fn names_its_line(error: &CsvError) -> bool {
    match error {
        CsvError::Row { line, .. }
        | CsvError::Header { line, .. }
        | CsvError::Read { line, .. }
        | CsvError::Truncated { line, .. } => *line >= 1,
        CsvError::Empty { .. } => true,
        _ => false,
    }
}

/// Reads `input` twice (validate, rewind, stream) and checks the contract.
pub fn check_candle_file(input: &CandleFileInput) -> Result<(), Violation> {
    let options = CsvOptions {
        skip_invalid: input.options & 1 != 0,
        delimiter: (input.options & 2 != 0).then_some(b';'),
        decimal_comma: (input.options & 4 != 0).then_some(true),
        ..CsvOptions::default()
    };
    let fail = |error: CsvError| {
        if names_its_line(&error) {
            Ok(())
        } else {
            Err(broken(format!("an error without a line: {error}")))
        }
    };
    let mut reader =
        match CandleReader::from_reader("fuzz.csv", Cursor::new(input.bytes.as_slice()), options) {
            Ok(reader) => reader,
            Err(error) => return fail(error),
        };
    let checked = match reader.validate() {
        Ok(checked) => checked,
        Err(error) => return fail(error),
    };
    let mut rows = 0u64;
    for candle in reader.by_ref() {
        if let Err(error) = candle {
            return Err(broken(format!(
                "validated, then failed on the second pass: {error}"
            )));
        }
        rows += 1;
    }
    if rows != checked.rows {
        return Err(broken(format!(
            "validation counted {} rows, the second pass read {rows}",
            checked.rows
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> CandleFileInput {
        CandleFileInput {
            options: 0,
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn good_and_bad_files_both_keep_the_contract() {
        let good = "time,open,high,low,close,volume\n1,10,12,9,11,5\n2,11,13,10,12,5\n";
        check_candle_file(&input(good)).unwrap();
        // A bad row is an error naming line 3: that is the contract kept.
        let bad = "time,open,high,low,close,volume\n1,10,12,9,11,5\n2,11,9,10,12,5\n";
        check_candle_file(&input(bad)).unwrap();
        check_candle_file(&input("")).unwrap();
    }

    #[test]
    fn an_error_without_a_line_breaks_it() {
        let io = CsvError::Io {
            path: "x.csv".into(),
            source: std::io::Error::other("gone"),
        };
        assert!(!names_its_line(&io));
        let row = CsvError::Row {
            path: "x.csv".into(),
            line: 0,
            column: "open".into(),
            message: "bad".into(),
        };
        assert!(!names_its_line(&row), "line 0 names no line");
    }
}
