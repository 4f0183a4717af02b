//! A bot running in production, watched: [`Live`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::bot::{Bot, MarketView};
use crate::harness::{BuildError, Run, RunOptions};
use crate::heap::{Group, HeapStats};
use crate::leak::{default_leak_budget, GrowthModel, Part, DEFAULT_HORIZON_CANDLES};
use crate::market::Candle;
use crate::process::ProcessStats;

use super::alert::{Alert, AlertKind};
use super::export;
use super::recorder::FlightRecorder;
use super::trend::LengthTrend;

/// How a [`Live`] bot is watched. Start from `MonitorOptions::default()`
/// and change what you need.
#[derive(Clone, Debug)]
pub struct MonitorOptions {
    /// Sample after every this many events (candles and actions).
    pub every_events: u64,
    /// Sample at least this often in wall-clock time (looked at every 256
    /// events, so the clock costs nothing per event); `None`: events only.
    pub every: Option<Duration>,
    /// How far ahead a component's length is projected, in events
    /// (default: a week of 1-minute candles).
    pub horizon_events: u64,
    /// Samples a length trend is fitted over (default 128): the trend
    /// spans `window x every_events` events, or that many samples of the
    /// clock.
    pub window: usize,
    /// Alert when the process's resident set passes this many bytes.
    pub rss_limit: Option<u64>,
    /// Growth over a year of candles the heap may show before a leak
    /// alert (default: the harness's, 16 KiB).
    pub leak_budget: u64,
    /// Candles the flight recorder keeps (default 65,536; 0: no recorder),
    /// with a quarter as many actions. Its rings are allocated once: 48
    /// bytes a candle, 8 more than an action's size per action, plus what
    /// an action holds on the heap (3.6 MiB for the paper bot). A replay
    /// starts a fresh bot, so a slow leak replays to its breach only if the
    /// rings hold the inputs that made it.
    pub recorder_capacity: usize,
    /// Where the flight recorder writes a dump for each alert (`None`: only
    /// on [`Live::dump`]).
    pub dump_dir: Option<PathBuf>,
    /// Milliseconds between candles, for the market view actions see.
    pub candle_interval_ms: i64,
    /// Append every sample and alert here as JSON Lines, the input of
    /// `heapbound report` (the weekly review).
    pub samples_log: Option<PathBuf>,
}

impl Default for MonitorOptions {
    fn default() -> MonitorOptions {
        MonitorOptions {
            every_events: 4_096,
            every: Some(Duration::from_secs(1)),
            horizon_events: 7 * 24 * 60,
            window: 128,
            rss_limit: None,
            leak_budget: default_leak_budget(false),
            recorder_capacity: 65_536,
            dump_dir: None,
            candle_interval_ms: 60_000,
            samples_log: None,
        }
    }
}

