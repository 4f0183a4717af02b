//! The harness: one set of checks over any [`Bot`](crate::Bot), called by
//! every driver (simulate, soak, fuzz targets, bolero tests, corpus replay,
//! `prove`).

mod builtin;
mod candle_file;
mod candles;
pub mod checks;
pub mod containers;
mod corpus;
pub mod explore;
mod fuzz;
mod market;
mod panic;
mod play;
mod prove;
mod run;
mod scenario;
mod violation;

pub use builtin::{fuzz_builtin, Builtin, BuiltinInput, DecodeError};
pub use candle_file::{check_candle_file, CandleFileInput};
pub use candles::{check_candles, CandlesInput};
pub use checks::{Limits, BOT_OVERHEAD};
pub use corpus::{corpus_files, read_corpus};
pub use fuzz::{check_or_panic, fuzz, fuzz_with};
pub use market::Market;
pub use play::{check_scenario, check_scenario_with, Outcome, StepTrace};
pub(crate) use play::{component_names, leak_slope_violation};
pub use prove::{prove, Prove, ProveReport};
pub use run::{BuildError, Fed, Run, RunOptions};
pub use scenario::{
    CandleSpec, Scenario, Step, MAX_SPEC_PRICE, SCENARIO_MAX_CANDLES, SCENARIO_MAX_STEPS,
};
pub(crate) use violation::FirstOfEach;
pub use violation::{Amount, Failure, Invariant, Violation};
