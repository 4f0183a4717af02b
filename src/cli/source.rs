//! Where candles come from: the seeded generator, or a real candle file.

use std::path::PathBuf;

use clap::Args;

use crate::market::csv::{self, CandleReader, CsvOptions, TickSize};
use crate::sim::InputFile;

use super::UsageError;

/// `--candles-file` and its options, shared by `simulate` and `soak`.
#[derive(Args, Clone, Debug, Default)]
pub struct CandleFileArgs {
    /// Feed candles from a CSV file (exchange kline layout, or a header with
    /// time/open/high/low/close/volume) instead of the generator.
    #[arg(long, value_name = "FILE")]
    pub candles_file: Option<PathBuf>,
    /// Price tick of the file, e.g. 0.01 (default: inferred from the file).
    #[arg(long, value_parser = tick_size)]
    pub tick: Option<TickSize>,
    /// Volume lot of the file, e.g. 0.00001 (default: inferred).
    #[arg(long, value_parser = tick_size)]
    pub lot: Option<TickSize>,
    /// Skip invalid rows (and report how many) instead of refusing the file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Field delimiter, e.g. ';' or '|' (default: detected from the first line).
    #[arg(long, value_parser = delimiter)]
    pub delimiter: Option<u8>,
    /// Read decimal commas (`42,5`) (default: detected in ';' and tab files).
    #[arg(long)]
    pub decimal_comma: bool,
}

fn delimiter(text: &str) -> Result<u8, String> {
    match text.as_bytes() {
        [byte] if byte.is_ascii() => Ok(*byte),
        _ if text == "\\t" || text == "tab" => Ok(b'\t'),
        _ => Err(format!("{text:?} is not one ASCII character (or tab)")),
    }
}

fn tick_size(text: &str) -> Result<TickSize, String> {
    text.parse()
}

impl CandleFileArgs {
    fn options(&self) -> CsvOptions {
        CsvOptions {
            price_tick: self.tick,
            volume_lot: self.lot,
            skip_invalid: self.skip_invalid,
            delimiter: self.delimiter,
            decimal_comma: self.decimal_comma.then_some(true),
        }
    }

    /// Opens the file once and validates every row (streaming), so an
    /// invalid row stops the run before it starts; the reader is left at
    /// the first row for the run.
    fn open(&self) -> Result<Option<(CandleReader, InputFile)>, UsageError> {
        let Some(path) = &self.candles_file else {
            return Ok(None);
        };
        let fail = |error: csv::CsvError| UsageError::flag("--candles-file", &error.to_string());
        let mut reader = csv::open(path, self.options()).map_err(fail)?;
        let checked = reader.validate().map_err(fail)?;
        if checked.rows == 0 {
            return Err(UsageError::flag(
                "--candles-file",
                &format!("{}: no valid candle rows", path.display()),
            ));
        }
        let input = InputFile {
            path: path.display().to_string(),
            rows: checked.rows,
            skipped_rows: checked.skipped,
            tick: reader.tick().to_string(),
            lot: reader.lot().to_string(),
        };
        if input.skipped_rows > 0 {
            tracing::warn!(
                skipped = input.skipped_rows,
                "skipped invalid rows of {}",
                input.path
            );
        }
        Ok(Some((reader, input)))
    }
}

/// The candles of a run: the seeded generator, or a validated file.
pub enum CandleSource {
    /// `CandleGenerator::new(seed)`.
    Generator,
    /// A candle file, validated in full.
    File {
        /// The reader, at the first row.
        reader: Box<CandleReader>,
        /// What the validation pass found.
        input: InputFile,
    },
}

impl CandleSource {
    /// The file named by `--candles-file`, validated, or the generator.
    pub fn open(args: &CandleFileArgs) -> Result<CandleSource, UsageError> {
        Ok(match args.open()? {
            Some((reader, input)) => CandleSource::File {
                reader: Box::new(reader),
                input,
            },
            None => CandleSource::Generator,
        })
    }

    /// Whether candles come from the generator.
    pub fn is_generator(&self) -> bool {
        matches!(self, CandleSource::Generator)
    }
}

/// Runs `simulate` on a validated file: a file that changes under the run
/// (truncated, unreadable) is an error naming the line, never a quiet end
/// of input.
pub fn simulate_file<B: crate::bot::Bot>(
    options: &crate::sim::SimOptions,
    config: &B::Config,
    reader: &mut CandleReader,
    input: InputFile,
    progress: &mut dyn FnMut(&crate::sim::Progress),
) -> Result<crate::sim::SimReport, UsageError> {
    let report = crate::sim::simulate::<B>(options, config, reader.candles(), progress)
        .map_err(UsageError::from)?;
    if let Some(error) = reader.take_error() {
        return Err(UsageError::flag("--candles-file", &error.to_string()));
    }
    let mut report = report;
    report.input = Some(input);
    Ok(report)
}
