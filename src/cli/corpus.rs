//! `heapbound corpus`: writes seed inputs for every target from ChaCha seeds.

use std::path::PathBuf;

use clap::Args;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use heapbound::harness::{Input, Target};

use super::files::write_atomically;
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
    /// Only this target.
    #[arg(long, value_enum)]
    pub target: Option<Target>,
}

/// Fewest steps a seed must drive to be kept: random bytes mostly decode to
/// one or two actions (each element is behind a coin flip), which teaches
/// the fuzzer little.
const MIN_SEED_STEPS: usize = 6;
/// ChaCha seeds tried per kept seed before giving up.
const TRIES_PER_SEED: u64 = 100_000;

/// The bytes drawn from ChaCha8 seed `seed` for `target`: a length growing
/// with the seed, so the corpus spans small and large inputs.
pub fn seed_bytes(target: Target, seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64((target as u64) << 48 | seed);
    let len = 48 + (seed as usize * 97) % 1_024;
    let mut bytes = vec![0; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Runs `corpus`: writes seeds that decode to at least a few steps and
/// pass; a seed that fails is reported and the run exits 1.
pub fn run(args: &CorpusArgs) -> Result<Outcome, UsageError> {
    let targets: Vec<Target> = match args.target {
        Some(target) => vec![target],
        None => Target::ALL.to_vec(),
    };
    let mut outcome = Outcome::Pass;
    for target in targets {
        let mut written = 0;
        let mut seed = 0u64;
        while written < args.per_target && seed < TRIES_PER_SEED * u64::from(args.per_target) {
            let bytes = seed_bytes(target, seed);
            seed += 1;
            let Ok(input) = Input::from_fuzz_bytes(target, &bytes) else {
                continue;
            };
            if input.steps() < MIN_SEED_STEPS {
                continue;
            }
            let path = args
                .out
                .join(target.name())
                .join(format!("seed-{written:03}"));
            match input.check() {
                Ok(()) => {
                    write_atomically(&path, &bytes)?;
                    written += 1;
                }
                Err(violation) => {
                    eprintln!("chacha seed {seed} of {target}: {violation}");
                    outcome = Outcome::Fail;
                }
            }
        }
        eprintln!(
            "{target}: wrote {written} seeds to {}",
            args.out.join(target.name()).display()
        );
    }
    Ok(outcome)
}
