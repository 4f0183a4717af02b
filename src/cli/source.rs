//! Where candles come from: the seeded generator, or a real candle file.

use std::path::PathBuf;

use clap::Args;

use heapbound::market::csv::{self, CandleReader, CsvOptions, TickSize};
use heapbound::sim::InputFile;

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
            ..CsvOptions::default()
        }
    }

    /// Opens the file again for another pass (after [`CandleFileArgs::open`]).
    pub fn reopen(&self) -> Result<CandleReader, String> {
        let path = self.candles_file.as_deref().ok_or("no --candles-file")?;
        csv::open(path, self.options()).map_err(|error| error.to_string())
    }

    /// Validates the whole file first (streaming), so an invalid row stops
    /// the run before it starts; then opens it again for the run.
    pub fn open(&self) -> Result<Option<(CandleReader, InputFile)>, UsageError> {
        let Some(path) = &self.candles_file else {
            return Ok(None);
        };
        let fail = |error: csv::CsvError| UsageError::flag("--candles-file", &error.to_string());
        let mut check = csv::open(path, self.options()).map_err(fail)?;
        let mut rows = 0u64;
        for candle in check.by_ref() {
            candle.map_err(fail)?;
            rows += 1;
        }
        if rows == 0 {
            return Err(UsageError::flag(
                "--candles-file",
                &format!("{}: no valid candle rows", path.display()),
            ));
        }
        let input = InputFile {
            path: path.display().to_string(),
            rows,
            skipped_rows: check.skipped(),
            tick: check.tick().to_string(),
            lot: check.lot().to_string(),
        };
        if input.skipped_rows > 0 {
            tracing::warn!(
                skipped = input.skipped_rows,
                "skipped invalid rows of {}",
                input.path
            );
        }
        let reader = csv::open(path, self.options()).map_err(fail)?;
        Ok(Some((reader, input)))
    }
}
