//! `heapbound report`: soak checkpoints or a monitor's samples log turned
//! into one self-contained HTML page and a Markdown summary (the weekly
//! review of the guide's production checklist).

mod read;
mod render;

use std::path::PathBuf;

use clap::Args;

use super::files::write_atomically;
use super::{Outcome, UsageError};

/// `heapbound report`.
#[derive(Args, Clone, Debug)]
pub struct ReportArgs {
    /// JSON Lines files: `soak --checkpoints` output, or a monitor's
    /// samples log (`MonitorOptions::samples_log`, `Monitor(samples_log=)`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the HTML page here (self-contained: inline SVG and CSS).
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write the Markdown summary here (fits a CI job summary); without
    /// --html or --markdown it goes to stdout.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Projection horizon, in candles or events (default: a week of
    /// 1-minute candles).
    #[arg(long, default_value_t = 7 * 24 * 60)]
    pub horizon: u64,
}

/// Runs `heapbound report`.
pub fn run(args: &ReportArgs) -> Result<Outcome, UsageError> {
    let log = read::read_all(&args.files)?;
    let review = read::Review::of(&log, args.horizon);
    let markdown = render::markdown(&review);
    if let Some(path) = &args.html {
        write_atomically(path, render::html(&review).as_bytes())?;
    }
    if let Some(path) = &args.markdown {
        write_atomically(path, markdown.as_bytes())?;
    }
    if args.html.is_none() && args.markdown.is_none() {
        print!("{markdown}");
    }
    Ok(Outcome::Pass)
}
