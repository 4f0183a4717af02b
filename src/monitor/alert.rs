//! What the monitor raises.

use serde::Serialize;

use crate::violation::Violation;

/// One alert: what crossed which line, when, and where the flight
/// recorder's dump went (when it wrote one).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Alert {
    /// What it is about.
    pub kind: AlertKind,
    /// Events (candles and actions) the bot had handled.
    pub event: u64,
    /// Seconds since the monitor started (wall clock).
    pub elapsed_seconds: f64,
    /// The flight recorder's dump written for it, if any.
    pub dump: Option<String>,
}

/// The kinds of alert, each with its numbers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
#[non_exhaustive]
pub enum AlertKind {
    /// A component's length, continued at its fitted rate, passes its
    /// bound within the horizon (raised before the bound breaks).
    ProjectedBound {
        /// The component.
        component: &'static str,
        /// Its length now.
        len: usize,
        /// Its bound.
        bound: usize,
        /// Entries per event, fitted over the recent window.
        per_event: f64,
        /// Events until the projection passes the bound.
        events_to_bound: u64,
    },
    /// The bot's heap outside what its components hold grows at a rate
    /// that passes the leak budget within the horizon (the harness's
    /// growth model, on events).
    Leak {
        /// The component blamed, or `bot`.
        component: &'static str,
        /// Bytes per event.
        bytes_per_event: f64,
        /// Bytes over the horizon.
        projected_bytes: f64,
    },
    /// A check the harness runs broke (a bound, a budget, the heap
    /// ceiling, one of the bot's invariants).
    Violation {
        /// The violation, as a report line.
        summary: String,
        /// Its invariant.
        invariant: String,
        /// Its component, or `bot`.
        component: String,
    },
    /// The process's resident set passed the limit.
    Rss {
        /// Bytes now.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
}

impl AlertKind {
    pub(crate) fn violation(violation: &Violation) -> AlertKind {
        AlertKind::Violation {
            summary: violation.summary(),
            invariant: violation.invariant.name().to_string(),
            component: violation.component.as_deref().unwrap_or("bot").to_string(),
        }
    }

    /// The kind's name, as the `heapbound_alerts_total` counter labels it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            AlertKind::ProjectedBound { .. } => "projected-bound",
            AlertKind::Leak { .. } => "leak",
            AlertKind::Violation { .. } => "violation",
            AlertKind::Rss { .. } => "rss",
        }
    }

    /// The key an alert fires once for: its kind and component (for a
    /// broken check, its invariant too).
    pub(crate) fn key(&self) -> (&'static str, String) {
        let detail = match self {
            AlertKind::Violation {
                invariant,
                component,
                ..
            } => format!("{invariant} in {component}"),
            other => other.component().to_string(),
        };
        (self.name(), detail)
    }

    /// The component it names (`bot` for the heap outside every
    /// component, `process` for the RSS).
    pub fn component(&self) -> &str {
        match self {
            AlertKind::ProjectedBound { component, .. } | AlertKind::Leak { component, .. } => {
                component
            }
            AlertKind::Violation { component, .. } => component,
            AlertKind::Rss { .. } => "process",
        }
    }
}

impl std::fmt::Display for Alert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            AlertKind::ProjectedBound {
                component,
                len,
                bound,
                per_event,
                events_to_bound,
            } => write!(
                f,
                "projected-bound in {component} at event {}: {len} of {bound} entries, +{per_event:.4} per event, past its bound in {events_to_bound} events (a component that cannot pass its bound by construction says so with Component::capped)",
                self.event
            ),
            AlertKind::Leak {
                component,
                bytes_per_event,
                projected_bytes,
            } => write!(
                f,
                "leak-slope in {component} at event {}: {bytes_per_event:.3} B/event, {projected_bytes:.0} bytes over the horizon",
                self.event
            ),
            AlertKind::Violation { summary, .. } => write!(f, "{summary} (event {})", self.event),
            AlertKind::Rss { bytes, limit } => {
                write!(f, "rss at event {}: {bytes} bytes, limit {limit}", self.event)
            }
        }?;
        if let Some(dump) = &self.dump {
            write!(f, "; flight recorder: {dump}")?;
        }
        Ok(())
    }
}
