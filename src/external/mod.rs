//! Bots in any language: a bot process driven over the JSON Lines protocol
//! of `PROTOCOL.md`, as one more implementation of [`Bot`].
//!
//! The bot reports its components' lengths (and bytes, where its language
//! can say), its heap as it measures it (`tracemalloc` for Python) and its
//! own invariants; heapbound adds what the OS sees of the process.

mod child;
mod config;
mod names;
mod pool;
mod protocol;
mod wire;

pub use child::{BotLog, ProcessFailure, DEFAULT_MAX_LINE};
pub use config::ExternalConfig;
pub use pool::{fresh_processes, processes_reused, ProcessPool};
pub use wire::ProcessAction;

use std::borrow::Cow;
use std::time::Duration;

use crate::bot::{Activity, Bot, CandleOutcome, Component, ConfigError, MarketView};
use crate::heap::HeapStats;
use crate::market::Candle;
use crate::process::ProcessStats;
use crate::violation::{Invariant, Violation};

use child::BotProcess;
use names::intern;
use protocol::{Answer, Counters, Sample, PROTOCOL_VERSION};
use wire::{CandleBatch, CandleEncoding, CANDLE_BATCH, CASH_UNITS_PER_QUOTE};

/// A bot process.
pub struct ExternalBot {
    /// `None` once parked in `reuse` after a clean shutdown.
    process: Option<BotProcess>,
    reuse: Option<ProcessPool>,
    name: String,
    /// Component names and bounds from `hello`.
    declared: Vec<(&'static str, usize)>,
    /// The last sample.
    sample: Sample,
    /// Whether a request that can change the bot went out since the last
    /// sample: without one, a new sample would say the same, and measuring
    /// costs a Python bot a walk over its containers.
    stale: bool,
    os: Option<ProcessStats>,
    /// Candles not sent yet.
    batch: CandleBatch,
    /// The request line being sent (reused).
    line: String,
    /// The last answer line (untracked: heapbound's, not the bot's).
    last_line: String,
    /// Candles the bot has answered for.
    answered_candles: u64,
    counters: Counters,
    refused: u64,
    failure: Option<ProcessFailure>,
    rss_ceiling: Option<u64>,
}

impl ExternalBot {
    /// The process failure that ended the run, if one did.
    pub fn failure(&self) -> Option<&ProcessFailure> {
        self.failure.as_ref()
    }

    /// Sends `line` and parses the answer, which must be of one of the
    /// `expected` types; a failure is kept and stops all further requests.
    fn request(&mut self, line: &str, what: &str, expected: &[&str]) -> Option<Answer> {
        if self.failure.is_some() {
            return None;
        }
        // Outside the bot's group: a first blocking receive builds the
        // thread's lazy statics, which are heapbound's, not the bot's.
        let process = self.process.as_mut()?;
        let last_line = &mut self.last_line;
        let answer = tracking_allocator::AllocationRegistry::untracked(|| {
            process.request(line, what).and_then(|text| {
                let answer = protocol::parse(&text, what, expected);
                *last_line = text;
                answer
            })
        });
        match answer {
            Ok(answer) => Some(answer),
            Err(failure) => {
                self.fail(failure);
                None
            }
        }
    }

    fn fail(&mut self, failure: ProcessFailure) {
        let process = &mut self.process;
        tracking_allocator::AllocationRegistry::untracked(|| {
            if let Some(process) = process {
                process.kill();
            }
            self.failure.get_or_insert(failure);
        });
    }

    /// A protocol failure about the last answer, well-formed but wrong.
    fn refuse(&mut self, what: &str, reason: String) {
        let failure = BotProcess::protocol(what, reason, &self.last_line);
        self.fail(failure);
    }

    fn flush(&mut self) {
        let batch = self.batch.len();
        if batch == 0 {
            return;
        }
        let mut line = std::mem::take(&mut self.line);
        self.batch.write_request(&mut line);
        self.stale = true;
        let what = format!("a batch of {batch} candles");
        if let Some(Answer::Ok { fills, cleanups }) = self.request(&line, &what, &["ok"]) {
            let counters = self.counters;
            let checked = protocol::not_down("fills", counters.fills, fills).and_then(|fills| {
                protocol::not_down("cleanups", counters.cleanups, cleanups)
                    .map(|cleanups| (fills, cleanups))
            });
            match checked {
                Ok((fills, cleanups)) => {
                    self.counters.fills = fills;
                    self.counters.cleanups = cleanups;
                    self.answered_candles += batch as u64;
                }
                Err(reason) => self.refuse(&what, reason),
            }
        }
        self.line = line;
    }
}

impl ExternalBot {
    /// The violation for a process failure: `protocol` when the bot broke
    /// the protocol (a usage error), `bot-process` when it died, hung or
    /// flooded (a finding), with how far it got.
    fn failure_violation(&self, failure: &ProcessFailure) -> Violation {
        let invariant = if failure.is_protocol() {
            Invariant::Protocol
        } else {
            Invariant::BotProcess
        };
        Violation::new(invariant, 1, 0, "failures")
            .in_component("process")
            .with_detail(format!(
                "{failure} (after {} candles answered)",
                self.answered_candles
            ))
    }
}

impl Drop for ExternalBot {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = tracking_allocator::AllocationRegistry::untracked(|| process.close());
        }
    }
}

