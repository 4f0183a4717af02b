//! Structure-aware mutation of scenario bytes: whole steps inserted,
//! deleted, repeated, swapped, or given another verb with the same
//! arguments, so a mutation builds the sequences a deep defect needs
//! (`AddSession 7`, `Buy`, `RemoveSession 7`) instead of flipping bits
//! inside one step. Guided `explore` and the fuzz targets' custom mutator
//! (`libfuzzer_sys::fuzz_mutator!`) both use it.
//!
//! ```ignore
//! libfuzzer_sys::fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
//!     heapbound::harness::mutate_fuzz_input::<MyBot>(data, size, max_size, seed)
//! });
//! ```

use arbitrary::{Arbitrary, Unstructured};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::bot::Bot;

use super::scenario::{Step, SCENARIO_MAX_STEPS};

/// Scenario bytes cut where the decoder cuts them: the seed and config,
/// then one chunk per step. Joined back, they decode to the same scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepBytes {
    /// The seed's and the config's bytes.
    pub header: Vec<u8>,
    /// One chunk per step, in order.
    pub steps: Vec<Vec<u8>>,
}

impl StepBytes {
    /// Cuts fuzz input bytes of bot `B` (as
    /// [`Scenario::from_fuzz_bytes`](super::Scenario::from_fuzz_bytes)
    /// decodes them).
    pub fn split<B: Bot>(data: &[u8]) -> StepBytes {
        let mut header = Unstructured::new(data);
        let _ = u64::arbitrary(&mut header);
        let _ = B::Config::arbitrary(&mut header);
        let header_len = data.len() - header.len();
        let mut bytes = StepBytes {
            header: data[..header_len].to_vec(),
            steps: Vec::new(),
        };
        bytes.steps = split_steps::<B::Action>(&data[header_len..]);
        bytes
    }

    /// The bytes again.
    pub fn join(&self) -> Vec<u8> {
        let mut data = self.header.clone();
        for step in &self.steps {
            data.extend_from_slice(step);
        }
        data
    }

    /// Bytes in all.
    pub fn len(&self) -> usize {
        self.header.len() + self.steps.iter().map(Vec::len).sum::<usize>()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One chunk per step of `data`, each the bytes its step was decoded from
/// (a step whose type reads lengths from the end of the bytes gets the
/// front ones: its chunk then decodes to a different, still valid, step).
pub fn split_steps<A: for<'a> Arbitrary<'a>>(data: &[u8]) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    let mut offset = 0;
    while offset < data.len() && chunks.len() < SCENARIO_MAX_STEPS {
        let mut rest = Unstructured::new(&data[offset..]);
        if Step::<A>::arbitrary(&mut rest).is_err() {
            break;
        }
        let used = (data.len() - offset - rest.len()).max(1);
        chunks.push(data[offset..offset + used].to_vec());
        offset += used;
    }
    if offset < data.len() && chunks.len() < SCENARIO_MAX_STEPS {
        chunks.push(data[offset..].to_vec());
    }
    chunks
}

/// Applies one to four step-level mutations to `steps` (chunks of steps
/// of actions `A`), drawing from `rng`; `donor` (another input's steps)
/// feeds splices. Every chunk is then cut or padded to the bytes its step
/// decodes from, so one changed step never shifts the steps after it.
/// Never returns an empty list from a non-empty one.
pub fn mutate_steps<A: for<'a> Arbitrary<'a>>(
    steps: &mut Vec<Vec<u8>>,
    donor: &[Vec<u8>],
    rng: &mut impl RngCore,
) {
    let rounds = 1 + rng.next_u32() % 4;
    for _ in 0..rounds {
        mutate_once(steps, donor, rng);
    }
    steps.truncate(SCENARIO_MAX_STEPS);
    for step in steps.iter_mut() {
        fit_step::<A>(step);
    }
}

/// Cuts `chunk` to the bytes its step decodes from, or pads it with the
/// zeros the decoder would read past its end.
fn fit_step<A: for<'a> Arbitrary<'a>>(chunk: &mut Vec<u8>) {
    const ROOM: usize = 64;
    let len = chunk.len();
    chunk.resize(len + ROOM, 0);
    let mut data = Unstructured::new(chunk);
    let _ = Step::<A>::arbitrary(&mut data);
    let used = (len + ROOM - data.len()).max(1);
    chunk.truncate(used);
}

fn below(rng: &mut impl RngCore, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rng.next_u64() % n as u64) as usize
    }
}

