//! `heapbound corpus`: writes seed inputs for every target from ChaCha seeds.

use std::path::PathBuf;

use clap::Args;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::bot::Bot;
use crate::targets::Builtin;

use super::files::write_atomically;
use super::input::{Input, SCENARIO_TARGET};
use super::{Outcome, UsageError};

/// `heapbound corpus`.
#[derive(Args, Clone, Debug)]
pub struct CorpusArgs {
    /// Folder that receives `<target>/seed-NNN` files.
    #[arg(long, default_value = "corpus")]
    pub out: PathBuf,
    /// Seed files per target.
    #[arg(long, default_value_t = 24)]
    pub per_target: u32,
    /// Only this target: a built-in one, or a name for the bot's
    /// scenarios (default: `actions` and every built-in target).
    #[arg(long)]
    pub target: Option<String>,
}

/// Fewest steps a seed must drive to be kept: a built-in target's
/// containers decode behind coin flips, so its random bytes mostly drive one
/// or two operations, which teaches the fuzzer little.
const MIN_SEED_STEPS: usize = 6;
/// ChaCha seeds tried per kept seed before giving up.
const TRIES_PER_SEED: u64 = 100_000;

/// The bytes drawn from ChaCha8 seed `seed` for `target`: a length growing
/// with the seed, so the corpus spans small and large inputs.
pub fn seed_bytes(target: &str, seed: u64) -> Vec<u8> {
    // Built-in targets keep the stream they always had; the bot's scenario
    // target is stream 0, as `actions` was.
    let stream = Builtin::from_name(target).map_or(0, |builtin| builtin as u64 + 1);
    let mut rng = ChaCha8Rng::seed_from_u64(stream << 48 | seed);
    let len = 48 + (seed as usize * 97) % 1_024;
    let mut bytes = vec![0; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Runs `corpus`: writes seeds that decode to at least a few steps and
/// pass; a seed that fails is reported and the run exits 1.
pub fn run<B: Bot>(args: &CorpusArgs) -> Result<Outcome, UsageError> {
    let targets: Vec<String> = match &args.target {
        Some(target) => vec![target.clone()],
        None => std::iter::once(SCENARIO_TARGET.to_string())
            .chain(
                Builtin::ALL
                    .iter()
                    .map(|builtin| builtin.name().to_string()),
            )
            .collect(),
    };
    let mut outcome = Outcome::Pass;
    for target in targets {
        let mut written = 0;
        let mut seed = 0u64;
        while written < args.per_target && seed < TRIES_PER_SEED * u64::from(args.per_target) {
            let bytes = seed_bytes(&target, seed);
            seed += 1;
            let Ok(input) = Input::<B>::from_fuzz_bytes(&target, &bytes) else {
                continue;
            };
            if input.steps() < MIN_SEED_STEPS {
                continue;
            }
            let path = args.out.join(&target).join(format!("seed-{written:03}"));
            match input.check(None, &mut |_| {}) {
                Ok(()) => {
                    write_atomically(&path, &bytes)?;
                    written += 1;
                }
                Err(failure) => {
                    eprintln!("chacha seed {seed} of {target}: {failure}");
                    outcome = Outcome::Fail;
                }
            }
        }
        eprintln!(
            "{target}: wrote {written} seeds to {}",
            args.out.join(&target).display()
        );
    }
    Ok(outcome)
}
