//! Finding failures without libFuzzer: scenarios drawn from seeded bytes
//! through the same `Arbitrary` types, each played against a fresh bot,
//! and a failure shrunk to fewer steps and fewer candles.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use arbitrary::Unstructured;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::bot::Bot;

use super::behaviour::Behaviour;
use super::mutate::{mutate_steps, split_steps};
use super::play::{check_scenario, check_scenario_with};
use super::run::RunOptions;
use super::scenario::{steps_until_empty, Scenario, Step, SCENARIO_MAX_STEPS};
use crate::violation::Failure;

/// What an exploration found.
pub struct Exploration<B: Bot> {
    /// Scenarios played.
    pub scenarios: u64,
    /// The first failure, shrunk, with its violations; `None` when every
    /// scenario passed.
    pub failure: Option<(Scenario<B>, Failure)>,
    /// Steps of the failing scenario before shrinking.
    pub steps_before_shrinking: usize,
    /// Scenarios played while shrinking.
    pub shrink_runs: u64,
}

/// Runs `f` with bot processes started fresh (no reuse across runs).
fn fresh<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(unix)]
    return crate::external::fresh_processes(f);
    #[cfg(not(unix))]
    f()
}

/// Bot processes reused on this thread so far (none without them).
fn processes_reused() -> u64 {
    #[cfg(unix)]
    return crate::external::processes_reused();
    #[cfg(not(unix))]
    0
}

/// Bytes a fresh scenario is drawn from at most, by default: enough for
/// [`SCENARIO_MAX_STEPS`] steps.
pub const DEFAULT_SCENARIO_BYTES: usize = 64 + 16 * SCENARIO_MAX_STEPS;

/// The bytes of scenario `seed`: drawn from ChaCha8, their count (below
/// `most`) varying with the seed so short and long scenarios mix.
fn draw_bytes(seed: u64, most: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let shortest = (most / 8).min(64);
    let len = shortest + (rng.next_u64() % (most - shortest).max(1) as u64) as usize;
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// A scenario of `config` with steps drawn from ChaCha8 seeded by `seed`;
/// the byte count varies with the seed so short and long scenarios mix.
pub fn draw_scenario<B: Bot>(config: &B::Config, seed: u64) -> Scenario<B> {
    Scenario {
        seed,
        config: config.clone(),
        actions: steps_until_empty(&mut Unstructured::new(&draw_bytes(
            seed,
            DEFAULT_SCENARIO_BYTES,
        ))),
    }
}

/// How [`explore_with`] picks the next scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Guidance {
    /// Each scenario drawn fresh from its seed: random testing.
    Unguided,
    /// Scenarios that showed new behaviour (a new state of the bot's
    /// components and activity after a step, or a new pair of consecutive
    /// states) are kept, and three scenarios in four are kept ones with
    /// whole steps inserted, deleted, repeated, swapped or given another
    /// verb ([`mutate`](super::mutate)): libFuzzer's loop, on what any bot
    /// reports, so it guides a bot process too.
    Behaviour,
}

/// How [`explore_with`] explores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExploreOptions {
    /// How the next scenario is picked.
    pub guidance: Guidance,
    /// Bytes a fresh scenario is drawn from at most (about 10 per step).
    /// Short scenarios suit a bot process, for which each step is a round
    /// trip: a defect a few steps deep is then met in fewer scenarios too.
    pub scenario_bytes: usize,
    /// The most candles one `Candles(n)` step feeds (a larger `n` is
    /// lowered to it before the scenario is played, so what is saved and
    /// replayed is what ran). 255, the default, changes nothing; a bot
    /// process spends most of a scenario on candles and on measuring the
    /// containers they fill.
    pub candles_per_step: u8,
    /// Every this many scenarios, from the first, one is drawn fresh at
    /// full length ([`DEFAULT_SCENARIO_BYTES`], up to 255 candles a step),
    /// so growth that needs thousands of candles is met even when the
    /// other scenarios are short. 0: never.
    pub full_length_every: u64,
}

impl Default for ExploreOptions {
    fn default() -> Self {
        ExploreOptions {
            guidance: Guidance::Behaviour,
            scenario_bytes: DEFAULT_SCENARIO_BYTES,
            candles_per_step: u8::MAX,
            full_length_every: 0,
        }
    }
}

