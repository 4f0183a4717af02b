//! Production: the same components, checks and leak model watching a live
//! bot, and a flight recorder that turns an alert into a replay.
//!
//! ```no_run
//! # #[cfg(feature = "prometheus")] {
//! use heapbound::monitor::{install_prometheus, Live, MonitorOptions};
//! use heapbound::paper::{BotConfig, PaperBot};
//!
//! install_prometheus("127.0.0.1:9184".parse().unwrap()).unwrap();
//! let options = MonitorOptions {
//!     dump_dir: Some("/var/lib/mybot".into()),   // a replayable dump per alert
//!     ..MonitorOptions::default()
//! };
//! let mut live = Live::<PaperBot>::new(BotConfig::default(), options)
//!     .unwrap()
//!     .on_alert(|alert| eprintln!("heapbound: {alert}"));
//! # let candles: Vec<heapbound::Candle> = Vec::new();
//! for candle in candles {                 // from your exchange feed
//!     live.feed(candle);
//! }
//! # }
//! ```
//!
//! Every `every_events` events (default 4,096) or every second, whichever
//! comes first, [`Live`] reads the bot's components between events, in the
//! bot's own thread, and:
//! - runs the harness's checks (bounds, budgets, the heap ceiling, the
//!   bot's invariants) and raises each broken one;
//! - fits each component's length over the recent samples and, past
//!   warm-up, raises `projected-bound` when growth that is kept (the
//!   growth model's floor rule) and real (its band excludes zero) passes
//!   the bound within `horizon_events`: before the bound breaks. A
//!   component whose length cannot pass its bound by construction says
//!   so ([`Component::capped`](crate::Component::capped)) and is not
//!   projected: its filling is not a breach;
//! - feeds the harness's growth model with the bot's heap and raises
//!   `leak-slope` ([`AlertKind::Leak`]) when it would;
//! - exports every figure through the `metrics` facade.
//!
//! A length trend is fitted over the last `window` samples (default 128),
//! that is `window x every_events` events; growth that levels off (the
//! recent half of the window grows at under half the window's rate) or
//! only climbs back to a length held before is not projected. Failed
//! checks arrive as [`AlertKind::Violation`] with the invariant's name
//! (`container-bound`, `component-budget`, `heap-ceiling`, the bot's own).
//!
//! Each alert fires once per kind and component (a later breach of the same
//! kind in the same component is not raised again), through `tracing`
//! (target `heapbound::monitor`), [`Live::on_alert`], the
//! `heapbound_alerts_total` counter, and a flight recorder dump when
//! `dump_dir` is set.

mod alert;
mod export;
mod live;
mod recorder;
mod trend;

pub use alert::{Alert, AlertKind};
#[cfg(feature = "prometheus")]
pub use export::install_prometheus;
pub use live::{Live, MonitorOptions};
pub use recorder::FlightRecorder;