/// A step's bytes drawn fresh: 4 to 16 random bytes (a verb and its
/// arguments).
fn fresh_step(rng: &mut impl RngCore) -> Vec<u8> {
    let mut step = vec![0; 4 + below(rng, 13)];
    rng.fill_bytes(&mut step);
    step
}

fn mutate_once(steps: &mut Vec<Vec<u8>>, donor: &[Vec<u8>], rng: &mut impl RngCore) {
    let n = steps.len();
    if n == 0 {
        steps.push(fresh_step(rng));
        return;
    }
    match rng.next_u32() % 11 {
        // A new step somewhere.
        0 | 1 => {
            let step = fresh_step(rng);
            steps.insert(below(rng, n + 1), step);
        }
        // A step gone.
        2 if n > 1 => {
            steps.remove(below(rng, n));
        }
        // A step again, later or earlier (a second fill, a refresh).
        3 => {
            let step = steps[below(rng, n)].clone();
            steps.insert(below(rng, n + 1), step);
        }
        // A run of steps repeated (switch away and back, again).
        4 => {
            let start = below(rng, n);
            let len = 1 + below(rng, (n - start).min(8));
            let times = 1 + below(rng, 4);
            let run: Vec<Vec<u8>> = steps[start..start + len].to_vec();
            let at = start + len;
            for _ in 0..times {
                steps.splice(at..at, run.iter().cloned());
            }
        }
        // Two steps swap places.
        5 => {
            let (a, b) = (below(rng, n), below(rng, n));
            steps.swap(a, b);
        }
        // Another verb, the same arguments: a step takes the leading bytes
        // (its kind and verb) of another, keeping its own after them.
        6 => {
            let (target, source) = (below(rng, n), below(rng, n));
            let step = with_verb_of(&steps[target], &steps[source], rng);
            steps[target] = step;
        }
        // The same, on a copy placed later: `AddSession 7` ... then
        // `RemoveSession 7`, an order on a session and then its end.
        7 => {
            let (original, source) = (below(rng, n), below(rng, n));
            let step = with_verb_of(&steps[original], &steps[source], rng);
            let at = original + 1 + below(rng, n - original);
            steps.insert(at, step);
        }
        // Steps from another input.
        8 if !donor.is_empty() => {
            let start = below(rng, donor.len());
            let len = 1 + below(rng, (donor.len() - start).min(8));
            let at = below(rng, n + 1);
            steps.splice(at..at, donor[start..start + len].iter().cloned());
        }
        // A small number in one step: 2 or 4 bytes after its verb zeroed
        // but one (a quantity the cash covers, an age the cache holds, a
        // count of zero), which a random byte rarely makes.
        9 => {
            let step = &mut steps[below(rng, n)];
            let width = if rng.next_u32() % 2 == 0 { 2 } else { 4 };
            if step.len() > 4 + width {
                let at = 4 + below(rng, step.len() - 4 - width + 1);
                step[at..at + width].fill(0);
                let small = at + below(rng, width);
                step[small] = (rng.next_u32() % 16) as u8;
            }
        }
        // A byte of one step changed (another amount, another id).
        _ => {
            let step = &mut steps[below(rng, n)];
            if step.is_empty() {
                step.push(rng.next_u32() as u8);
            } else {
                let at = below(rng, step.len());
                step[at] = rng.next_u32() as u8;
            }
        }
    }
}

/// `step` with the leading 4 or 8 bytes (the step's kind, the action's
/// verb) of `source`, its own bytes after them.
fn with_verb_of(step: &[u8], source: &[u8], rng: &mut impl RngCore) -> Vec<u8> {
    let prefix = if rng.next_u32() % 2 == 0 { 4 } else { 8 };
    let mut changed = step.to_vec();
    for (at, &byte) in source.iter().take(prefix).enumerate() {
        match changed.get_mut(at) {
            Some(slot) => *slot = byte,
            None => changed.push(byte),
        }
    }
    changed
}

