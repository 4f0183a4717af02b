//! `heapbound corpus`: writes seed inputs for every target from ChaCha seeds.

use std::path::PathBuf;

use clap::Args;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::bot::Bot;
use crate::defects::LeakSpec;
use crate::targets::Builtin;

use super::files::write_atomically;
use super::input::{Input, SCENARIO_TARGET};
use super::replay::inject_flag;
use super::{program, Outcome, UsageError};

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
    /// scenarios (default: `actions` and every built-in target). A fuzz
    /// target of the bot's fixes configs as the bot's `fuzz_config` says.
    #[arg(long)]
    pub target: Option<String>,
    /// Folder that receives a seed that fails, as
    /// `<target>/crash-<SHA-1>` (where cargo-fuzz puts a crash, so
    /// `replay` reads it as an input of its folder's target).
    #[arg(long, default_value = "fuzz/artifacts")]
    pub failing: PathBuf,
    /// Plant this leak in the bot, as `replay --inject` does: its seeds
    /// fail and are saved under `--failing`.
    #[arg(long, value_parser = LeakSpec::parse, value_name = "PATTERN[@COMPONENT]")]
    pub inject: Option<LeakSpec>,
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

/// Runs `corpus`: for each target, writes seeds that decode to at least a
/// few steps and pass; a seed that fails is saved under `--failing` instead,
/// with the command that replays it, and the run exits 1.
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
        if seed_target::<B>(args, &target)? == Outcome::Fail {
            outcome = Outcome::Fail;
        }
    }
    Ok(outcome)
}

/// Tries ChaCha seeds for `target` in order until `--per-target` of them
/// are written: to the corpus if they pass, to `--failing` if they fail.
fn seed_target<B: Bot>(args: &CorpusArgs, target: &str) -> Result<Outcome, UsageError> {
    let (mut passing, mut failing) = (0, 0);
    let tries = TRIES_PER_SEED * u64::from(args.per_target);
    for chacha_seed in 0..tries {
        if passing + failing == args.per_target {
            break;
        }
        let bytes = seed_bytes(target, chacha_seed);
        let Ok(input) = Input::<B>::from_fuzz_bytes(target, &bytes) else {
            continue;
        };
        if input.steps() < MIN_SEED_STEPS {
            continue;
        }
        match input.check(args.inject.as_ref(), &mut |_| {}) {
            Ok(()) => {
                let path = args.out.join(target).join(format!("seed-{passing:03}"));
                write_atomically(&path, &bytes)?;
                passing += 1;
            }
            Err(failure) => {
                let digest = sha1_smol::Sha1::from(&bytes).digest();
                let path = args.failing.join(target).join(format!("crash-{digest}"));
                write_atomically(&path, &bytes)?;
                let failure = failure.reproduced_by(format!(
                    "{} replay {}{}",
                    program(),
                    path.display(),
                    inject_flag(args.inject.as_ref())
                ));
                eprintln!("chacha seed {chacha_seed} of {target} fails: {failure}");
                failing += 1;
            }
        }
    }
    eprintln!(
        "{target}: wrote {passing} seeds to {}",
        args.out.join(target).display()
    );
    if failing > 0 {
        eprintln!(
            "{target}: saved {failing} failing seeds to {}",
            args.failing.join(target).display()
        );
    }
    Ok(if failing > 0 {
        Outcome::Fail
    } else {
        Outcome::Pass
    })
}
