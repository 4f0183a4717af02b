//! The flight recorder: the bot's recent inputs in rings of fixed size,
//! written on demand as a scenario `heapbound replay` runs.

use std::collections::VecDeque;
use std::path::Path;

use crate::bot::Bot;
use crate::harness::{Scenario, Step};
use crate::market::Candle;

/// The bot's recent inputs: the last `capacity` candles exactly as they
/// came, and the last `capacity / 4` actions (at least one) as the bot's own
/// serde type. Its memory is fixed at construction: both rings are
/// allocated once and never grow.
///
/// Candles and actions sit in rings of their own, so recording a candle is
/// one 48-byte copy (a slice copy for a batch), with no enum to build and
/// no branch on what the slot held: a fast bot's step costs about that
/// much. Each action remembers how many candles came before it, which puts
/// it back in its place in a dump.
pub struct FlightRecorder<A> {
    /// Written at `next_candle` once full; in order up to then.
    candles: Vec<Candle>,
    capacity: usize,
    next_candle: usize,
    /// Candles recorded in all, including those the ring dropped.
    candles_seen: u64,
    /// `(candles before it, action)`, oldest first.
    actions: VecDeque<(u64, A)>,
    action_capacity: usize,
    /// Candles before the newest action the ring dropped, if any: a dump
    /// starts after it, so it never holds a stretch with an action missing.
    dropped_action_at: Option<u64>,
    actions_seen: u64,
}

impl<A: Clone> FlightRecorder<A> {
    /// A recorder of the last `capacity` candles (at least one) and the
    /// last `capacity / 4` actions (at least one).
    pub fn new(capacity: usize) -> FlightRecorder<A> {
        let capacity = capacity.max(1);
        let action_capacity = (capacity / 4).max(1);
        FlightRecorder {
            candles: Vec::with_capacity(capacity),
            capacity,
            next_candle: 0,
            candles_seen: 0,
            actions: VecDeque::with_capacity(action_capacity),
            action_capacity,
            dropped_action_at: None,
            actions_seen: 0,
        }
    }

    /// Records a candle.
    #[inline]
    pub fn candle(&mut self, candle: &Candle) {
        self.candles(std::slice::from_ref(candle));
    }

    /// Records candles that came in this order, with at most two slice
    /// copies.
    #[inline]
    pub fn candles(&mut self, mut batch: &[Candle]) {
        self.candles_seen += batch.len() as u64;
        if batch.len() > self.capacity {
            batch = &batch[batch.len() - self.capacity..];
        }
        // Filling: append what fits.
        let room = self.capacity - self.candles.len();
        if room > 0 {
            let (appended, rest) = batch.split_at(room.min(batch.len()));
            self.candles.extend_from_slice(appended);
            batch = rest;
        }
        // Full: overwrite the oldest, wrapping at most once.
        while !batch.is_empty() {
            let end = (self.next_candle + batch.len()).min(self.capacity);
            let (here, rest) = batch.split_at(end - self.next_candle);
            self.candles[self.next_candle..end].copy_from_slice(here);
            self.next_candle = end % self.capacity;
            batch = rest;
        }
    }

    /// Records an action, after the candles recorded so far.
    pub fn action(&mut self, action: &A) {
        if self.actions.len() == self.action_capacity {
            if let Some((at, _)) = self.actions.pop_front() {
                self.dropped_action_at = Some(at);
            }
        }
        self.actions.push_back((self.candles_seen, action.clone()));
        self.actions_seen += 1;
    }

    /// Inputs held now.
    pub fn len(&self) -> usize {
        self.candles.len() + self.actions.len()
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inputs recorded since it started, including those it dropped.
    pub fn recorded(&self) -> u64 {
        self.candles_seen + self.actions_seen
    }

    /// The most candles it holds (it holds a quarter as many actions).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The held candles, oldest first.
    fn held_candles(&self) -> impl Iterator<Item = &Candle> {
        let (newer, older) = self.candles.split_at(self.next_candle);
        older.iter().chain(newer)
    }

    /// The longest stretch of recent inputs the rings hold whole, in the
    /// order they came: from the oldest held candle, or from just after
    /// the newest dropped action if that is later.
    fn steps(&self) -> Vec<Step<A>> {
        let oldest_candle = self.candles_seen - self.candles.len() as u64;
        let start = match self.dropped_action_at {
            Some(at) => oldest_candle.max(at + 1),
            None => oldest_candle,
        };
        let mut actions = self
            .actions
            .iter()
            .filter(|(at, _)| *at >= start)
            .peekable();
        let mut steps = Vec::with_capacity(self.len());
        for (index, candle) in (oldest_candle..).zip(self.held_candles()) {
            while let Some((_, action)) = actions.next_if(|(at, _)| *at <= index) {
                steps.push(Step::Bot(action.clone()));
            }
            if index >= start {
                steps.push(Step::Recorded(*candle));
            }
        }
        steps.extend(actions.map(|(_, action)| Step::Bot(action.clone())));
        steps
    }

    /// The held inputs as a scenario for a fresh bot built from `config`.
    pub fn scenario<B: Bot<Action = A>>(&self, config: &B::Config) -> Scenario<B> {
        Scenario {
            seed: 0,
            config: config.clone(),
            actions: self.steps(),
        }
    }

    /// Writes the held inputs with `config` as scenario JSON at `path`,
    /// whole or not at all (a temporary file renamed into place), for
    /// `heapbound replay PATH`. A replay starts a fresh bot: growth that
    /// needs more history than the rings hold replays smaller.
    pub fn dump<B: Bot<Action = A>>(&self, config: &B::Config, path: &Path) -> std::io::Result<()> {
        let mut json = serde_json::to_vec_pretty(&self.scenario::<B>(config))
            .map_err(std::io::Error::other)?;
        json.push(b'\n');
        crate::write::write_whole(path, &json)
    }
}

impl<A> std::fmt::Debug for FlightRecorder<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightRecorder")
            .field("candles", &self.candles.len())
            .field("actions", &self.actions.len())
            .field("capacity", &self.capacity)
            .field("recorded", &(self.candles_seen + self.actions_seen))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::CandleGenerator;

