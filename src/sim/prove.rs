//! `prove`: the test helper. Runs a bot over many seeds, long candle runs
//! and random action scenarios, with every check, and panics with the
//! violation and the command that replays it.

use std::ops::Range;
use std::path::PathBuf;

use crate::bot::Bot;
use crate::harness::explore::draw_scenario;
use crate::harness::{check_scenario, Scenario};
use crate::market::CandleGenerator;
use crate::violation::{Failure, Invariant, Violation};

use super::{simulate, SimOptions, SimReport};

/// Starts proving `B` built from `config`:
///
/// ```
/// # #[global_allocator]
/// # static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();
/// use heapbound::paper::{BotConfig, PaperBot};
/// let report = heapbound::prove::<PaperBot>(BotConfig::default())
///     .seeds(0..2)
///     .candles(50_000)
///     .run();
/// assert_eq!(report.runs.len(), 2);
/// ```
///
/// Each seed runs `candles` generated candles through `simulate` (bounds,
/// budgets, ceiling, invariants, leak slope, teardown) and one scenario of
/// random actions drawn from the seed with this config (every check after
/// every action). Every run gets its own allocation group, so tests that
/// call `prove` run in parallel without seeing each other's bytes.
pub fn prove<B: Bot>(config: B::Config) -> Prove<B> {
    Prove {
        config,
        seeds: 0..4,
        candles: 200_000,
        heap_ceiling: None,
        leak_budget: None,
        scenarios: true,
        require_exercised: false,
        replay_command: "cargo run --release --features cli --bin heapbound --".to_string(),
    }
}

/// A proof being set up; [`Prove::run`] runs it.
pub struct Prove<B: Bot> {
    config: B::Config,
    seeds: Range<u64>,
    candles: u64,
    heap_ceiling: Option<u64>,
    leak_budget: Option<u64>,
    scenarios: bool,
    require_exercised: bool,
    replay_command: String,
}

/// What a passing proof ran.
#[derive(Debug)]
#[non_exhaustive]
pub struct ProveReport {
    /// One simulation report per seed.
    pub runs: Vec<SimReport>,
    /// Action scenarios played (steps summed).
    pub scenario_steps: u64,
}

impl ProveReport {
    /// Components no seed filled to their bound, with the most entries any
    /// seed reached: the proof says nothing about them full.
    pub fn not_exercised(&self) -> Vec<(String, usize, usize)> {
        let Some(first) = self.runs.first() else {
            return Vec::new();
        };
        first
            .components
            .iter()
            .filter(|(_, component)| component.bound != usize::MAX)
            .filter_map(|(name, component)| {
                let most = self
                    .runs
                    .iter()
                    .filter_map(|run| run.components.get(name))
                    .map(|c| c.max_len)
                    .max()
                    .unwrap_or(0);
                (most < component.bound).then(|| (name.clone(), most, component.bound))
            })
            .collect()
    }
}

impl<B: Bot> Prove<B> {
    /// Seeds of the candle generator (default `0..4`).
    pub fn seeds(mut self, seeds: Range<u64>) -> Self {
        self.seeds = seeds;
        self
    }

    /// Candles per seed (default 200,000).
    pub fn candles(mut self, candles: u64) -> Self {
        self.candles = candles.max(1);
        self
    }

    /// A heap ceiling instead of the sum of the bot's budgets.
    pub fn heap_ceiling(mut self, bytes: u64) -> Self {
        self.heap_ceiling = Some(bytes);
        self
    }

    /// Growth a year of 1-minute candles may add before a seed's
    /// simulation is a leak (default [`crate::leak::DEFAULT_LEAK_BUDGET_BYTES`],
    /// or [`crate::leak::DEFAULT_REPORTED_LEAK_BUDGET_BYTES`] for a heap the
    /// bot reports; see README, "What counts as a leak"). The action
    /// scenarios keep the default, so `replay` of a saved scenario gives
    /// the same verdict.
    pub fn leak_budget(mut self, bytes: u64) -> Self {
        self.leak_budget = Some(bytes);
        self
    }

    /// Fail the proof when no seed filled some component to its bound
    /// (default off: a correct bot may fill slowly; see
    /// [`ProveReport::not_exercised`]).
    pub fn require_exercised(mut self, on: bool) -> Self {
        self.require_exercised = on;
        self
    }