impl ExploreOptions {
    /// The defaults for a bot process, for which each step is a round trip
    /// and candles and measuring the containers they fill are most of a
    /// scenario's time (measured on examples/python/deep_desk_bot.py):
    /// fresh scenarios of at most 136 bytes (about 13 steps: its defect in
    /// fewer scenarios, 2-3 times as many a second), at most 8 candles a
    /// step (its defect in a median 23.5 s, 69 s at 32), and one scenario
    /// in 256 at full length.
    pub fn for_bot_processes() -> Self {
        ExploreOptions {
            scenario_bytes: 136,
            candles_per_step: 8,
            full_length_every: 256,
            ..ExploreOptions::default()
        }
    }

    /// These options with `guidance`.
    pub fn guidance(self, guidance: Guidance) -> Self {
        ExploreOptions { guidance, ..self }
    }

    /// These options with at most `candles` candles per `Candles` step.
    pub fn candles_per_step(self, candles: u8) -> Self {
        ExploreOptions {
            candles_per_step: candles,
            ..self
        }
    }

    /// These options with a full-length scenario every `every` scenarios
    /// (0: never).
    pub fn full_length_every(self, every: u64) -> Self {
        ExploreOptions {
            full_length_every: every,
            ..self
        }
    }

    /// These options with fresh scenarios drawn from at most `bytes` bytes.
    pub fn scenario_bytes(self, bytes: usize) -> Self {
        ExploreOptions {
            scenario_bytes: bytes.max(1),
            ..self
        }
    }
}

/// Scenarios guided exploration keeps at most; a new one then replaces a
/// random one.
const KEPT_SCENARIOS: usize = 1_024;

/// A kept scenario: its generator seed and its steps' bytes.
struct Kept {
    seed: u64,
    steps: Vec<Vec<u8>>,
}

/// Guided exploration ([`Guidance::Behaviour`]) from seeds
/// `first_seed..` until a scenario fails or `time` runs out; shrinks a
/// failure within the same time again.
pub fn explore<B: Bot>(config: &B::Config, first_seed: u64, time: Duration) -> Exploration<B> {
    explore_with(config, first_seed, time, &ExploreOptions::default())
}