    /// A step's identity: a candle by its time, an action by its value.
    fn shape(steps: &[Step<u32>]) -> Vec<i64> {
        steps
            .iter()
            .map(|step| match step {
                Step::Recorded(candle) => candle.open_time(),
                Step::Bot(action) => -i64::from(*action) - 1,
                other => panic!("a recorder holds no {other}"),
            })
            .collect()
    }

    /// The inputs as they came, as `shape` writes them.
    fn fed(recorder: &mut FlightRecorder<u32>, inputs: &[Result<Candle, u32>]) -> Vec<i64> {
        for input in inputs {
            match input {
                Ok(candle) => recorder.candle(candle),
                Err(action) => recorder.action(action),
            }
        }
        inputs
            .iter()
            .map(|input| match input {
                Ok(candle) => candle.open_time(),
                Err(action) => -i64::from(*action) - 1,
            })
            .collect()
    }

    fn candles(n: usize) -> Vec<Candle> {
        CandleGenerator::new(7).take(n).collect()
    }

    #[test]
    fn a_dump_is_the_newest_stretch_it_holds_whole() {
        let market = candles(40);
        // Three actions per ten candles; 16 candles and 4 actions held.
        let mut inputs = Vec::new();
        for (i, candle) in market.iter().enumerate() {
            inputs.push(Ok(*candle));
            if i % 10 < 3 {
                inputs.push(Err(i as u32));
            }
        }
        let mut recorder = FlightRecorder::new(16);
        let all = fed(&mut recorder, &inputs);
        let dumped = shape(&recorder.steps());
        assert!(
            all.ends_with(&dumped),
            "{dumped:?} is not a suffix of {all:?}"
        );
        // Candles 24..40 are held; of the actions held (after candles 22,
        // 30, 31, 32), the one after 22 came before them.
        assert_eq!(dumped.first(), Some(&market[24].open_time()));
        assert_eq!(dumped.len(), 16 + 3);
        assert_eq!(recorder.recorded(), 40 + 12);
    }

    #[test]
    fn when_actions_overflow_first_the_dump_starts_after_the_last_dropped_one() {
        let market = candles(40);
        let mut inputs = Vec::new();
        for (i, candle) in market.iter().enumerate() {
            inputs.push(Ok(*candle));
            inputs.extend([Err(2 * i as u32), Err(2 * i as u32 + 1)]);
        }
        let mut recorder = FlightRecorder::new(16);
        let all = fed(&mut recorder, &inputs);
        let dumped = shape(&recorder.steps());
        // Four actions held: the two after candle 38 and the two after 39.
        assert_eq!(dumped, all[all.len() - 5..]);
    }

    #[test]
    fn candles_alone_keep_the_last_capacity_in_order_however_they_are_batched() {
        let market = candles(100);
        for batch in [1, 3, 16, 17, 100] {
            let mut recorder = FlightRecorder::<u32>::new(16);
            for chunk in market.chunks(batch) {
                recorder.candles(chunk);
            }
            let kept: Vec<i64> = market[84..].iter().map(Candle::open_time).collect();
            assert_eq!(shape(&recorder.steps()), kept, "batches of {batch}");
        }
    }

    #[test]
    fn before_it_is_full_it_holds_everything() {
        let market = candles(5);
        let mut recorder = FlightRecorder::new(16);
        let inputs = [
            Err(9),
            Ok(market[0]),
            Ok(market[1]),
            Err(8),
            Err(7),
            Ok(market[2]),
            Err(6),
        ];
        let all = fed(&mut recorder, &inputs);
        assert_eq!(shape(&recorder.steps()), all);
    }
}
