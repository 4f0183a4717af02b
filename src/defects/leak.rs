//! The real Rust leak patterns, planted in any bot by a wrapper.
//!
//! [`Leaky`] wraps a bot and grows one pattern inside a child group of one
//! of its components, so the leaked bytes count as that component's: its
//! budget, the leak slope and (for what outlives the bot) teardown see them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::Mutex;

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::bot::{Activity, Bot, CandleOutcome, Component, ConfigError, MarketView};
use crate::heap::Group;
use crate::market::Candle;
use crate::violation::Violation;

/// The real Rust leak patterns.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Arbitrary,
)]
#[serde(rename_all = "kebab-case")]
pub enum LeakPattern {
    /// Every candle pushed to a `Vec` with no bound.
    #[default]
    UnboundedVec,
    /// An `Rc<RefCell<..>>` parent/child cycle per fill, never freed.
    RcCycle,
    /// A global `static` cache keyed by (bot, time), never evicted.
    GlobalCache,
    /// `Box::leak` of every fill.
    Forget,
    /// A channel of events nobody drains.
    UndrainedQueue,
    /// A map whose keys are never removed (one entry every 10 candles).
    OrphanKeys,
    /// 32 bytes kept every 1,000 candles.
    SlowDrip,
}

impl LeakPattern {
    /// Every pattern, in documentation order.
    pub const ALL: [LeakPattern; 7] = [
        LeakPattern::UnboundedVec,
        LeakPattern::RcCycle,
        LeakPattern::GlobalCache,
        LeakPattern::Forget,
        LeakPattern::UndrainedQueue,
        LeakPattern::OrphanKeys,
        LeakPattern::SlowDrip,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            LeakPattern::UnboundedVec => "unbounded-vec",
            LeakPattern::RcCycle => "rc-cycle",
            LeakPattern::GlobalCache => "global-cache",
            LeakPattern::Forget => "forget",
            LeakPattern::UndrainedQueue => "undrained-queue",
            LeakPattern::OrphanKeys => "orphan-keys",
            LeakPattern::SlowDrip => "slow-drip",
        }
    }

    /// The pattern called `name`.
    pub fn from_name(name: &str) -> Option<LeakPattern> {
        LeakPattern::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Which leak to plant where.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Arbitrary)]
pub struct LeakSpec {
    /// The pattern.
    pub pattern: LeakPattern,
    /// The component charged; `None`: the bot's first component.
    pub component: Option<String>,
}

impl LeakSpec {
    /// Parses `pattern` or `pattern@component`.
    pub fn parse(text: &str) -> Result<LeakSpec, String> {
        let (name, component) = match text.split_once('@') {
            Some((name, component)) => (name, Some(component.to_string())),
            None => (text, None),
        };
        let pattern = LeakPattern::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = LeakPattern::ALL.iter().map(|p| p.name()).collect();
            format!(
                "{name:?} is not a leak pattern; one of {}",
                names.join(", ")
            )
        })?;
        Ok(LeakSpec { pattern, component })
    }
}

/// The config of a [`Leaky`] bot: the bot's own, and the leak.
#[derive(Clone, Debug, Default, Serialize, Deserialize, Arbitrary)]
pub struct LeakyConfig<C> {
    /// The wrapped bot's config.
    pub bot: C,
    /// The leak to plant.
    pub leak: LeakSpec,
}

