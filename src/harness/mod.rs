//! The harness: one set of checks, called by every driver (simulate, soak,
//! fuzz targets, bolero tests, corpus replay).

mod action;
pub mod budget;
pub mod checks;
mod run;
mod scenario;
mod violation;

pub use action::{Action, CandleSpec, MAX_SPEC_PRICE};
pub use checks::{check_bot, Limits};
pub use run::{run, run_with, Outcome, RunOptions, StepTrace};
pub use scenario::{Scenario, ScenarioConfig, SCENARIO_MAX_ACTIONS, SCENARIO_MAX_BOUND};
pub use violation::{Invariant, Violation};
