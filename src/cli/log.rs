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

use crate::bot::Bot;

/// Installs the log subscriber for `filter` (tracing's `EnvFilter`
/// syntax), writing to stderr.
pub fn init(filter: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .finish();
    // `try_init` also routes the `log` crate's records here.
    tracing_subscriber::util::SubscriberInitExt::try_init(Untracked(subscriber))
        .map_err(|e| e.to_string())
}

/// The filter when none is given: every crate's errors, and the warnings
/// of heapbound and of the crate that defines the bot (its dependencies'
/// warnings are noise in a report: barter warns on every reconnect).
pub fn default_filter<B: Bot>() -> String {
    let bot_crate = std::any::type_name::<B>()
        .split("::")
        .next()
        .unwrap_or("heapbound");
    match bot_crate {
        "heapbound" => "error,heapbound=warn".to_string(),
        _ => format!("error,heapbound=warn,{bot_crate}=warn"),
    }
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
        // A filter with span directives builds its per-thread scope here.
        untracked(|| self.0.enabled(metadata))
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
        untracked(|| self.0.event_enabled(event))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_filter_names_the_bots_own_crate_and_parses() {
        let filter = default_filter::<crate::paper::PaperBot>();
        assert_eq!(filter, "error,heapbound=warn");
        assert!(tracing_subscriber::EnvFilter::try_new(&filter).is_ok());
    }
}
