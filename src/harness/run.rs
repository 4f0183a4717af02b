//! A bot in its own allocation group, with its limits: the one place that
//! builds, feeds, checks and tears down a bot for every driver.

use crate::bot::{Bot, Cleanup, ConfigError, MarketView};
use crate::heap::{Group, HeapStats};
use crate::market::Candle;

use super::checks::{self, Limits};
use super::violation::{Invariant, Violation};

/// Knobs a driver may turn; the defaults are what fuzzing checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Overrides the heap ceiling computed from the bot's budgets.
    pub heap_ceiling: Option<u64>,
    /// Scales every component budget by `numerator / 1024` (tests use it to
    /// set a budget below what the bot needs).
    pub budget_scale_1024: Option<u64>,
}

/// Candles one [`Run::feed`] call fed, and the cleanup that ended it early.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fed {
    /// Candles fed.
    pub candles: u64,
    /// The cleanup the last candle ran, if it did.
    pub cleanup: Option<Cleanup>,
}

/// A bot under test. Everything it allocates, from construction to drop, is
/// charged to a group of its own, so runs on parallel threads never see
/// each other's bytes.
pub struct Run<B: Bot> {
    // Declared first: the bot drops before its group.
    bot: Option<B>,
    arena: Group,
    limits: Limits,
}

impl<B: Bot> Run<B> {
    /// Builds the bot from `config` inside a fresh group.
    pub fn new(config: &B::Config, options: &RunOptions) -> Result<Run<B>, ConfigError> {
        let mut arena = Group::new();
        let bot = arena.run(|| B::build(config))?;
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
        })
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

    /// The heap counters of the bot's group.
    pub fn heap(&self) -> HeapStats {
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

    /// Feeds up to `max` candles from `next` with the bot's group entered
    /// once, stopping early after a candle that ran a cleanup (so a driver
    /// can log it outside the group) or when `next` ends.
    pub fn feed(&mut self, max: u64, mut next: impl FnMut() -> Option<Candle>) -> Fed {
        let (bot, arena) = self.bot_and_arena();
        let _entered = arena.enter();
        let mut fed = Fed::default();
        while fed.candles < max {
            let Some(candle) = next() else { break };
            let tick = bot.on_candle(&candle);
            fed.candles += 1;
            if tick.cleanup.is_some() {
                fed.cleanup = tick.cleanup;
                break;
            }
        }
        fed
    }

    /// Applies one of the bot's actions inside its group.
    pub fn apply(&mut self, action: &B::Action, market: &MarketView) {
        let (bot, arena) = self.bot_and_arena();
        let _entered = arena.enter();
        bot.apply(action, market);
    }

    /// Bounds and budgets of every component, the ceiling, and the bot's
    /// own invariants.
    pub fn check(&self, after_candle: bool) -> Result<(), Violation> {
        let bot = self.bot();
        checks::check_components(bot, &self.limits)?;
        checks::check_ceiling(&self.heap(), &self.limits)?;
        bot.check(after_candle)
    }

    /// Drops the bot inside its group; every byte must come back.
    pub fn finish(mut self) -> Result<(), Violation> {
        let bot = self.bot.take();
        self.arena.run(|| drop(bot));
        let left = self.arena.live_bytes();
        if left != 0 {
            return Err(Violation::new(
                Invariant::TeardownLeak,
                checks::signed(left),
                0,
                "bytes",
            )
            .in_component("bot"));
        }
        Ok(())
    }
}
