//! The command line for any bot (feature `cli`): `simulate`, `soak`,
//! `replay`, `triage` and `corpus`. A user's `src/bin/heapbound.rs`:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();
//! fn main() -> std::process::ExitCode { heapbound::cli::main::<my_bot::MyBot>() }
//! ```
//!
//! The bot's config comes from `--config file.json` (any field left out
//! takes its default); [`main_with_flags`] adds flags of the bot's own.

mod bot_args;
mod corpus;
mod explore;
mod files;
mod input;
mod log;
mod paper_flags;
mod plot;
mod replay;
mod report;
mod simulate;
mod soak;
mod source;
mod triage;
mod units;

pub use bot_args::{ConfigFlags, NoFlags};
pub use paper_flags::PaperFlags;
pub use units::{byte_size, positive};

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::bot::Bot;

/// heapbound: proves a long-running trading bot stays inside its memory budget.
#[derive(Parser, Debug)]
#[command(
    name = "heapbound",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli<F: Args> {
    /// Log filter on stderr (tracing's EnvFilter syntax): by default every
    /// crate's errors and the warnings of heapbound and of the bot's own
    /// crate; `warn` adds its dependencies' warnings, `debug` shows the
    /// memory line of every periodic cleanup. Also HEAPBOUND_LOG.
    #[arg(long, global = true)]
    log: Option<String>,
    #[command(subcommand)]
    command: Option<Command<F>>,
    /// Without a subcommand, `simulate` runs with these flags.
    #[command(flatten)]
    simulate: simulate::SimulateArgs<F>,
}

#[derive(Subcommand, Debug)]
enum Command<F: Args> {
    /// Run the bot over generated candles and report heap, bounds and verdict
    /// (the default when no subcommand is given).
    Simulate(simulate::SimulateArgs<F>),
    /// Decode a fuzz input (raw bytes or JSON), print it, run its checks;
    /// exit 1 with the step trace and the violation when one breaks.
    Replay(replay::ReplayArgs),
    /// Write seed inputs for the bot's scenario target or a built-in target.
    Corpus(corpus::CorpusArgs),
    /// Run many seeds for a long time with checkpoints, a plot and alerts.
    Soak(soak::SoakArgs<F>),
    /// Replay every input in a folder, group failures by violation, and
    /// print one reproduction command per group.
    Triage(triage::TriageArgs),
    /// Draw scenarios against fresh bots for a while (no libFuzzer needed,
    /// works with --exec); shrink and save the first failure.
    Explore(explore::ExploreArgs<F>),
    /// Turn soak checkpoints or a monitor's samples log into one HTML page
    /// (per-component bytes and lengths over time, fitted slopes,
    /// projections, alerts, replay commands) and a Markdown summary
    Report(report::ReportArgs),
}

/// How a run ended, as an exit code: 0 pass, 1 a check failed, 2 usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// A bound, ceiling, budget or invariant broke.
    Fail,
}

/// A problem with the command line or its inputs: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    message: String,
}

impl UsageError {
    /// An error about one flag or input.
    pub fn flag(flag: &str, reason: &str) -> UsageError {
        UsageError {
            message: format!("{flag}: {reason}"),
        }
    }

    /// An error whose message already names the file or folder it is about.
    pub fn input(message: String) -> UsageError {
        UsageError { message }
    }

    /// The message, without the `error:` prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<crate::bot::ConfigError> for UsageError {
    /// A config the bot refuses, naming the field.
    fn from(error: crate::bot::ConfigError) -> UsageError {
        UsageError::flag(&format!("config {}", error.field), &error.reason)
    }
}

/// This binary as a reproduction command names it, so that the command
/// runs as printed: its name (`heapbound`, `heapbound-grid`, a user's own)
/// when `PATH` finds this very binary by it, else its path (a binary that
/// `cargo run` built under `target/`).
pub(crate) fn program() -> String {
    let name = std::env::args_os()
        .next()
        .as_deref()
        .map(std::path::Path::new)
        .and_then(std::path::Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "heapbound".to_string());
    let Ok(exe) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return name;
    };
    if path_finds(&name, &exe) {
        name
    } else {
        exe.display().to_string()
    }
}

/// Whether `PATH` resolves `name` to `exe`.
fn path_finds(name: &str, exe: &std::path::Path) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path)
        .filter_map(|dir| std::fs::canonicalize(dir.join(name)).ok())
        .next()
        .is_some_and(|found| found == exe)
}

/// The CLI for bot `B`, its config from `--config file.json` alone.
pub fn main<B: Bot>() -> ExitCode {
    main_with_flags::<B, NoFlags>()
}

/// The CLI for bot `B` with flags `F` that set fields of its config.
pub fn main_with_flags<B: Bot, F: ConfigFlags<B::Config>>() -> ExitCode {
    let about = format!(
        "heapbound for the bot `{}`: proves it stays inside its memory budget (bounds, budgets, heap ceiling, leak slope, its invariants, teardown) on generated or recorded candles and its own actions",
        B::NAME
    );
    let matches = <Cli<F> as clap::CommandFactory>::command()
        .about(about)
        .get_matches();
    let cli = match <Cli<F> as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let filter = std::env::var("HEAPBOUND_LOG")
        .ok()
        .or_else(|| cli.log.clone())
        .unwrap_or_else(log::default_filter::<B>);
    if let Err(error) = log::init(&filter) {
        eprintln!("error: --log: {error}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Some(Command::Simulate(args)) => simulate::run::<B, F>(&args),
        Some(Command::Replay(args)) => replay::run::<B>(&args),
        Some(Command::Corpus(args)) => corpus::run::<B>(&args),
        Some(Command::Triage(args)) => triage::run::<B>(&args),
        Some(Command::Soak(args)) => soak::run::<B, F>(&args),
        Some(Command::Explore(args)) => explore::run::<B, F>(&args),
        Some(Command::Report(args)) => report::run(&args),
        None => simulate::run::<B, F>(&cli.simulate),
    };
    match result {
        Ok(Outcome::Pass) => ExitCode::SUCCESS,
        Ok(Outcome::Fail) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {}", error.message);
            ExitCode::from(2)
        }
    }
}
