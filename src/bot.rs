//! The [`Bot`] trait: what a bot implements so heapbound can prove it.
//!
//! ```
//! use heapbound::{Bot, Component, ConfigError, MarketView, CandleOutcome};
//! use heapbound::heap::Tracked;
//! use heapbound::market::Candle;
//! use std::collections::VecDeque;
//!
//! /// Keeps the last `keep` closes.
//! struct Closes { closes: Tracked<VecDeque<i64>>, keep: usize }
//!
//! #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
//! struct Config { keep: u8 }
//!
//! #[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
//! enum Action { Clear }
//!
//! impl Bot for Closes {
//!     type Config = Config;
//!     type Action = Action;
//!     const NAME: &'static str = "closes";
//!
//!     fn build(config: &Config) -> Result<Self, ConfigError> {
//!         let keep = usize::from(config.keep.max(1));
//!         Ok(Closes { closes: Tracked::new(|| VecDeque::with_capacity(keep)), keep })
//!     }
//!     fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
//!         let keep = self.keep;
//!         self.closes.with_mut(|closes| {
//!             if closes.len() == keep { closes.pop_front(); }
//!             closes.push_back(candle.close());
//!         });
//!         CandleOutcome::default()
//!     }
//!     fn apply(&mut self, action: &Action, _market: &MarketView) {
//!         match action { Action::Clear => self.closes.with_mut(VecDeque::clear) }
//!     }
//!     fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
//!         let budget = (self.keep * 8) as u64;
//!         visit(Component::new("closes", &self.closes).entries(self.closes.get().len(), self.keep).budget(budget));
//!     }
//! }
//! ```

use std::fmt::Debug;

use arbitrary::Arbitrary;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::heap::{Group, HeapStats, Tracked};
use crate::market::Candle;
pub use crate::violation::Violation;

/// A bot heapbound can drive and check: candles in, the bot's own actions,
/// and a description of its components.
///
/// Build every container the bot holds inside its own allocation group
/// ([`Tracked`], or [`Group`] for a container you manage yourself), so the
/// bytes reported for it are measured, never estimated. heapbound builds the
/// bot inside a group of its own and feeds it inside that group, so every
/// byte the bot allocates is charged to it, and dropping it must return
/// every byte.
pub trait Bot: Sized {
    /// What the bot is built from. `Arbitrary` lets fuzzers draw configs;
    /// make the drawn ones valid (clamp into range) so no input is wasted.
    type Config: Clone
        + Debug
        + Default
        + Send
        + Sync
        + Serialize
        + DeserializeOwned
        + for<'a> Arbitrary<'a>;
    /// The bot's own verbs besides candles: orders, cancels, sessions,
    /// reconnects. Serde so a failing scenario replays from JSON.
    type Action: Clone + Debug + Serialize + DeserializeOwned + for<'a> Arbitrary<'a>;
    /// Name in reports and reproduction commands.
    const NAME: &'static str;

    /// Builds the bot, or names the config field that makes it impossible.
    fn build(config: &Self::Config) -> Result<Self, ConfigError>;

    /// Takes one candle.
    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome;

    /// Applies one of the bot's actions. A refusal (an order it cannot
    /// afford, a payload too large) is the bot's business, not a failure.
    fn apply(&mut self, action: &Self::Action, market: &MarketView);