/// A bot running in production with heapbound watching: the same
/// components, checks and leak model as the harness, on the live stream.
///
/// Feed it every candle and action as they come ([`Live::feed`],
/// [`Live::apply`]); at the sampling cadence it reads the bot's components
/// between events, in the bot's own thread (no lock, no copy of the bot),
/// runs every check, fits each component's length and the heap's growth,
/// projects them, raises alerts through `tracing`, your callback and the
/// `metrics` facade, and keeps the recent inputs in a flight recorder
/// whose dump `heapbound replay` runs. The monitor's own state is charged
/// to a group of its own, fixed in size, and exported as
/// `heapbound_monitor_bytes`.
pub struct Live<B: Bot> {
    run: Run<B>,
    config: B::Config,
    options: MonitorOptions,
    state: Group,
    trends: Vec<LengthTrend>,
    growth: GrowthModel,
    parts: Vec<Part>,
    recorder: Option<FlightRecorder<B::Action>>,
    fired: BTreeSet<(&'static str, String)>,
    alerts: Vec<Alert>,
    on_alert: Option<AlertCallback>,
    market: MarketView,
    events: u64,
    /// Candles before the growth model samples (`Bot::warmup_candles`).
    warmup: u64,
    /// Candles before lengths are projected: the largest bound of a
    /// component that is not capped (one that is is never projected).
    projection_warmup: u64,
    started: Instant,
    last_sample: Instant,
    dumps: u64,
    /// Events until the next sample by count.
    until_sample: u64,
    /// Events until the clock is read.
    until_clock: u64,
    log: Option<std::fs::File>,
}

/// Events between two looks at the wall clock.
const CLOCK_EVERY: u64 = 256;

/// What [`Live::on_alert`] calls.
type AlertCallback = Box<dyn FnMut(&Alert) + Send>;

/// Alerts kept for [`Live::alerts`]; older ones are dropped.
const KEPT_ALERTS: usize = 256;

impl<B: Bot> Live<B> {
    /// Builds the bot from `config` in its own group, as the harness does.
    pub fn new(config: B::Config, options: MonitorOptions) -> Result<Live<B>, BuildError> {
        let run = Run::<B>::new(&config, &RunOptions::default())?;
        let mut state = Group::new();
        let (trends, recorder, growth, parts, alerts) = state.run(|| {
            let count = {
                let mut count = 0;
                run.bot().components(&mut |_| count += 1);
                count
            };
            (
                (0..count)
                    .map(|_| LengthTrend::new(options.window))
                    .collect::<Vec<_>>(),
                (options.recorder_capacity > 0)
                    .then(|| FlightRecorder::new(options.recorder_capacity)),
                GrowthModel::levels(),
                Vec::with_capacity(count),
                Vec::with_capacity(KEPT_ALERTS),
            )
        });
        let warmup = run.bot().warmup_candles(u64::MAX);
        let options_every_events = options.every_events.max(1);
        let options_samples_log = options.samples_log.clone();
        let projection_warmup = projection_warmup(run.bot());
        let now = Instant::now();
        Ok(Live {
            run,
            config,
            state,
            trends,
            growth,
            parts,
            recorder,
            fired: BTreeSet::new(),
            alerts,
            on_alert: None,
            market: MarketView {
                last_close: 0,
                next_time_ms: 0,
                interval_ms: options.candle_interval_ms,
                candles: 0,
            },
            options,
            events: 0,
            warmup,
            projection_warmup,
            started: now,
            last_sample: now,
            dumps: 0,
            until_sample: options_every_events,
            until_clock: CLOCK_EVERY,
            log: open_log(options_samples_log.as_deref()),
        })
    }

    /// Calls `callback` with every alert as it is raised (after `tracing`
    /// logged it): ask your supervisor for a restart, page someone.
    pub fn on_alert(mut self, callback: impl FnMut(&Alert) + Send + 'static) -> Live<B> {
        self.on_alert = Some(Box::new(callback));
        self
    }

    /// Feeds one candle to the bot (a panic in it propagates, as it would
    /// without the monitor); returns the alerts this raised.
    pub fn feed(&mut self, candle: Candle) -> &[Alert] {
        self.run.feed_unguarded(std::slice::from_ref(&candle));
        if let Some(recorder) = &mut self.recorder {
            recorder.candle(&candle); // no heap: see feed_all
        }
        self.market_moved(&candle, 1);
        let before = self.alerts.len();
        self.advance(1);
        &self.alerts[before.min(self.alerts.len())..]
    }

    /// Feeds candles that arrived together (an exchange's batch), with the
    /// bot's group entered once per stretch between samples: the cheaper
    /// path for a fast bot. Samples fall on the same events as with
    /// [`Live::feed`]; returns the alerts raised.
    pub fn feed_all(&mut self, candles: &[Candle]) -> &[Alert] {
        let before = self.alerts.len();
        let mut rest = candles;
        while !rest.is_empty() {
            // Up to the next sample by count or the next look at the clock.
            let room = self.until_sample.min(self.until_clock);
            let take = usize::try_from(room)
                .unwrap_or(usize::MAX)
                .clamp(1, rest.len());
            let (chunk, tail) = rest.split_at(take);
            self.run.feed_unguarded(chunk);
            if let Some(recorder) = &mut self.recorder {
                // The ring, allocated once, takes them without allocating,
                // so no group needs entering. After the step, not before:
                // copying first measured 3 ns a candle, after 0.8.
                recorder.candles(chunk);
            }
            self.market_moved(&chunk[chunk.len() - 1], take as u64);
            self.advance(take as u64);
            rest = tail;
        }
        &self.alerts[before.min(self.alerts.len())..]
    }