static GLOBAL_PRICE_CACHE: Mutex<Option<HashMap<(&'static str, i64), i64>>> = Mutex::new(None);

struct CycleNode {
    _peer: Option<Rc<RefCell<CycleNode>>>,
    _state: [u64; 4],
}

/// The state a leak pattern grows.
#[derive(Default)]
struct LeakState {
    candles: Vec<Candle>,
    queue: Option<(mpsc::Sender<Candle>, mpsc::Receiver<Candle>)>,
    orphans: HashMap<u64, Box<[u8]>>,
    // One allocation per drip is the point of the pattern.
    #[allow(clippy::vec_box)]
    drips: Vec<Box<[u8; 32]>>,
}

impl LeakState {
    fn on_candle(&mut self, pattern: LeakPattern, bot: &'static str, candle: &Candle, seen: u64) {
        match pattern {
            LeakPattern::UnboundedVec => self.candles.push(*candle),
            LeakPattern::GlobalCache => {
                if let Ok(mut cache) = GLOBAL_PRICE_CACHE.lock() {
                    cache
                        .get_or_insert_with(HashMap::new)
                        .insert((bot, candle.open_time()), candle.close());
                }
            }
            LeakPattern::UndrainedQueue => {
                let (sender, _receiver) = self.queue.get_or_insert_with(mpsc::channel);
                let _ = sender.send(*candle);
            }
            LeakPattern::OrphanKeys if seen % 10 == 0 => {
                self.orphans.insert(seen, vec![0u8; 16].into_boxed_slice());
            }
            LeakPattern::SlowDrip if seen % 1_000 == 0 => self.drips.push(Box::new([7; 32])),
            _ => {}
        }
    }

    fn on_fill(&mut self, pattern: LeakPattern, fill: u64) {
        match pattern {
            LeakPattern::Forget => {
                // `black_box`: an unused allocation may be elided by LLVM,
                // and then there would be nothing to detect. 56 bytes: a trade.
                std::mem::forget(std::hint::black_box(Box::new([fill; 7])));
            }
            LeakPattern::RcCycle => {
                let parent = Rc::new(RefCell::new(CycleNode {
                    _peer: None,
                    _state: [fill; 4],
                }));
                let child = Rc::new(RefCell::new(CycleNode {
                    _peer: Some(Rc::clone(&parent)),
                    _state: [fill; 4],
                }));
                parent.borrow_mut()._peer = Some(child);
                // Both handles drop here; the cycle keeps both nodes alive.
            }
            _ => {}
        }
    }
}

/// A bot with a leak planted in one of its components.
///
/// ```
/// use heapbound::defects::{Leaky, LeakyConfig, LeakSpec, LeakPattern};
/// use heapbound::paper::{BotConfig, PaperBot};
/// let config = LeakyConfig {
///     bot: BotConfig::default(),
///     leak: LeakSpec { pattern: LeakPattern::UnboundedVec, component: Some("candle_window".into()) },
/// };
/// let report = heapbound::sim::simulate::<Leaky<PaperBot>>(
///     &heapbound::sim::SimOptions { candles: 20_000, ..Default::default() },
///     &config,
///     heapbound::market::CandleGenerator::new(1),
///     &mut |_| {},
/// ).unwrap();
/// # let _ = report;
/// ```
pub struct Leaky<B> {
    // The leak's state drops before its group, the bot after both.
    state: LeakState,
    group: Group,
    pattern: LeakPattern,
    component: &'static str,
    candles: u64,
    fills_seen: u64,
    bot: B,
}

impl<B: Bot> Leaky<B> {
    /// The component the leak is charged to.
    pub fn component(&self) -> &'static str {
        self.component
    }

    /// The wrapped bot.
    pub fn inner(&self) -> &B {
        &self.bot
    }

    fn grow_on_fills(&mut self) {
        let fills = self.bot.activity().trades;
        if fills > self.fills_seen {
            let _entered = self.group.enter();
            for fill in self.fills_seen..fills {
                self.state.on_fill(self.pattern, fill);
            }
            self.fills_seen = fills;
        }
    }
}

impl<B: Bot> Bot for Leaky<B> {
    type Config = LeakyConfig<B::Config>;
    type Action = B::Action;
    const NAME: &'static str = B::NAME;

    fn build(config: &Self::Config) -> Result<Self, ConfigError> {
        let bot = B::build(&config.bot)?;
        let wanted = config.leak.component.as_deref();
        let mut home: Option<(&'static str, Group)> = None;
        let mut names = Vec::new();
        bot.components(&mut |component| {
            names.push(component.name);
            if home.is_none() && wanted.is_none_or(|wanted| wanted == component.name) {
                if let Some(group) = component.group() {
                    home = Some((component.name, Group::child_of(group)));
                }
            }
        });
        let Some((component, group)) = home else {
            return Err(ConfigError::new(
                "leak.component",
                format!(
                    "{} has no component {:?}; it has {}",
                    B::NAME,
                    wanted.unwrap_or(""),
                    names.join(", ")
                ),
            ));
        };
        Ok(Leaky {
            state: LeakState::default(),
            group,
            pattern: config.leak.pattern,
            component,
            candles: 0,
            fills_seen: bot.activity().trades,
            bot,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        let tick = self.bot.on_candle(candle);
        self.candles += 1;
        {
            let _entered = self.group.enter();
            self.state
                .on_candle(self.pattern, B::NAME, candle, self.candles);
        }
        self.grow_on_fills();
        tick
    }

    fn apply(&mut self, action: &Self::Action, market: &MarketView) {
        self.bot.apply(action, market);
        self.grow_on_fills();
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        self.bot.components(visit);
    }

    fn check(&self, after_candle: bool) -> Result<(), Violation> {
        self.bot.check(after_candle)
    }

    fn activity(&self) -> Activity {
        self.bot.activity()
    }

    fn describe(&self) -> &str {
        self.bot.describe()
    }

    fn warmup_candles(&self, run_candles: u64) -> u64 {
        self.bot.warmup_candles(run_candles)
    }

    fn warm_thread() {
        B::warm_thread();
    }

    fn prewarm(&mut self) {
        self.bot.prewarm();
    }

    fn shutdown(&mut self) -> Result<(), Violation> {
        self.bot.shutdown()
    }

    fn observe(&mut self) {
        self.bot.observe();
    }

    fn reported_heap(&self) -> Option<crate::heap::HeapStats> {
        self.bot.reported_heap()
    }

    fn process(&self) -> Option<crate::process::ProcessStats> {
        self.bot.process()
    }
}

impl<B> std::fmt::Debug for Leaky<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leaky")
            .field("pattern", &self.pattern)
            .field("component", &self.component)
            .field("candles", &self.candles)
            .finish_non_exhaustive()
    }
}
