//! The harness: one set of checks, called by every driver (simulate, soak,
//! fuzz targets, bolero tests, corpus replay).

pub mod budget;
pub mod checks;
mod violation;

pub use checks::{check_bot, Limits};
pub use violation::{Invariant, Violation};