    /// Applies one of the bot's actions; returns the alerts this raised.
    pub fn apply(&mut self, action: B::Action) -> &[Alert] {
        if let Some(recorder) = &mut self.recorder {
            self.state.run(|| recorder.action(&action));
        }
        self.run.apply(&action, &self.market);
        let before = self.alerts.len();
        self.advance(1);
        &self.alerts[before.min(self.alerts.len())..]
    }

    /// The market view actions see, after `candles` candles ending with `last`.
    fn market_moved(&mut self, last: &Candle, candles: u64) {
        self.market.last_close = last.close();
        self.market.next_time_ms = last.open_time() + self.options.candle_interval_ms;
        self.market.candles += candles;
    }

    /// Counts `events` handled (never past the next sample or look at the
    /// clock) and samples when one is due.
    fn advance(&mut self, events: u64) {
        self.events += events;
        // Countdowns, not `events % every`: a division per event would cost
        // more than the step of a fast bot.
        self.until_sample -= events;
        self.until_clock -= events;
        let mut due = self.until_sample == 0;
        if self.until_clock == 0 {
            self.until_clock = CLOCK_EVERY;
            due |= self
                .options
                .every
                .is_some_and(|every| self.last_sample.elapsed() >= every);
        }
        if due {
            self.sample();
        }
    }

    /// Samples now, whatever the cadence; returns the alerts raised.
    pub fn sample_now(&mut self) -> &[Alert] {
        let before = self.alerts.len();
        self.sample();
        &self.alerts[before.min(self.alerts.len())..]
    }

    fn sample(&mut self) {
        self.last_sample = Instant::now();
        self.until_sample = self.options.every_events.max(1);
        let mut raised = Vec::new();
        for violation in self.run.check(false) {
            raised.push(AlertKind::violation(&violation));
        }
        let heap = self.run.heap();
        let process = ProcessStats::read();
        if let (Some(limit), Some(process)) = (self.options.rss_limit, process) {
            if process.rss_bytes > limit {
                raised.push(AlertKind::Rss {
                    bytes: process.rss_bytes,
                    limit,
                });
            }
        }
        let candles = self.market.candles;
        let past_warmup = candles > self.warmup;
        let projecting = candles > self.projection_warmup;
        // One walk over the components serves the trends, the export and
        // the samples log.
        let mut components = Vec::new();
        self.run.bot().components(&mut |component| {
            components.push(export::Figures::of(&component));
        });
        let mut slope = None;
        let horizon = self.options.horizon_events;
        let events = self.events;
        self.state.run(|| {
            for (trend, figures) in self.trends.iter_mut().zip(&components) {
                let (name, len, bound) = (figures.name, figures.len, figures.bound);
                trend.push(events, len);
                if !projecting || figures.capped || bound == usize::MAX || len > bound {
                    continue;
                }
                if let Some(rate) = trend.kept_rate() {
                    let room = (bound - len) as f64;
                    if rate * horizon as f64 > room {
                        raised.push(AlertKind::ProjectedBound {
                            component: name,
                            len,
                            bound,
                            per_event: rate,
                            events_to_bound: (room / rate).ceil() as u64 + 1,
                        });
                    }
                }
            }
            if past_warmup {
                self.run.parts(&mut self.parts);
                self.growth
                    .observe(candles, heap.live_bytes, &self.parts, true);
                let verdict = self
                    .growth
                    .verdict(DEFAULT_HORIZON_CANDLES, self.options.leak_budget);
                slope = Some(verdict.slope.bytes_per_candle);
                if verdict.leak {
                    let component = verdict
                        .blamed
                        .and_then(|index| components.get(index).map(|c| c.name))
                        .unwrap_or("bot");
                    raised.push(AlertKind::Leak {
                        component,
                        bytes_per_event: verdict.slope.bytes_per_candle,
                        projected_bytes: verdict.projected_bytes,
                    });
                }
            }
        });
        export::sample(
            &self.run,
            &components,
            &heap,
            process.as_ref(),
            slope,
            self.events,
            self.state.live_bytes(),
        );
        if self.log.is_some() {
            let line = self.sample_line(&components, &heap, process.as_ref());
            self.write_log(&line);
        }
        for kind in raised {
            self.raise(kind);
        }
    }

