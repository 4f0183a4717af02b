//! The flight recorder: the bot's recent inputs in a ring of fixed size,
//! written on demand as a scenario `heapbound replay` runs.

use std::collections::VecDeque;
use std::io::Write as _;
use std::path::Path;

use crate::bot::Bot;
use crate::harness::{Scenario, Step};
use crate::market::Candle;

/// The last `capacity` inputs (candles exactly as they came, and the bot's
/// actions as its own serde type). Its memory is fixed at construction:
/// the ring is allocated once and never grows.
pub struct FlightRecorder<A> {
    ring: VecDeque<Step<A>>,
    capacity: usize,
    /// Inputs recorded in all, including those the ring dropped.
    recorded: u64,
}

impl<A: Clone> FlightRecorder<A> {
    /// A recorder of the last `capacity` inputs (at least one).
    pub fn new(capacity: usize) -> FlightRecorder<A> {
        let capacity = capacity.max(1);
        FlightRecorder {
            ring: VecDeque::with_capacity(capacity),
            capacity,
            recorded: 0,
        }
    }

    /// Records a candle.
    pub fn candle(&mut self, candle: &Candle) {
        self.push(Step::Recorded(*candle));
    }

    /// Records an action.
    pub fn action(&mut self, action: &A) {
        self.push(Step::Bot(action.clone()));
    }

    fn push(&mut self, step: Step<A>) {
        if self.ring.len() == self.capacity {
            self.ring.pop_front();
        }
        self.ring.push_back(step);
        self.recorded += 1;
    }

    /// Inputs held now.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// Inputs recorded since it started, including those it dropped.
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// The most inputs it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The held inputs as a scenario for a fresh bot built from `config`.
    pub fn scenario<B: Bot<Action = A>>(&self, config: &B::Config) -> Scenario<B> {
        Scenario {
            seed: 0,
            config: config.clone(),
            actions: self.ring.iter().cloned().collect(),
        }
    }

    /// Writes the held inputs with `config` as scenario JSON at `path`,
    /// whole or not at all (a temporary file renamed into place), for
    /// `heapbound replay PATH`. A replay starts a fresh bot: growth that
    /// needs more history than the ring holds replays smaller.
    pub fn dump<B: Bot<Action = A>>(&self, config: &B::Config, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(&self.scenario::<B>(config))
            .map_err(std::io::Error::other)?;
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".partial");
        let temporary = std::path::PathBuf::from(temporary);
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(&json)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    }
}

impl<A> std::fmt::Debug for FlightRecorder<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightRecorder")
            .field("len", &self.ring.len())
            .field("capacity", &self.capacity)
            .field("recorded", &self.recorded)
            .finish()
    }
}