impl ExternalBot {
    /// Sends `hello` (or `reset` to a parked process) and builds the bot
    /// from the answer.
    fn greet(
        process: BotProcess,
        config: &ExternalConfig,
        reset: bool,
    ) -> Result<ExternalBot, ConfigError> {
        let mut bot = ExternalBot {
            process: Some(process),
            reuse: config.reuse.clone(),
            name: String::new(),
            declared: Vec::new(),
            sample: Sample::default(),
            stale: true,
            os: None,
            batch: CandleBatch::default(),
            line: String::new(),
            last_line: String::new(),
            answered_candles: 0,
            counters: Counters::default(),
            refused: 0,
            failure: None,
            rss_ceiling: config.rss_ceiling,
        };
        let mut hello = if reset {
            serde_json::json!({ "type": "reset", "config": config.config })
        } else {
            serde_json::json!({
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "config": config.config,
            })
        };
        if config.coverage {
            hello["coverage"] = serde_json::Value::Bool(true);
        }
        let hello = hello.to_string();
        match bot.request(&hello, "hello", &["hello"]) {
            Some(Answer::Hello {
                protocol,
                bot: name,
                components,
                candle_encoding,
            }) => {
                if protocol != PROTOCOL_VERSION {
                    return Err(ConfigError::new(
                        "exec",
                        format!(
                            "the bot speaks protocol {protocol}, heapbound speaks {PROTOCOL_VERSION}"
                        ),
                    ));
                }
                let declared = protocol::declared(&components).map_err(|reason| {
                    ConfigError::new("exec", format!("protocol error answering hello: {reason}"))
                })?;
                let encoding =
                    CandleEncoding::from_hello(candle_encoding.as_deref()).map_err(|reason| {
                        ConfigError::new(
                            "exec",
                            format!("protocol error answering hello: {reason}"),
                        )
                    })?;
                bot.batch = CandleBatch::new(encoding);
                bot.name = name;
                bot.declared = declared
                    .into_iter()
                    .map(|(name, bound)| (intern(name), bound))
                    .collect();
            }
            Some(_) => unreachable!("parse accepts only hello"),
            None => {
                let failure = bot
                    .failure
                    .take()
                    .map(|f| f.to_string())
                    .unwrap_or_default();
                return Err(ConfigError::new("exec", failure));
            }
        }
        bot.observe();
        Ok(bot)
    }
}

impl Bot for ExternalBot {
    type Config = ExternalConfig;
    type Action = ProcessAction;
    const NAME: &'static str = "exec";

    fn build(config: &ExternalConfig) -> Result<Self, ConfigError> {
        if config.command.trim().is_empty() {
            return Err(ConfigError::new("exec", "no command to run"));
        }
        if !(config.timeout_seconds > 0.0 && config.timeout_seconds <= 86_400.0) {
            return Err(ConfigError::new(
                "timeout",
                "must be above 0 and at most a day",
            ));
        }
        // A parked process that no longer answers is replaced by a fresh one.
        if let Some(parked) = config.reuse.as_ref().and_then(ProcessPool::take) {
            if let Ok(bot) = ExternalBot::greet(parked, config, true) {
                return Ok(bot);
            }
        }
        let log = config.bot_log.clone().map_or(BotLog::Inherit, BotLog::File);
        let timeout = Duration::from_secs_f64(config.timeout_seconds);
        // The pipes and threads that talk to the bot are heapbound's, not
        // the bot's (whose heap is in its own process); std also builds
        // lazy statics on a first spawn that would never be returned.
        let process = tracking_allocator::AllocationRegistry::untracked(|| {
            BotProcess::start(&config.command, &log, timeout, config.max_line_bytes)
        })
        .map_err(|failure| ConfigError::new("exec", failure.to_string()))?;
        ExternalBot::greet(process, config, false)
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.batch.push(candle);
        if self.batch.len() == CANDLE_BATCH {
            self.flush();
        }
        CandleOutcome::default()
    }

