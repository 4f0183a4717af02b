//! The CLI's log subscriber, charged to no allocation group.
//!
//! When a bot logs, the subscriber runs inside the bot's group: its
//! formatting buffer (a thread-local `String`), its span stack and its span
//! slab would be allocated there and outlive the bot, which heapbound would
//! then report as the bot's teardown leak. Every call into the subscriber
//! therefore runs untracked: the log is the CLI's, not the bot's.

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracking_allocator::AllocationRegistry;

/// Installs the log subscriber for `filter` (tracing's `EnvFilter`
/// syntax), writing to stderr.
pub fn init(filter: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .finish();
    tracing::subscriber::set_global_default(Untracked(subscriber)).map_err(|e| e.to_string())
}

/// A subscriber whose every call runs with allocation tracking suspended.
struct Untracked<S>(S);

fn untracked<R>(f: impl FnOnce() -> R) -> R {
    AllocationRegistry::untracked(f)
}

impl<S: Subscriber> Subscriber for Untracked<S> {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        untracked(|| self.0.register_callsite(metadata))
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.0.enabled(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        self.0.max_level_hint()
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        untracked(|| self.0.new_span(attributes))
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        untracked(|| self.0.record(span, values))
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        untracked(|| self.0.record_follows_from(span, follows))
    }

    fn event_enabled(&self, event: &Event<'_>) -> bool {
        self.0.event_enabled(event)
    }

    fn event(&self, event: &Event<'_>) {
        untracked(|| self.0.event(event))
    }

    fn enter(&self, span: &Id) {
        untracked(|| self.0.enter(span))
    }

    fn exit(&self, span: &Id) {
        untracked(|| self.0.exit(span))
    }

    fn clone_span(&self, id: &Id) -> Id {
        untracked(|| self.0.clone_span(id))
    }

    fn try_close(&self, id: Id) -> bool {
        untracked(|| self.0.try_close(id))
    }
}