/// libFuzzer's custom mutator for a fuzz target of bot `B`: mutates the
/// first `size` bytes of `data` step by step (header kept), writes at most
/// `max_size` bytes back, and returns the new size. Deterministic in
/// `seed`, as libFuzzer requires.
pub fn mutate_fuzz_input<B: Bot>(
    data: &mut [u8],
    size: usize,
    max_size: usize,
    seed: u32,
) -> usize {
    let size = size.min(data.len());
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
    let mut bytes = StepBytes::split::<B>(&data[..size]);
    mutate_steps::<B::Action>(&mut bytes.steps, &[], &mut rng);
    let joined = bytes.join();
    let len = joined.len().min(max_size).min(data.len());
    data[..len].copy_from_slice(&joined[..len]);
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::Scenario;
    use crate::paper::{PaperAction, PaperBot};

    fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
        bytes
    }

    #[test]
    fn split_and_join_give_back_the_bytes_and_one_chunk_per_step() {
        for seed in 0..50 {
            let data = random_bytes(seed, 16 + seed as usize * 37);
            let bytes = StepBytes::split::<PaperBot>(&data);
            assert_eq!(bytes.join(), data);
            let scenario = Scenario::<PaperBot>::from_fuzz_bytes(&data).unwrap();
            assert!(
                bytes.steps.len() == scenario.actions.len()
                    || bytes.steps.len() == scenario.actions.len() + 1,
                "seed {seed}: {} chunks for {} steps",
                bytes.steps.len(),
                scenario.actions.len()
            );
            // Each whole chunk decodes alone to the step it was cut for.
            for (chunk, step) in bytes.steps.iter().zip(&scenario.actions) {
                let alone = Step::<PaperAction>::arbitrary(&mut Unstructured::new(chunk)).unwrap();
                assert_eq!(&alone, step, "seed {seed}");
            }
        }
    }

    /// The first random chunk that decodes to a step `pick` accepts.
    fn chunk_where(pick: impl Fn(&Step<PaperAction>) -> bool) -> (Vec<u8>, Step<PaperAction>) {
        for seed in 0.. {
            let bytes = random_bytes(seed, 12);
            let mut data = Unstructured::new(&bytes);
            let step = Step::<PaperAction>::arbitrary(&mut data).unwrap();
            if pick(&step) {
                let used = bytes.len() - data.len();
                return (bytes[..used].to_vec(), step);
            }
        }
        unreachable!()
    }

    #[test]
    fn a_verb_swap_keeps_the_arguments() {
        // The remove takes the add's verb bytes and stays about its session.
        let (add, _) =
            chunk_where(|step| matches!(step, Step::Bot(PaperAction::AddSession { .. })));
        let (remove, removed) =
            chunk_where(|step| matches!(step, Step::Bot(PaperAction::RemoveSession { .. })));
        let Step::Bot(PaperAction::RemoveSession { id }) = removed else {
            unreachable!()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen_verb_swap = false;
        for _ in 0..2_000 {
            let mut steps = vec![add.clone(), remove.clone()];
            mutate_once(&mut steps, &[], &mut rng);
            for chunk in &steps {
                let step = Step::<PaperAction>::arbitrary(&mut Unstructured::new(chunk)).unwrap();
                if matches!(step, Step::Bot(PaperAction::AddSession { id: added, .. }) if added == id)
                {
                    seen_verb_swap = true;
                }
            }
        }
        assert!(
            seen_verb_swap,
            "no AddSession {{ id: {id} }} made from RemoveSession {id}"
        );
    }

    #[test]
    fn mutations_never_empty_a_scenario_and_respect_the_step_cap() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut steps = vec![fresh_step(&mut rng)];
        for _ in 0..5_000 {
            mutate_steps::<PaperAction>(&mut steps, &[], &mut rng);
            assert!(!steps.is_empty());
            assert!(steps.len() <= SCENARIO_MAX_STEPS);
        }
    }

    #[test]
    fn the_fuzz_mutator_stays_within_max_size_and_is_deterministic() {
        let data = random_bytes(4, 300);
        let run = |seed| {
            let mut buffer = data.clone();
            buffer.resize(400, 0);
            let len = mutate_fuzz_input::<PaperBot>(&mut buffer, 300, 400, seed);
            buffer.truncate(len);
            buffer
        };
        for seed in 0..100 {
            let once = run(seed);
            assert!(once.len() <= 400);
            assert_eq!(once, run(seed));
        }
    }
}