/// [`explore`] with its options chosen.
pub fn explore_with<B: Bot>(
    config: &B::Config,
    first_seed: u64,
    time: Duration,
    options: &ExploreOptions,
) -> Exploration<B> {
    let guidance = options.guidance;
    let deadline = Instant::now() + time;
    let mut scenarios = 0;
    let mut seed = first_seed;
    // Its own stream: the fresh scenarios are those of unguided runs.
    let mut rng = ChaCha8Rng::seed_from_u64(first_seed ^ 0x6775_6964_6564);
    let mut kept: Vec<Kept> = Vec::new();
    let mut seen = BTreeSet::new();
    while Instant::now() < deadline {
        let full_length =
            options.full_length_every != 0 && scenarios % options.full_length_every == 0;
        let mutate = guidance == Guidance::Behaviour
            && !kept.is_empty()
            && scenarios % 4 != 0
            && !full_length;
        // A mutated scenario comes as step chunks; a fresh one as bytes,
        // cut into chunks only if it is kept.
        let (scenario_seed, bytes, chunks) = if mutate {
            let parent = &kept[(rng.next_u64() % kept.len() as u64) as usize];
            let donor = &kept[(rng.next_u64() % kept.len() as u64) as usize];
            let mut steps = parent.steps.clone();
            mutate_steps::<B::Action>(&mut steps, &donor.steps, &mut rng);
            (parent.seed, steps.concat(), Some(steps))
        } else {
            seed += 1;
            let most = if full_length {
                DEFAULT_SCENARIO_BYTES
            } else {
                options.scenario_bytes
            };
            (seed - 1, draw_bytes(seed - 1, most), None)
        };
        let mut scenario = Scenario::<B> {
            seed: scenario_seed,
            config: config.clone(),
            actions: steps_until_empty(&mut Unstructured::new(&bytes)),
        };
        if !full_length {
            for step in &mut scenario.actions {
                if let Step::Candles(n) = step {
                    *n = (*n).min(options.candles_per_step);
                }
            }
        }
        scenarios += 1;
        let reused_before = processes_reused();
        let mut behaviour = Behaviour::default();
        let played = match guidance {
            Guidance::Unguided => check_scenario(&scenario),
            _ => check_scenario_with(&scenario, &RunOptions::default(), &mut |trace| {
                behaviour.step(trace.action, trace.bot)
            }),
        };
        if let Err(failure) = played {
            // Played in a reused bot process, it is played again in a fresh
            // one: what is saved must fail alone, not after what earlier
            // scenarios left in the process (module-level state survives
            // `reset`); one that passes there is not this scenario's. A
            // bot in this process plays once: a second play would miss
            // what the first left behind for good (a global cache).
            let confirmed = if processes_reused() > reused_before {
                fresh(|| check_scenario(&scenario))
            } else {
                Err(failure)
            };
            if let Err(violation) = confirmed {
                let steps = scenario.actions.len();
                let (shrunk, violation, runs) =
                    fresh(|| shrink(scenario, violation, Instant::now() + time));
                return Exploration {
                    scenarios,
                    failure: Some((shrunk, violation)),
                    steps_before_shrinking: steps,
                    shrink_runs: runs,
                };
            }
            continue;
        }
        let mut new = false;
        for feature in behaviour.features {
            new |= seen.insert(feature);
        }
        // A full-length scenario among short ones is there for growth over
        // many candles; kept, its long children would slow every mutation.
        if new && !(full_length && options.scenario_bytes < DEFAULT_SCENARIO_BYTES) {
            let candidate = Kept {
                seed: scenario_seed,
                steps: chunks.unwrap_or_else(|| split_steps::<B::Action>(&bytes)),
            };
            if kept.len() < KEPT_SCENARIOS {
                kept.push(candidate);
            } else {
                let slot = (rng.next_u64() % KEPT_SCENARIOS as u64) as usize;
                kept[slot] = candidate;
            }
        }
    }
    Exploration {
        scenarios,
        failure: None,
        steps_before_shrinking: 0,
        shrink_runs: 0,
    }
}

/// Whether `candidate` still fails the same way (its first violation of
/// the same invariant and component).
fn fails_alike<B: Bot>(candidate: &Scenario<B>, like: &Failure) -> Option<Failure> {
    let like = like.first();
    match check_scenario(candidate) {
        Err(failure)
            if failure.first().invariant == like.invariant
                && failure.first().component == like.component =>
        {
            Some(failure)
        }
        _ => None,
    }
}

/// Removes chunks of steps (halving the chunk size down to one step), then
/// lowers candle counts, keeping each change that still fails alike.
pub(crate) fn shrink<B: Bot>(
    mut scenario: Scenario<B>,
    mut violation: Failure,
    deadline: Instant,
) -> (Scenario<B>, Failure, u64) {
    let mut runs = 0;
    let mut chunk = scenario.actions.len().div_ceil(2).max(1);
    while chunk >= 1 && Instant::now() < deadline {
        let mut start = 0;
        while start < scenario.actions.len() && Instant::now() < deadline {
            let mut candidate = scenario.clone();
            let end = (start + chunk).min(candidate.actions.len());
            candidate.actions.drain(start..end);
            runs += 1;
            match fails_alike(&candidate, &violation) {
                Some(found) => {
                    scenario = candidate;
                    violation = found;
                }
                None => start += chunk,
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    for index in 0..scenario.actions.len() {
        while let Step::Candles(n) = scenario.actions[index] {
            if n <= 1 || Instant::now() >= deadline {
                break;
            }
            let mut candidate = scenario.clone();
            candidate.actions[index] = Step::Candles(n / 2);
            runs += 1;
            match fails_alike(&candidate, &violation) {
                Some(found) => {
                    scenario = candidate;
                    violation = found;
                }
                None => break,
            }
        }
    }
    (scenario, violation, runs)
}

impl<B: Bot> std::fmt::Debug for Exploration<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exploration")
            .field("scenarios", &self.scenarios)
            .field("failure", &self.failure)
            .field("steps_before_shrinking", &self.steps_before_shrinking)
            .field("shrink_runs", &self.shrink_runs)
            .finish()
    }
}