    fn apply(&mut self, action: &ProcessAction, market: &MarketView) {
        self.flush();
        let verb = action.verb(market);
        let line = format!(r#"{{"type":"action","action":{verb}}}"#);
        let what = format!("action {verb}");
        self.stale = true;
        if let Some(Answer::Refused { .. }) = self.request(&line, &what, &["ok", "refused"]) {
            self.refused += 1;
        }
    }

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        for &(name, bound) in &self.declared {
            let reported = self.sample.components.iter().find(|c| c.name == name);
            visit(
                Component::reported(name, reported.and_then(|c| c.bytes))
                    .entries(reported.map_or(0, |c| c.len), bound),
            );
        }
    }

    fn check(&self, _after_candle: bool) -> Result<(), Violation> {
        if let Some(failure) = &self.failure {
            return Err(self.failure_violation(failure));
        }
        if let Some(reported) = self.sample.violations.first() {
            return Err(Violation::new(
                Invariant::Domain(Cow::Owned(reported.invariant.clone())),
                reported.observed,
                reported.allowed,
                Cow::Owned(reported.unit.clone()),
            ));
        }
        if let (Some(ceiling), Some(os)) = (self.rss_ceiling, self.os) {
            if os.rss_bytes > ceiling {
                return Err(
                    Violation::domain("rss-ceiling", os.rss_bytes, ceiling, "bytes")
                        .in_component("process"),
                );
            }
        }
        Ok(())
    }

    fn shutdown(&mut self) -> Result<(), Violation> {
        self.flush();
        if self.failure.is_some() {
            return Ok(());
        }
        if let Some(pool) = &self.reuse {
            if let Some(process) = self.process.take() {
                // The pool's slot is heapbound's, not the bot's.
                match tracking_allocator::AllocationRegistry::untracked(|| pool.park(process)) {
                    None => return Ok(()),
                    Some(refused) => self.process = Some(refused),
                }
            }
        }
        let Some(process) = self.process.as_mut() else {
            return Ok(());
        };
        match tracking_allocator::AllocationRegistry::untracked(|| process.close()) {
            Ok(()) => Ok(()),
            Err(failure) => Err(self.failure_violation(&failure)),
        }
    }

    fn activity(&self) -> Activity {
        Activity {
            trades: self.sample.trades.unwrap_or(self.counters.fills),
            rejected_orders: self.refused,
            cleanups: self.counters.cleanups,
            equity: self
                .sample
                .equity
                .map(|equity| (equity * CASH_UNITS_PER_QUOTE).round() as i64),
            cash_units_per_quote: CASH_UNITS_PER_QUOTE as i64,
        }
    }

    fn describe(&self) -> &str {
        &self.name
    }

    /// Fit the slope to the second half of the run: a Python heap settles
    /// slowly (interned objects, caches of the interpreter), and its growth
    /// while containers fill is not a leak.
    fn warmup_candles(&self, run_candles: u64) -> u64 {
        run_candles / 2
    }

    fn observe(&mut self) {
        self.flush();
        // Outside the bot's group: procfs keeps lazily built statics, which
        // would otherwise count as bytes the bot never returned.
        if let Some(pid) = self.process.as_ref().map(BotProcess::pid) {
            self.os =
                tracking_allocator::AllocationRegistry::untracked(|| ProcessStats::of_pid(pid));
        }
        if !self.stale {
            return;
        }
        self.stale = false;
        if let Some(Answer::Sample(sample)) =
            self.request(r#"{"type":"sample"}"#, "sample", &["sample"])
        {
            let mut counters = self.counters;
            match protocol::check_sample(&sample, &self.declared, &mut counters) {
                Ok(()) => {
                    self.counters = counters;
                    self.sample = sample;
                }
                Err(reason) => self.refuse("sample", reason),
            }
        }
    }

    fn reported_heap(&self) -> Option<HeapStats> {
        Some(HeapStats {
            live_bytes: self.sample.heap.current,
            peak_bytes: self.sample.heap.peak,
            ..HeapStats::default()
        })
    }

    fn process(&self) -> Option<ProcessStats> {
        self.os
    }

    fn coverage(&self, visit: &mut dyn FnMut(u64)) -> bool {
        let Some(lines) = &self.sample.coverage else {
            return false;
        };
        for &line in lines {
            visit(u64::from(line));
        }
        true
    }
}

impl std::fmt::Debug for ExternalBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalBot")
            .field("name", &self.name)
            .field("pid", &self.process.as_ref().map(BotProcess::pid))
            .field("declared", &self.declared)
            .field("answered_candles", &self.answered_candles)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}