    /// Whether to play a random action scenario per seed (default on).
    pub fn scenarios(mut self, on: bool) -> Self {
        self.scenarios = on;
        self
    }

    /// The command that runs your bot's heapbound CLI, for the replay
    /// line of a failure (default `cargo run --release --features cli --bin
    /// heapbound --`: the binary README's "Prove your own bot" sets up).
    pub fn replay_command(mut self, command: impl Into<String>) -> Self {
        self.replay_command = command.into();
        self
    }

    /// Runs every seed; returns the reports, or panics with the first
    /// violation and the command that reproduces it.
    #[track_caller]
    pub fn run(self) -> ProveReport {
        match self.try_run() {
            Ok(report) => report,
            Err(violation) => panic!("heapbound::prove::<{}>: {violation}", B::NAME),
        }
    }

    /// Like [`Prove::run`], returning the failure instead of panicking.
    pub fn try_run(self) -> Result<ProveReport, Failure> {
        let config_json = serde_json::to_string(&self.config).unwrap_or_default();
        let mut runs = Vec::new();
        let mut scenario_steps = 0;
        for seed in self.seeds.clone() {
            let options = SimOptions {
                seed: Some(seed),
                candles: self.candles,
                heap_ceiling: self.heap_ceiling,
                leak_budget_bytes: self.leak_budget,
                ..SimOptions::default()
            };
            let report = simulate::<B>(
                &options,
                &self.config,
                CandleGenerator::new(seed),
                &mut |_| {},
            )
            .map_err(|error| {
                Failure::one(
                    Violation::domain("invalid-config", 1, 0, "configs")
                        .at_step(0, Some(error.to_string())),
                )
            })?;
            if let Some(failure) = Failure::of(report.broken.clone()) {
                let ceiling = self
                    .heap_ceiling
                    .map(|bytes| format!(" --heap-ceiling {bytes}"))
                    .unwrap_or_default();
                let budget = self
                    .leak_budget
                    .map(|bytes| format!(" --leak-budget {bytes}"))
                    .unwrap_or_default();
                return Err(failure.reproduced_by(format!(
                    "{} simulate --seed {seed} --candles {}{ceiling}{budget} --config '{config_json}'",
                    self.replay_command, self.candles
                )));
            }
            runs.push(report);
            if self.scenarios {
                let scenario = draw_scenario::<B>(&self.config, seed);
                scenario_steps += scenario.actions.len() as u64;
                if let Err(failure) = check_scenario(&scenario) {
                    let path = save_failure::<B>(&scenario, seed);
                    return Err(failure.reproduced_by(format!(
                        "{} replay {}",
                        self.replay_command,
                        path.display()
                    )));
                }
            }
        }
        let report = ProveReport {
            runs,
            scenario_steps,
        };
        let missed = report.not_exercised();
        if self.require_exercised && !missed.is_empty() {
            let violations = missed
                .into_iter()
                .map(|(name, most, bound)| {
                    Violation::new(
                        Invariant::NotExercised,
                        most as u64,
                        bound as u64,
                        "entries reached",
                    )
                    .in_component(&name)
                })
                .collect();
            if let Some(failure) = Failure::of(violations) {
                return Err(failure.reproduced_by(format!(
                    "{} simulate --seed {} --candles {} --config '{config_json}'",
                    self.replay_command, self.seeds.start, self.candles
                )));
            }
        }
        Ok(report)
    }
}

/// Writes a failing scenario as JSON where `replay` reads it.
fn save_failure<B: Bot>(scenario: &Scenario<B>, seed: u64) -> PathBuf {
    let dir = std::env::temp_dir().join("heapbound");
    let path = dir.join(format!("{}-seed-{seed}.json", B::NAME));
    let json = serde_json::to_string_pretty(scenario).unwrap_or_default();
    let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, json + "\n"));
    path
}

impl<B: Bot> std::fmt::Debug for Prove<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prove")
            .field("config", &self.config)
            .field("seeds", &self.seeds)
            .field("candles", &self.candles)
            .field("heap_ceiling", &self.heap_ceiling)
            .field("leak_budget", &self.leak_budget)
            .field("scenarios", &self.scenarios)
            .finish_non_exhaustive()
    }
}
