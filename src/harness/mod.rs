//! The harness: one set of checks, called by every driver (simulate, soak,
//! fuzz targets, bolero tests, corpus replay).

mod action;
pub mod budget;
mod candles;
pub mod checks;
pub mod containers;
mod run;
mod scenario;
mod targets;
mod violation;

pub use action::{Action, CandleSpec, MAX_SPEC_PRICE};
pub use candles::{check_candles, CandlesInput};
pub use checks::{check_bot, Limits};
pub use run::{run, run_with, Outcome, RunOptions, StepTrace};
pub use scenario::{
    Scenario, ScenarioConfig, SCENARIO_MAX_ACTIONS, SCENARIO_MAX_BOUND, SCENARIO_MAX_CANDLES,
};
pub use targets::{env_prefix, fuzz_one, injected_leak, DecodeError, Input, Target};
pub use violation::{Invariant, Violation};
