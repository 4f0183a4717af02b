//! A bot in its own allocation group, with its limits: the one place that
//! builds, feeds, checks and tears down a bot for every driver.

use crate::bot::{Bot, CleanupTotals, ConfigError, MarketView};
use crate::heap::{Group, HeapStats};
use crate::market::Candle;

use super::checks::{self, Limits};
use super::panic::catch;
use crate::leak::Part;
use crate::violation::{Invariant, Violation};

/// Knobs a driver may turn; the defaults are what fuzzing checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Overrides the heap ceiling computed from the bot's budgets.
    pub heap_ceiling: Option<u64>,
    /// Scales every component budget by `numerator / 1024` (heapbound's
    /// tests use it to set a budget below what the bot needs).
    #[doc(hidden)]
    pub budget_scale_1024: Option<u64>,
}

/// Candles one [`Run::feed`] call fed, and the cleanups they ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fed {
    /// Candles fed.
    pub candles: u64,
    /// The cleanups they ran.
    pub cleanups: CleanupTotals,
}

/// Candles pulled from a source at a time, outside the bot's group (a
/// source that allocates, like a CSV reader, must not be charged to it).
const BATCH: usize = 256;

/// Why a bot could not be started.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The bot refused its config: a usage error, not a finding.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The bot panicked while it was built or prewarmed: a finding.
    #[error("{0}")]
    Panic(Violation),
}

/// A bot under test. Everything it allocates, from construction to drop, is
/// charged to a group of its own, so runs on parallel threads never see
/// each other's bytes. A panic inside the bot is caught and kept as a
/// `bot-panic` violation; the bot is not called again after one.
pub struct Run<B: Bot> {
    // Declared first: the bot drops before its group.
    bot: Option<B>,
    arena: Group,
    limits: Limits,
    batch: Vec<Candle>,
    panic: Option<Violation>,
}

