//! `heapbound explore`: scenarios drawn from seeded bytes against fresh
//! bots until one fails, then shrunk and saved as JSON for `replay`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::bot::Bot;
use crate::harness::explore::{explore_with, ExploreOptions, Guidance};

use super::bot_args::{dispatch, BotArgs, BotJob, ConfigFlags};
use super::files::write_atomically;
use super::{Outcome, UsageError};

/// `heapbound explore`.
#[derive(Args, Clone, Debug)]
pub struct ExploreArgs<F: Args> {
    /// How long to look (e.g. 60s, 5m, 90).
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub time: Duration,
    /// First seed of the scenarios drawn.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where a failing scenario is saved, shrunk, as JSON.
    #[arg(long, default_value = "heapbound-failure.json")]
    pub out: PathBuf,
    /// Draw every scenario fresh (random testing) instead of keeping those
    /// that showed new behaviour of the bot and mutating them step by step.
    #[arg(long)]
    pub unguided: bool,
    /// Bytes a fresh scenario is drawn from at most (about 10 per step).
    /// Default: 8256 (up to 512 steps), or 136 with --exec, where each
    /// step is a round trip to the bot process and a short scenario
    /// reaches a few-step defect in fewer scenarios as well.
    #[arg(long, value_name = "BYTES")]
    pub scenario_bytes: Option<usize>,
    /// The most candles one step of a scenario feeds (larger counts are
    /// lowered before the scenario runs, so the saved failure replays
    /// as it ran). Default: 255, or 8 with --exec, where candles and
    /// measuring the containers they fill take most of a scenario's time.
    #[arg(long, value_name = "N")]
    pub candles_per_step: Option<u8>,
    /// With short scenarios (--scenario-bytes, --candles-per-step), every
    /// N-th one, from the first, is drawn at full length (up to 512 steps
    /// of up to 255 candles), so growth that needs thousands of candles is
    /// met too; 0: never. Default: 256 with --exec, else 0 (every
    /// scenario is full length already).
    #[arg(long, value_name = "N")]
    pub full_length_every: Option<u64>,
    #[command(flatten)]
    pub bot: BotArgs<F>,
}

fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (examples: 60s, 5m, 90)"))?;
    let seconds = match unit {
        "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        _ => return Err(format!("{unit:?} is not a unit (s, m or h)")),
    };
    if seconds == 0 {
        return Err("must be at least 1s".to_string());
    }
    Ok(Duration::from_secs(seconds))
}

/// Runs `explore`.
pub fn run<B: Bot, F: ConfigFlags<B::Config>>(
    args: &ExploreArgs<F>,
) -> Result<Outcome, UsageError> {
    dispatch::<B, F>(&args.bot, &Job(args))
}

struct Job<'a, F: Args>(&'a ExploreArgs<F>);

impl<F: Args> BotJob for Job<'_, F> {
    fn run<B: Bot>(&self, config: &B::Config) -> Result<Outcome, UsageError> {
        explore_bot::<B>(self.0, config)
    }

    /// Thousands of short scenarios (starting a Python process takes
    /// longer than most of them), guided by new lines of the bot's code.
    fn explores(&self) -> bool {
        true
    }
}

fn explore_bot<B: Bot>(
    args: &ExploreArgs<impl Args>,
    config: &B::Config,
) -> Result<Outcome, UsageError> {
    // A config the bot refuses would make every scenario pass unplayed.
    // (A bot that panics while it is built is a finding: explore reports it.)
    if let Err(crate::harness::BuildError::Config(error)) =
        crate::harness::Run::<B>::new(config, &Default::default())
    {
        return Err(error.into());
    }
    let guidance = if args.unguided {
        Guidance::Unguided
    } else {
        Guidance::Behaviour
    };
    let defaults = if args.bot.exec.exec.is_some() {
        ExploreOptions::for_bot_processes()
    } else {
        ExploreOptions::default()
    };
    let options = defaults
        .guidance(guidance)
        .scenario_bytes(args.scenario_bytes.unwrap_or(defaults.scenario_bytes))
        .candles_per_step(args.candles_per_step.unwrap_or(defaults.candles_per_step))
        .full_length_every(args.full_length_every.unwrap_or(defaults.full_length_every));
    let found = explore_with::<B>(config, args.seed, args.time, &options);
    let Some((scenario, violation)) = found.failure else {
        println!(
            "pass: {} scenarios in {} s, every check held",
            found.scenarios,
            args.time.as_secs()
        );
        return Ok(Outcome::Pass);
    };
    let json = serde_json::to_string_pretty(&scenario).unwrap_or_default();
    write_atomically(&args.out, (json + "\n").as_bytes())?;
    let exec = args.bot.exec.flag();
    println!(
        "fail after {} scenarios; shrunk from {} to {} steps ({} candles) in {} runs",
        found.scenarios,
        found.steps_before_shrinking,
        scenario.actions.len(),
        scenario
            .actions
            .iter()
            .map(|step| match step {
                crate::harness::Step::Candles(n) => u64::from(*n),
                crate::harness::Step::Candle(_) | crate::harness::Step::Recorded(_) => 1,
                crate::harness::Step::Bot(_) => 0,
            })
            .sum::<u64>(),
        found.shrink_runs
    );
    println!(
        "{}",
        violation.reproduced_by(format!(
            "{} replay {}{exec}",
            super::program(),
            args.out.display()
        ))
    );
    Ok(Outcome::Fail)
}
