//! Finding failures without libFuzzer: scenarios drawn from seeded bytes
//! through the same `Arbitrary` types, each played against a fresh bot,
//! and a failure shrunk to fewer steps and fewer candles.

use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::bot::Bot;

use super::play::check_scenario;
use super::scenario::{Scenario, Step, SCENARIO_MAX_STEPS};
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

/// A scenario of `config` with steps drawn from ChaCha8 seeded by `seed`;
/// the byte count varies with the seed so short and long scenarios mix.
pub fn draw_scenario<B: Bot>(config: &B::Config, seed: u64) -> Scenario<B> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let len = 64 + (rng.next_u64() % (16 * SCENARIO_MAX_STEPS as u64)) as usize;
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    // Step after step until the bytes run out (`arbitrary_iter` would stop
    // at the first "no more" coin flip: two steps on average).
    let mut data = Unstructured::new(&bytes);
    let mut actions = Vec::new();
    while !data.is_empty() && actions.len() < SCENARIO_MAX_STEPS {
        match Step::arbitrary(&mut data) {
            Ok(step) => actions.push(step),
            Err(_) => break,
        }
    }
    Scenario {
        seed,
        config: config.clone(),
        actions,
    }
}

/// Plays scenarios from seeds `first_seed..` until one fails or `time`
/// runs out; shrinks a failure within the same time again.
pub fn explore<B: Bot>(config: &B::Config, first_seed: u64, time: Duration) -> Exploration<B> {
    let deadline = Instant::now() + time;
    let mut scenarios = 0;
    let mut seed = first_seed;
    while Instant::now() < deadline {
        let scenario = draw_scenario::<B>(config, seed);
        seed += 1;
        scenarios += 1;
        if let Err(violation) = check_scenario(&scenario) {
            let steps = scenario.actions.len();
            let (shrunk, violation, runs) = shrink(scenario, violation, Instant::now() + time);
            return Exploration {
                scenarios,
                failure: Some((shrunk, violation)),
                steps_before_shrinking: steps,
                shrink_runs: runs,
            };
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