thread_local! {
    /// The bot types whose [`Bot::warm_thread`] ran on this thread.
    static WARMED: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs [`Bot::warm_thread`] of `B` on this thread if it has not run here
/// yet, outside any allocation group; says whether this was the first bot
/// of its type on the thread.
fn warm_thread_once<B: Bot>() -> bool {
    let name = std::any::type_name::<B>();
    let first = tracking_allocator::AllocationRegistry::untracked(|| {
        WARMED.with(|warmed| {
            let mut warmed = warmed.borrow_mut();
            let first = !warmed.contains(&name);
            if first {
                warmed.push(name);
            }
            first
        })
    });
    if first {
        tracking_allocator::AllocationRegistry::untracked(B::warm_thread);
    }
    first
}

impl<B: Bot> Run<B> {
    /// Builds the bot from `config` inside a fresh group, then lets it do
    /// its one-time allocations ([`Bot::prewarm`]).
    pub fn new(config: &B::Config, options: &RunOptions) -> Result<Run<B>, BuildError> {
        let first_here = warm_thread_once::<B>();
        let batch = Vec::with_capacity(BATCH);
        let mut arena = Group::new();
        let bot = arena
            .run(|| {
                catch(|| {
                    B::build(config).map(|mut bot| {
                        bot.prewarm();
                        bot
                    })
                })
            })
            .map_err(BuildError::Panic)??;
        if first_here {
            warn_of_unknown_parents(&bot);
        }
        let mut limits = Limits::for_bot(&bot);
        if let Some(ceiling) = options.heap_ceiling {
            limits.heap_ceiling = ceiling;
        }
        if let Some(scale) = options.budget_scale_1024 {
            limits.budget_scale_1024 = scale;
        }
        Ok(Run {
            bot: Some(bot),
            arena,
            limits,
            batch,
            panic: None,
        })
    }

    /// The panic that stopped the bot, if one did.
    pub fn panic(&self) -> Option<&Violation> {
        self.panic.as_ref()
    }

    /// Calls the bot inside its group, catching a panic; `None` once it
    /// has panicked.
    fn call<R>(&mut self, f: impl FnOnce(&mut B) -> R) -> Option<R> {
        if self.panic.is_some() {
            return None;
        }
        let result = {
            let (bot, arena) = self.bot_and_arena();
            let _entered = arena.enter();
            catch(|| f(bot))
        };
        match result {
            Ok(result) => Some(result),
            Err(violation) => {
                self.panic = Some(violation);
                None
            }
        }
    }

    /// The growth model's view of the components now.
    pub fn parts(&self, into: &mut Vec<Part>) {
        if self.panic.is_none() {
            checks::parts(self.bot(), &self.limits, into);
        }
    }

    /// The bot.
    pub fn bot(&self) -> &B {
        match &self.bot {
            Some(bot) => bot,
            None => unreachable!("the bot lives until finish"),
        }
    }

    fn bot_and_arena(&mut self) -> (&mut B, &mut Group) {
        match &mut self.bot {
            Some(bot) => (bot, &mut self.arena),
            None => unreachable!("the bot lives until finish"),
        }
    }

    /// The limits it is checked against.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The bot's heap: as it reports it when it lives in another process,
    /// else the counters of its group here.
    pub fn heap(&self) -> HeapStats {
        self.bot()
            .reported_heap()
            .unwrap_or_else(|| self.arena.stats())
    }

    /// Lets the bot refresh what it reports (see [`Bot::observe`]).
    pub fn observe(&mut self) {
        self.call(B::observe);
    }

    /// The heap counters of the bot's group in this process.
    pub fn local_heap(&self) -> HeapStats {
        self.arena.stats()
    }

    /// The bot's group (for allocation-site tracing).
    pub fn group(&self) -> &Group {
        &self.arena
    }

    /// Restarts the peak measurement from the current bytes.
    pub fn reset_peak(&self) {
        self.arena.reset_peak();
    }

    /// Feeds up to `max` candles from `next` (fewer when it ends). Candles
    /// are pulled in batches outside the bot's group, then fed with the
    /// group entered once per batch.
    pub fn feed(&mut self, max: u64, mut next: impl FnMut() -> Option<Candle>) -> Fed {
        let mut fed = Fed::default();
        let mut batch = std::mem::take(&mut self.batch);
        while fed.candles < max {
            batch.clear();
            let want = (max - fed.candles).min(BATCH as u64) as usize;
            batch.extend(std::iter::from_fn(&mut next).take(want));
            if batch.is_empty() {
                break;
            }
            // Candles taken before a panic count: the report says how far
            // the bot got.
            let mut taken = 0u64;
            self.call(|bot| {
                for candle in &batch {
                    let outcome = bot.on_candle(candle);
                    taken += 1;
                    if let Some(cleanup) = outcome.cleanup {
                        fed.cleanups.add(cleanup);
                    }
                }
            });
            fed.candles += taken;
            if self.panic.is_some() {
                break;
            }
        }
        self.batch = batch;
        fed
    }

    /// Feeds candles inside the bot's group without catching a panic:
    /// the production path (`monitor::Live`), where a panic is the
    /// process's to handle and a per-event catch would cost more than the
    /// step of a fast bot. Nothing once the bot has panicked.
    #[cfg(feature = "monitor")]
    pub(crate) fn feed_unguarded(&mut self, candles: &[Candle]) {
        if self.panic.is_some() {
            return;
        }
        let (bot, arena) = self.bot_and_arena();
        let _entered = arena.enter();
        for candle in candles {
            bot.on_candle(candle);
        }
    }

    /// Applies one of the bot's actions inside its group.
    pub fn apply(&mut self, action: &B::Action, market: &MarketView) {
        self.call(|bot| bot.apply(action, market));
    }

    /// Bounds and budgets of every component, the ceiling, and the bot's
    /// own invariants, on a fresh observation: every broken one.
    pub fn check(&mut self, after_candle: bool) -> Vec<Violation> {
        self.observe();
        let limits = self.limits;
        let heap = self.heap();
        // Outside the bot's group: the violations are heapbound's, and a
        // kept one must not count as bytes the bot never returned.
        let checked = match (&self.bot, &self.panic) {
            (Some(bot), None) => Some(catch(|| {
                let mut broken = Vec::new();
                checks::check_components(bot, &limits, &mut broken);
                if let Err(violation) = checks::check_ceiling(&heap, &limits) {
                    broken.push(violation);
                }
                if let Err(violation) = bot.check(after_candle) {
                    broken.push(violation);
                }
                broken
            })),
            _ => None,
        };
        match checked {
            Some(Ok(broken)) => broken,
            Some(Err(panic)) => {
                self.panic = Some(panic.clone());
                vec![panic]
            }
            None => self.panic.clone().into_iter().collect(),
        }
    }

    /// Drops the bot inside its group; every byte must come back (unless
    /// it panicked: a half-done step leaves what it leaves).
    pub fn finish(mut self) -> Result<(), Violation> {
        let shutdown = self.call(B::shutdown);
        let bot = self.bot.take();
        let dropped = self.arena.run(|| catch(|| drop(bot)));
        if let Some(panic) = self.panic.take() {
            return Err(panic);
        }
        dropped?;
        if let Some(Err(violation)) = shutdown {
            return Err(violation);
        }
        let left = self.arena.live_bytes();
        if left != 0 {
            return Err(
                Violation::new(Invariant::TeardownLeak, checks::signed(left), 0, "bytes")
                    .in_component("bot")
                    .with_detail(TEARDOWN_DETAIL),
            );
        }
        Ok(())
    }
}

/// Warns, once a process, of a component whose bytes are said to be
/// within a component the bot does not report ([`Component::within`]): a
/// misspelt name, most likely. Its length explains no growth either way.
/// Called for the first bot of a type on a thread: the components a type
/// reports do not change from run to run.
///
/// [`Component::within`]: crate::bot::Component::within
fn warn_of_unknown_parents<B: Bot>(bot: &B) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    bot.components(&mut |component| {
        let Some(parent) = component.within_component() else {
            return;
        };
        let mut known = false;
        bot.components(&mut |other| known |= other.name == parent);
        if !known && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!(
                "component `{}` of {} says its bytes are within `{parent}`, which the bot does not report",
                component.name,
                B::NAME
            );
        }
    });
}

/// What a teardown leak is, said where it is reported: the bytes alone
/// cannot tell a leak into a global from a dependency's one-time state.
const TEARDOWN_DETAIL: &str = "still held after drop(bot): a leak into a global or a static, \
or one-time state a dependency made on its first use inside the bot's group (a thread-local \
cache, a lazy static): make that in Bot::warm_thread";

impl<B: Bot> std::fmt::Debug for Run<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("bot", &B::NAME)
            .field("group", &self.arena)
            .field("limits", &self.limits)
            .field("panic", &self.panic)
            .finish_non_exhaustive()
    }
}