    /// Calls `visit` once per component, in report order, without
    /// allocating: heapbound calls it after every step.
    fn components(&self, visit: &mut dyn FnMut(Component<'_>));

    /// The bot's own invariants (for a trading bot, its books); checked
    /// after every step. `after_candle` says whether the step was a candle.
    fn check(&self, after_candle: bool) -> Result<(), Violation> {
        let _ = after_candle;
        Ok(())
    }

    /// Counters for reports.
    fn activity(&self) -> Activity {
        Activity::default()
    }

    /// A short description for reports (the paper bot names its strategy).
    fn describe(&self) -> &str {
        Self::NAME
    }

    /// Candles of a run of `run_candles` to let pass before the leak slope
    /// is fitted. Default: enough for every rolling container to fill once
    /// at one entry per candle (the largest finite bound), at most a tenth
    /// of the run.
    fn warmup_candles(&self, run_candles: u64) -> u64 {
        let mut longest = 0u64;
        self.components(&mut |component| {
            if component.bound != usize::MAX {
                longest = longest.max(component.bound as u64);
            }
        });
        longest.min(run_candles / 10)
    }

    /// Does the bot's one-time allocations (a framework's lazy statics, a
    /// first-touch cache) after `build` and before anything is measured,
    /// inside the bot's group. Default: nothing.
    fn prewarm(&mut self) {}

    /// Makes, outside any allocation group, the state a dependency keeps
    /// once per thread or process from its first use on (rand's thread
    /// RNG, 352 B; a lazy static), by using it once. heapbound calls it on
    /// each thread before the first bot of this type is built there. Made
    /// inside the first bot's group instead, such state stays after that
    /// bot is dropped and is reported as its `teardown-leak` (or passes its
    /// heap ceiling): from the bytes alone heapbound cannot tell it from a
    /// leak into a global, which a second bot would find already made as
    /// well. Default: nothing.
    fn warm_thread() {}

    /// Sets what fuzz target `target` fixes in every config it decodes,
    /// before the input is played: a target that keeps a known finding
    /// out (a workaround switched on) or that runs a mode the fuzzer must
    /// not draw on its own (a deliberate leak). `heapbound::fuzz`, and
    /// `replay`, `triage` and `corpus` for a raw input of that target (its
    /// folder's name, or `--target`), all call it, so a crash file replays
    /// as it ran. `target` is the fuzz target's name (its file under
    /// `fuzz/fuzz_targets/`). Default: nothing fixed.
    ///
    /// ```ignore
    /// fn fuzz_config(target: &str, config: &mut MyConfig) {
    ///     if target == "my_bot_leaky" {
    ///         config.leaky = true;
    ///     }
    /// }
    /// ```
    fn fuzz_config(target: &str, config: &mut Self::Config) {
        let _ = (target, config);
    }

    /// Called once at the end of a run, before the bot is dropped: a bot
    /// in another process is asked to shut down here, and how it did
    /// (`bye`, nothing after it, exit status 0) is checked. Default: nothing.
    fn shutdown(&mut self) -> Result<(), Violation> {
        Ok(())
    }

    /// Called before heapbound reads components, heap and invariants: a
    /// bot in another process fetches a fresh sample here.
    fn observe(&mut self) {}

    /// The heap as the bot itself measures it, for a bot whose heap is not
    /// in this process (a Python bot's `tracemalloc`); `None` (the default)
    /// uses heapbound's own measurement of the bot's group.
    fn reported_heap(&self) -> Option<HeapStats> {
        None
    }

    /// The operating system's view of the process the bot runs in, when it
    /// is not this one.
    fn process(&self) -> Option<crate::process::ProcessStats> {
        None
    }

    /// Coverage points of the bot's code reached for the first time (since
    /// the last [`observe`](Bot::observe)), for a bot libFuzzer does not
    /// instrument: guided `explore` keeps the scenarios that reach new
    /// ones, and then keeps no scenario for its components' states alone.
    /// A bot process reports the lines of its code it ran when asked for
    /// coverage in `hello` (the Python helper does). Returns whether the
    /// bot reports coverage at all. Default: `false`.
    fn coverage(&self, visit: &mut dyn FnMut(u64)) -> bool {
        let _ = visit;
        false
    }
}

/// Slack per component budget for allocator rounding of small boxes: add
/// it to a budget computed from a container's capacity.
pub const COMPONENT_OVERHEAD: u64 = 64;

/// What one candle did, as far as reports care (`Bot::on_candle` returns it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CandleOutcome {
    /// Set when the bot ran its periodic cleanup on this candle.
    pub cleanup: Option<Cleanup>,
}

/// What a cleanup removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cleanup {
    /// Entries dropped, over all containers.
    pub entries_dropped: u64,
    /// Heap bytes the bot's components held less afterwards.
    pub bytes_freed: u64,
}

/// Cleanups added up over a stretch of candles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CleanupTotals {
    /// Cleanups run.
    pub count: u64,
    /// Bytes they freed in all.
    pub freed_bytes: u64,
    /// The most one of them freed.
    pub max_freed_bytes: u64,
    /// The last one.
    pub last: Option<Cleanup>,
}

impl CleanupTotals {
    /// Adds one cleanup.
    pub fn add(&mut self, cleanup: Cleanup) {
        self.count += 1;
        self.freed_bytes += cleanup.bytes_freed;
        self.max_freed_bytes = self.max_freed_bytes.max(cleanup.bytes_freed);
        self.last = Some(cleanup);
    }

    /// Adds the cleanups of a later stretch.
    pub fn merge(&mut self, later: &CleanupTotals) {
        self.count += later.count;
        self.freed_bytes += later.freed_bytes;
        self.max_freed_bytes = self.max_freed_bytes.max(later.max_freed_bytes);
        self.last = later.last.or(self.last);
    }
}

/// Counters a bot reports about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// Fills (each buy and each sell counts one).
    pub trades: u64,
    /// Orders refused.
    pub rejected_orders: u64,
    /// Cleanups run.
    pub cleanups: u64,
    /// Equity at the last close, in the bot's cash units, if it has one.
    pub equity: Option<i64>,
    /// Cash units per quote unit, to print `equity` in quote units.
    pub cash_units_per_quote: i64,
}

/// Where the market stands when an action runs, so an action can be
/// relative to the last close ("buy 10 bps above").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketView {
    /// Close of the last candle, in ticks (the start price before any).
    pub last_close: i64,
    /// Open time the next candle will have (ms).
    pub next_time_ms: i64,
    /// Candle interval (ms).
    pub interval_ms: i64,
    /// Candles fed so far.
    pub candles: u64,
}

