//! `heapbound replay`: decode a fuzz input or JSON scenario, show it, run it.

use std::path::{Path, PathBuf};

use clap::Args;

use heapbound::harness::{run_with, Input, RunOptions, Target};

use super::files::{read_file, write_atomically};
use super::{Outcome, UsageError};

/// `heapbound replay <file>`.
#[derive(Args, Clone, Debug)]
pub struct ReplayArgs {
    /// A raw fuzz input (from corpus/ or fuzz/artifacts/) or a JSON input.
    pub file: PathBuf,
    /// Target the raw bytes belong to; default: the folder name
    /// (corpus/<target>/, fuzz/artifacts/<target>/), else `actions`.
    #[arg(long, value_enum)]
    pub target: Option<Target>,
    /// Writes the decoded input as readable JSON here (for tests/regressions/).
    #[arg(long)]
    pub save_json: Option<PathBuf>,
    /// Print every step of an `actions` scenario, not only on failure.
    #[arg(long)]
    pub trace: bool,
}

fn target_from_path(path: &Path) -> Option<Target> {
    path.parent()?
        .file_name()?
        .to_str()
        .and_then(Target::from_name)
}

/// Decodes `bytes` read from `path`: JSON if it parses as an input, else raw
/// fuzz bytes of `target`.
pub fn decode(path: &Path, bytes: &[u8], target: Option<Target>) -> Result<Input, UsageError> {
    let name = path.display().to_string();
    let target = target.or_else(|| target_from_path(path));
    match serde_json::from_slice::<Input>(bytes) {
        Ok(input) => return Ok(input),
        // Text that opens like JSON, with no target to read it as raw bytes
        // instead, was meant as JSON: say why it is not an input.
        Err(error)
            if target.is_none()
                && bytes.first() == Some(&b'{')
                && std::str::from_utf8(bytes).is_ok() =>
        {
            return Err(UsageError::flag(
                &name,
                &format!("invalid JSON input: {error}"),
            ));
        }
        Err(_) => {}
    }
    Input::from_fuzz_bytes(target.unwrap_or(Target::Actions), bytes)
        .map_err(|error| UsageError::flag(&name, &error.to_string()))
}

/// Runs `replay`.
pub fn run(args: &ReplayArgs) -> Result<Outcome, UsageError> {
    let bytes = read_file(&args.file)?;
    let input = decode(&args.file, &bytes, args.target)?;
    let pretty = serde_json::to_string_pretty(&input).unwrap_or_default();
    eprintln!(
        "input ({} bytes, target {}):\n{pretty}",
        bytes.len(),
        input.target()
    );
    if let Some(path) = &args.save_json {
        write_atomically(path, (pretty + "\n").as_bytes())?;
        eprintln!("saved {}", path.display());
    }
    let reproduce = format!(
        "{}heapbound replay {} --target {}",
        heapbound::harness::env_prefix(),
        args.file.display(),
        input.target()
    );
    let result = match &input {
        Input::Actions(scenario) => {
            let mut lines = Vec::new();
            let options = RunOptions {
                defect: heapbound::harness::injected_leak().map(heapbound::bot::Defect::Leak),
                ..RunOptions::default()
            };
            let result = run_with(scenario, &options, &mut |step| {
                lines.push(format!(
                    "  step {:>4}  {:<60} heap {:>8} B  peak {:>8} B  fills {:>5}  candles {:>6}",
                    step.step,
                    step.action.to_string(),
                    step.heap.live_bytes,
                    step.heap.peak_bytes,
                    step.fills,
                    step.candles
                ));
            });
            if args.trace || result.is_err() {
                eprintln!("trace:");
                for line in &lines {
                    eprintln!("{line}");
                }
                if let Err(violation) = &result {
                    if let Some(step) = violation.step {
                        eprintln!(
                            "  step {step:>4}  {}  <- violation",
                            violation.action.as_deref().unwrap_or("")
                        );
                    }
                }
            }
            result.map(|_| ())
        }
        other => other.check(),
    };
    match result {
        Ok(()) => {
            println!("pass: every check held ({})", input.target());
            Ok(Outcome::Pass)
        }
        Err(violation) => {
            println!("{}", violation.reproduced_by(reproduce));
            Ok(Outcome::Fail)
        }
    }
}
