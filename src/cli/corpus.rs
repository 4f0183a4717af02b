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

/// The bytes of seed file `index` of `target`: ChaCha8 output of a length
/// growing with the index, so the corpus spans small and large inputs.
pub fn seed_bytes(target: Target, index: u32) -> Vec<u8> {
    let seed = (target as u64) << 32 | u64::from(index);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let len = 16 + (index as usize * 97) % 1_500;
    let mut bytes = vec![0; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Runs `corpus`: writes only seeds that decode and pass, and says so.
pub fn run(args: &CorpusArgs) -> Result<Outcome, UsageError> {
    let targets: Vec<Target> = match args.target {
        Some(target) => vec![target],
        None => Target::ALL.to_vec(),
    };
    let mut outcome = Outcome::Pass;
    for target in targets {
        let mut written = 0;
        for index in 0..args.per_target {
            let bytes = seed_bytes(target, index);
            let path = args
                .out
                .join(target.name())
                .join(format!("seed-{index:03}"));
            match Input::from_fuzz_bytes(target, &bytes).map(|input| input.check()) {
                Ok(Ok(())) => {
                    write_atomically(&path, &bytes)?;
                    written += 1;
                }
                Ok(Err(violation)) => {
                    eprintln!("{}: {violation}", path.display());
                    outcome = Outcome::Fail;
                }
                Err(error) => eprintln!("{}: skipped, {error}", path.display()),
            }
        }
        eprintln!(
            "{target}: wrote {written} seeds to {}",
            args.out.join(target.name()).display()
        );
    }
    Ok(outcome)
}
