//! The harness: one set of checks over any [`Bot`](crate::Bot), called by
//! every driver (simulate, soak, fuzz targets, bolero tests, corpus replay,
//! `prove`).

mod behaviour;
pub mod checks;
pub mod explore;
mod fuzz;
mod market;
pub mod mutate;
mod panic;
mod play;
mod run;
mod scenario;

pub(crate) use crate::violation::FirstOfEach;
pub use crate::violation::{Amount, Failure, Invariant, Violation};
pub use checks::{Limits, BOT_OVERHEAD};
pub use fuzz::{
    check_or_panic, check_or_panic_with, check_or_save, crash_file, fuzz, fuzz_with, DEFAULT_REPLAY,
};
pub use market::Market;
pub use play::{check_scenario, check_scenario_with, BotState, Outcome, StepTrace};
pub(crate) use play::{component_names, leak_slope_violation};
pub use run::{BuildError, Fed, Run, RunOptions};
pub use scenario::{
    CandleSpec, Scenario, Step, MAX_SPEC_PRICE, SCENARIO_MAX_CANDLES, SCENARIO_MAX_STEPS,
};
