//! The engine's clock: the time of the last event it processed.
//!
//! barter's `HistoricalClock` adds the wall-clock time since the last event,
//! so two runs of one seed would see different times; heapbound's runs must
//! replay exactly, so the engine reads the candles' time and nothing else.

use barter::engine::clock::{EngineClock, TimeExchange};
use barter::engine::Processor;
use chrono::{DateTime, Utc};

/// The latest exchange time of the events the engine has processed.
#[derive(Clone, Copy, Debug)]
pub struct CandleClock {
    now: DateTime<Utc>,
}

impl CandleClock {
    /// A clock that starts at `start`.
    pub fn new(start: DateTime<Utc>) -> CandleClock {
        CandleClock { now: start }
    }
}

impl EngineClock for CandleClock {
    fn time(&self) -> DateTime<Utc> {
        self.now
    }
}

impl<Event: TimeExchange> Processor<&Event> for CandleClock {
    type Audit = ();

    fn process(&mut self, event: &Event) {
        if let Some(time) = event.time_exchange() {
            self.now = self.now.max(time);
        }
    }
}
