//! The checks every driver runs on any bot: bounds, budgets, the heap
//! ceiling, the bot's own invariants, teardown.

use serde::Serialize;

use crate::bot::{Bot, Component};
use crate::heap::HeapStats;
use crate::leak::Part;

use crate::violation::{Invariant, Violation};

pub use crate::bot::COMPONENT_OVERHEAD;

/// Bytes a bot may hold outside its components (its own small state: a
/// symbol string, a boxed strategy) before the default ceiling is passed.
pub const BOT_OVERHEAD: u64 = 256;

/// What a bot may hold: the heap ceiling, and how component budgets scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Bytes the bot's allocation group may hold, live or at its peak.
    pub heap_ceiling: u64,
    /// Component budgets are multiplied by this / 1024 (1024: as stated).
    pub budget_scale_1024: u64,
}

impl Limits {
    /// The ceiling from the bot's own budgets: their sum plus [`BOT_OVERHEAD`]
    /// (unlimited when a component states no budget). A component whose
    /// bytes are another's ([`Component::within`]) adds nothing: that
    /// component's budget holds them.
    ///
    /// [`Component::within`]: crate::bot::Component::within
    pub fn for_bot<B: Bot>(bot: &B) -> Limits {
        let mut sum = BOT_OVERHEAD;
        bot.components(&mut |component| {
            if component.within_component().is_none() {
                sum = sum.saturating_add(component.budget);
            }
        });
        Limits {
            heap_ceiling: sum,
            budget_scale_1024: 1024,
        }
    }

    /// The budget of `component` under these limits.
    pub fn budget(&self, component: &Component<'_>) -> u64 {
        if component.budget == u64::MAX {
            return u64::MAX;
        }
        component.budget.saturating_mul(self.budget_scale_1024) / 1024
    }
}

pub(crate) fn signed(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// Every component holds at most its bound and its budget: every broken
/// one is reported, not only the first.
pub fn check_components<B: Bot>(bot: &B, limits: &Limits, broken: &mut Vec<Violation>) {
    bot.components(&mut |component| {
        if component.len > component.bound {
            broken.push(
                Violation::new(
                    Invariant::ContainerBound,
                    signed(component.len),
                    signed(component.bound),
                    "entries",
                )
                .in_component(component.name),
            );
        }
        let (bytes, allowed) = (component.bytes(), limits.budget(&component));
        if bytes > allowed {
            broken.push(
                Violation::new(
                    Invariant::ComponentBudget,
                    signed(bytes),
                    signed(allowed),
                    "bytes",
                )
                .in_component(component.name),
            );
        }
    });
}

/// The growth model's view of `bot`'s components under `limits`.
pub fn parts<B: Bot>(bot: &B, limits: &Limits, parts: &mut Vec<Part>) {
    parts.clear();
    bot.components(&mut |component| {
        let budget = limits.budget(&component);
        parts.push(Part {
            len: component.len as u64,
            bound: (component.bound != usize::MAX).then_some(component.bound as u64),
            bytes: component.known_bytes(),
            budget: (budget != u64::MAX).then_some(budget),
            measured: component.group().is_some(),
            within_other: component.within_component().is_some(),
        });
    });
}

/// The bot's live and peak heap bytes stay under the ceiling.
pub fn check_ceiling(heap: &HeapStats, limits: &Limits) -> Result<(), Violation> {
    let worst = heap.live_bytes.max(heap.peak_bytes);
    if worst > limits.heap_ceiling {
        return Err(Violation::new(
            Invariant::HeapCeiling,
            signed(worst),
            signed(limits.heap_ceiling),
            "bytes",
        )
        .in_component("bot"));
    }
    Ok(())
}
