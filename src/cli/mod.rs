//! The command line: one module per subcommand.

mod corpus;
mod files;
mod plot;
mod replay;
mod simulate;
mod soak;
mod source;
mod triage;
mod units;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// heapbound: proves a long-running trading bot stays inside its memory budget.
#[derive(Parser, Debug)]
#[command(
    name = "heapbound",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Log level on stderr: error, warn, info, debug (debug shows the memory
    /// line of every periodic cleanup), trace. Also HEAPBOUND_LOG.
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Option<Command>,
    /// Without a subcommand, `simulate` runs with these flags.
    #[command(flatten)]
    simulate: simulate::SimulateArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the bot over generated candles and report heap, bounds and verdict
    /// (the default when no subcommand is given).
    Simulate(simulate::SimulateArgs),
    /// Decode a fuzz input (raw bytes or JSON), print it, run its checks;
    /// exit 1 with the step trace and the violation when one breaks.
    Replay(replay::ReplayArgs),
    /// Write seed inputs for every fuzz target from ChaCha seeds.
    Corpus(corpus::CorpusArgs),
    /// Run many seeds for a long time with checkpoints, a plot and alerts.
    Soak(soak::SoakArgs),
    /// Replay every input in a folder, group failures by violation, and
    /// print one reproduction command per group.
    Triage(triage::TriageArgs),
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
#[derive(Debug)]
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
}

impl UsageError {
    /// The message, without the `error:` prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Parses the command line, runs it and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = std::env::var("HEAPBOUND_LOG").unwrap_or_else(|_| cli.log.clone());
    match tracing_subscriber::EnvFilter::try_new(&filter) {
        Ok(filter) => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(filter)
            .init(),
        Err(error) => {
            eprintln!("error: --log: {error}");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Some(Command::Simulate(args)) => simulate::run(&args),
        Some(Command::Replay(args)) => replay::run(&args),
        Some(Command::Corpus(args)) => corpus::run(&args),
        Some(Command::Triage(args)) => triage::run(&args),
        Some(Command::Soak(args)) => soak::run(&args),
        None => simulate::run(&cli.simulate),
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