impl MarketView {
    /// `last_close` shifted by `offset_bps` basis points, at least 1 tick.
    pub fn price_at(&self, offset_bps: i16) -> i64 {
        (self.last_close + self.last_close * i64::from(offset_bps) / 10_000).max(1)
    }
}

/// One component: a container (or any state) the bot keeps, its length and
/// bound, its byte budget, and the group that holds its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Component<'a> {
    /// Name in reports and violations.
    pub name: &'static str,
    /// Entries held.
    pub len: usize,
    /// The most entries it may hold.
    pub bound: usize,
    /// The most heap bytes it may hold; `u64::MAX` when it states none.
    pub budget: u64,
    bytes: Bytes<'a>,
    capped: bool,
    within: Option<&'static str>,
}

/// Where a component's bytes come from.
#[derive(Clone, Copy, Debug)]
enum Bytes<'a> {
    /// Measured: the live bytes of its allocation group.
    Group(&'a Group),
    /// Reported by a bot in another process, which heapbound cannot measure.
    Reported(Option<u64>),
}

impl<'a> Component<'a> {
    /// A component whose bytes are those of `tracked`'s group; no length,
    /// bound or budget until set.
    pub fn new<T>(name: &'static str, tracked: &'a Tracked<T>) -> Component<'a> {
        Component::of_group(name, tracked.group())
    }

    /// A component whose bytes are those of `group`.
    pub fn of_group(name: &'static str, group: &'a Group) -> Component<'a> {
        Component {
            name,
            len: 0,
            bound: usize::MAX,
            budget: u64::MAX,
            bytes: Bytes::Group(group),
            capped: false,
            within: None,
        }
    }

    /// A component of a bot in another process: its bytes as the bot
    /// reports them (`None` when its language cannot say).
    pub fn reported(name: &'static str, bytes: Option<u64>) -> Component<'a> {
        Component {
            name,
            len: 0,
            bound: usize::MAX,
            budget: u64::MAX,
            bytes: Bytes::Reported(bytes),
            capped: false,
            within: None,
        }
    }

    /// The group its bytes are charged to, when they are measured here.
    pub fn group(&self) -> Option<&'a Group> {
        match self.bytes {
            Bytes::Group(group) => Some(group),
            Bytes::Reported(_) => None,
        }
    }

    /// Sets its length and bound.
    pub fn entries(self, len: usize, bound: usize) -> Component<'a> {
        Component { len, bound, ..self }
    }

    /// Sets its byte budget.
    pub fn budget(self, budget: u64) -> Component<'a> {
        Component { budget, ..self }
    }

    /// Says that its length cannot pass its bound by construction: it
    /// evicts at the bound (a ring buffer, an LRU, a `VecDeque` popped when
    /// full) or refuses past it (a map of at most N pairs), so a monitor
    /// does not project its filling as a breach (`monitor::Live`). The
    /// bound is still checked.
    pub fn capped(self) -> Component<'a> {
        Component {
            capped: true,
            ..self
        }
    }

    /// Whether its length cannot pass its bound by construction
    /// ([`Component::capped`]).
    pub fn is_capped(&self) -> bool {
        self.capped
    }

    /// Its live heap bytes now (0 for a reported component that says none).
    pub fn bytes(&self) -> u64 {
        self.known_bytes().unwrap_or(0)
    }

    /// Its live heap bytes now, when they are known.
    pub fn known_bytes(&self) -> Option<u64> {
        match self.bytes {
            Bytes::Group(group) => Some(group.live_bytes()),
            Bytes::Reported(bytes) => bytes,
        }
    }

    /// A component with a length and a bound but no bytes of its own (a
    /// container inside a framework's state, whose bytes are the bot's):
    /// left out of the ceiling's sum, its length explains heap growth.
    pub fn counted(name: &'static str) -> Component<'a> {
        Component::reported(name, None)
    }

    /// Says that its bytes are part of component `parent`'s: a container
    /// inside a framework object that has a group (and a budget) of its
    /// own, such as the position's trade ids inside barter's engine. Its
    /// length then explains no growth of the heap (those bytes are that
    /// component's, held by its checks); left unsaid, heap growth that
    /// follows the length, a leak beside orders the strategy leaves open,
    /// is taken for its entries' bytes.
    ///
    /// ```ignore
    /// visit(Component::new("engine", &self.engine).budget(engine_budget));
    /// visit(Component::counted("orders").entries(orders, 64).within("engine"));
    /// ```
    pub fn within(mut self, parent: &'static str) -> Component<'a> {
        self.within = Some(parent);
        self
    }

    /// The component whose bytes hold this one's ([`Component::within`]).
    pub fn within_component(&self) -> Option<&'static str> {
        self.within
    }
}

/// A configuration that cannot run, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid config: {field}: {reason}")]
pub struct ConfigError {
    /// The offending field, as spelled in the config.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ConfigError {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