    fn raise(&mut self, kind: AlertKind) {
        if !self.fired.insert(kind.key()) {
            return; // once per kind and component
        }
        let mut alert = Alert {
            kind,
            event: self.events,
            elapsed_seconds: self.started.elapsed().as_secs_f64(),
            dump: None,
        };
        if let Some(dir) = self.options.dump_dir.clone() {
            self.dumps += 1;
            let path = dir.join(format!(
                "heapbound-flight-{}-{}.json",
                self.events, self.dumps
            ));
            match self.dump(&path) {
                Ok(()) => alert.dump = Some(path.display().to_string()),
                Err(error) => {
                    tracing::error!("flight recorder: cannot write {}: {error}", path.display())
                }
            }
        }
        tracing::warn!(target: "heapbound::monitor", "{alert}");
        if self.log.is_some() {
            let line =
                serde_json::json!({"alert": {"message": alert.to_string(), "dump": alert.dump}});
            self.write_log(&line);
        }
        export::alert(&alert);
        if let Some(callback) = &mut self.on_alert {
            callback(&alert);
        }
        if self.alerts.len() == KEPT_ALERTS {
            self.alerts.remove(0);
        }
        self.alerts.push(alert);
    }

    /// Writes the flight recorder's inputs with the bot's config as a
    /// scenario that `heapbound replay PATH` runs against a fresh bot.
    pub fn dump(&self, path: &std::path::Path) -> std::io::Result<()> {
        match &self.recorder {
            Some(recorder) => recorder.dump::<B>(&self.config, path),
            None => Err(std::io::Error::other(
                "the flight recorder is off (recorder_capacity 0)",
            )),
        }
    }

    /// The bot.
    pub fn bot(&self) -> &B {
        self.run.bot()
    }

    /// Every alert raised so far (the latest 256).
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Events (candles and actions) handled.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The bot's heap as heapbound's allocator measures it.
    pub fn heap(&self) -> HeapStats {
        self.run.heap()
    }

    /// Bytes the monitor itself holds (its trends, model and recorder).
    pub fn monitor_bytes(&self) -> u64 {
        self.state.live_bytes()
    }
}

impl<B: Bot> Live<B> {
    /// A sample as a samples-log line (the schema of soak's checkpoints,
    /// with lengths), built inside the monitor's group.
    fn sample_line(
        &mut self,
        components: &[export::Figures],
        heap: &HeapStats,
        process: Option<&ProcessStats>,
    ) -> serde_json::Value {
        let events = self.events;
        self.state.run(|| {
            let mut bytes = serde_json::Map::new();
            let mut lens = serde_json::Map::new();
            for figures in components {
                if let Some(known) = figures.bytes {
                    bytes.insert(figures.name.to_string(), known.into());
                }
                lens.insert(figures.name.to_string(), figures.len.into());
            }
            serde_json::json!({
                "seed": 0,
                "candle": events,
                "live_bytes": heap.live_bytes,
                "components": bytes,
                "lens": lens,
                "rss_bytes": process.map_or(0, |p| p.rss_bytes),
            })
        })
    }

    /// Appends one line to the samples log; a failed write is logged once
    /// and ends the log (the bot goes on).
    fn write_log(&mut self, line: &serde_json::Value) {
        use std::io::Write as _;
        let Some(file) = &mut self.log else {
            return;
        };
        let mut text = line.to_string();
        text.push('\n');
        if let Err(error) = file.write_all(text.as_bytes()) {
            tracing::error!("heapbound monitor: cannot append to the samples log: {error}");
            self.log = None;
        }
    }
}

fn open_log(path: Option<&std::path::Path>) -> Option<std::fs::File> {
    let path = path?;
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        Ok(file) => Some(file),
        Err(error) => {
            tracing::error!(
                "heapbound monitor: cannot open the samples log {}: {error}",
                path.display()
            );
            None
        }
    }
}

/// The largest bound of a component that is not capped.
fn projection_warmup<B: Bot>(bot: &B) -> u64 {
    let mut longest = 0u64;
    bot.components(&mut |component| {
        if component.bound != usize::MAX && !component.is_capped() {
            longest = longest.max(component.bound as u64);
        }
    });
    longest
}

impl<B: Bot> std::fmt::Debug for Live<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("bot", &B::NAME)
            .field("events", &self.events)
            .field("alerts", &self.alerts.len())
            .field("recorder", &self.recorder)
            .finish_non_exhaustive()
    }
}
