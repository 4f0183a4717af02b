//! `heapbound replay`: decode a fuzz input or JSON scenario, show it, run it.

use std::path::PathBuf;

use clap::Args;

use crate::bot::Bot;
use crate::defects::LeakSpec;

use super::bot_args::ExecArgs;
use super::files::{read_file, write_atomically};
use super::input::{decode, Input};
use super::{Outcome, UsageError};

/// `heapbound replay <file>`.
#[derive(Args, Clone, Debug)]
pub struct ReplayArgs {
    /// A raw fuzz input (from corpus/ or fuzz/artifacts/) or a JSON input.
    pub file: PathBuf,
    /// Target the raw bytes belong to: a built-in target (candles,
    /// session_store, trade_history, ring_buffer, price_cache) or any other
    /// name for the bot's scenarios; default: the folder name
    /// (corpus/<target>/, fuzz/artifacts/<target>/).
    #[arg(long)]
    pub target: Option<String>,
    /// Writes the decoded input as readable JSON here (for tests/regressions/).
    #[arg(long)]
    pub save_json: Option<PathBuf>,
    /// Print every step of a scenario, not only on failure.
    #[arg(long)]
    pub trace: bool,
    /// Plant this leak in the bot (as the fuzz target's HEAPBOUND_INJECT did).
    #[arg(
        long,
        value_parser = LeakSpec::parse,
        value_name = "PATTERN[@COMPONENT]",
        conflicts_with = "exec"
    )]
    pub inject: Option<LeakSpec>,
    /// With --exec: the bot's config sent in `hello` (default: the scenario's).
    #[arg(long, value_name = "FILE|JSON", requires = "exec")]
    pub config: Option<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// `--inject <spec> ` for reproduction commands, when a leak is planted.
pub fn inject_flag(leak: Option<&LeakSpec>) -> String {
    leak.map(|leak| {
        let component = leak
            .component
            .as_deref()
            .map(|c| format!("@{c}"))
            .unwrap_or_default();
        format!(" --inject {}{component}", leak.pattern.name())
    })
    .unwrap_or_default()
}

/// The process config from the flags; the bot's own config from the
/// scenario when `--config` did not give one.
fn with_scenario_config<C: serde::Serialize + serde::de::DeserializeOwned + Clone>(
    flags: C,
    scenario: &C,
) -> C {
    let (Ok(mut flags_json), Ok(scenario_json)) =
        (serde_json::to_value(&flags), serde_json::to_value(scenario))
    else {
        return flags;
    };
    if flags_json["config"] == serde_json::json!({}) && !scenario_json["config"].is_null() {
        flags_json["config"] = scenario_json["config"].clone();
    }
    serde_json::from_value(flags_json).unwrap_or(flags)
}

/// Runs `replay`.
pub fn run<B: Bot>(args: &ReplayArgs) -> Result<Outcome, UsageError> {
    #[cfg(unix)]
    if let Some(external) = args.exec.external(args.config.as_deref())? {
        return replay::<crate::external::ExternalBot>(args, Some(external));
    }
    replay::<B>(args, None)
}

fn replay<B: Bot>(args: &ReplayArgs, config: Option<B::Config>) -> Result<Outcome, UsageError> {
    let bytes = read_file(&args.file)?;
    let mut input = decode::<B>(&args.file, &bytes, args.target.as_deref())?;
    if let (Some(config), Input::Scenario(_, scenario)) = (config, &mut input) {
        scenario.config = with_scenario_config(config, &scenario.config);
    }
    let pretty = input.to_json();
    eprintln!(
        "input ({} bytes, target {}):\n{pretty}",
        bytes.len(),
        input.target()
    );
    if let Some(path) = &args.save_json {
        write_atomically(path, (pretty + "\n").as_bytes())?;
        eprintln!("saved {}", path.display());
    }
    let exec = args.exec.flag();
    let reproduce = format!(
        "{} replay {}{}{}{exec}",
        super::program(),
        args.file.display(),
        super::input::target_flag(&args.file, &bytes, &input),
        inject_flag(args.inject.as_ref())
    );
    let mut lines = Vec::new();
    let result = input.check(args.inject.as_ref(), &mut |step| {
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
    let is_scenario = matches!(input, Input::Scenario(..));
    if is_scenario && (args.trace || result.is_err()) {
        eprintln!("trace:");
        for line in &lines {
            eprintln!("{line}");
        }
        if let Err(failure) = &result {
            for violation in failure.violations() {
                if let Some(step) = violation.step {
                    eprintln!(
                        "  step {step:>4}  {}  <- violation: {}",
                        violation.action.as_deref().unwrap_or(""),
                        violation.invariant.name()
                    );
                }
            }
        }
    }
    match result {
        Ok(()) => {
            println!("pass: every check held ({})", input.target());
            Ok(Outcome::Pass)
        }
        Err(failure) => {
            println!("{}", failure.reproduced_by(reproduce));
            Ok(Outcome::Fail)
        }
    }
}
