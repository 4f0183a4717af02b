//! What a bot did at a step, as a number: the signal guided `explore`
//! keeps a scenario for when it shows something new, as libFuzzer keeps an
//! input that covers a new edge. It reads only what every bot reports (its
//! components and activity), so it guides a bot process (`--exec`) as well
//! as a Rust bot.

use std::hash::{DefaultHasher, Hash, Hasher};

use crate::bot::Activity;

use super::play::BotState;
use super::scenario::Step;

/// Behaviour seen over a scenario: each step's state, and each pair of
/// consecutive states (so a new order of known states also counts).
#[derive(Debug, Default)]
pub struct Behaviour {
    previous: u64,
    before: Option<Activity>,
    /// Features in the order they were seen.
    pub features: Vec<u64>,
}

impl Behaviour {
    /// Records what `action` left the bot in: the lines of its code it ran
    /// for the first time, when the bot reports coverage; otherwise its
    /// state (components and activity) and the pair of this state and the
    /// last.
    pub fn step<A>(&mut self, action: &Step<A>, bot: &dyn BotState) {
        let features = &mut self.features;
        let covered = bot.visit_coverage(&mut |point| {
            let mut line = DefaultHasher::new();
            ("coverage", point).hash(&mut line);
            features.push(line.finish());
        });
        // With coverage, states only coarsely (each component empty, in
        // use or full): fine states multiply (lengths by component, by
        // verb, in pairs) until nearly every scenario looks new, which a
        // bot too slow for tens of thousands of scenarios cannot afford.
        if covered {
            let mut hasher = DefaultHasher::new();
            "occupancy".hash(&mut hasher);
            bot.visit_components(&mut |component| {
                (component.len.min(1) + usize::from(component.len >= component.bound))
                    .hash(&mut hasher);
            });
            self.features.push(hasher.finish());
            return;
        }
        let activity = bot.activity_now();
        // DefaultHasher::new() has fixed keys: the same run, the same features.
        let mut hasher = DefaultHasher::new();
        hash_verb(action, &mut hasher);
        bot.visit_components(&mut |component| {
            bucket(component.len).hash(&mut hasher);
            (component.len >= component.bound).hash(&mut hasher);
        });
        if let Some(before) = &self.before {
            (activity.trades > before.trades).hash(&mut hasher);
            (activity.rejected_orders > before.rejected_orders).hash(&mut hasher);
            (activity.cleanups > before.cleanups).hash(&mut hasher);
        }
        let state = hasher.finish();
        let mut pair = DefaultHasher::new();
        (self.previous, state).hash(&mut pair);
        self.features.push(state);
        self.features.push(pair.finish());
        self.previous = state;
        self.before = Some(activity);
    }
}

/// Hashes the kind of step, and for an action its verb (the variant of the
/// bot's action enum), with no allocation on a path run after every step.
fn hash_verb<A, H: Hasher>(action: &Step<A>, hasher: &mut H) {
    match action {
        Step::Candles(_) | Step::Recorded(_) => 0u8.hash(hasher),
        Step::Candle(_) => 1u8.hash(hasher),
        Step::Bot(action) => {
            2u8.hash(hasher);
            std::mem::discriminant(action).hash(hasher);
        }
    }
}

/// 0 for empty, then one bucket per power of two: lengths that differ in
/// kind, not by one.
fn bucket(len: usize) -> u32 {
    usize::BITS - len.leading_zeros()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::{BotConfig, PaperAction, PaperBot};

    #[test]
    fn the_same_steps_give_the_same_features_and_a_new_verb_new_ones() {
        let bot = PaperBot::new(BotConfig::default()).unwrap();
        let run = |steps: &[Step<PaperAction>]| {
            let mut behaviour = Behaviour::default();
            for step in steps {
                behaviour.step(step, &bot);
            }
            behaviour.features
        };
        let add = Step::Bot(PaperAction::AddSession {
            id: 1,
            payload_len: 2,
        });
        let remove = Step::Bot(PaperAction::RemoveSession { id: 1 });
        let once = |step: &Step<PaperAction>| run(std::slice::from_ref(step));
        assert_eq!(once(&add), once(&add));
        assert_ne!(once(&add), once(&remove));
        // Same states in another order: the pair features differ.
        assert_ne!(run(&[add.clone(), remove.clone()]), run(&[remove, add]));
    }

    #[test]
    fn lengths_count_by_powers_of_two() {
        assert_eq!([0, 1, 2, 3, 4, 7, 8].map(bucket), [0, 1, 2, 2, 3, 3, 4]);
    }
}
