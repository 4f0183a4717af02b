//! A framework object held in a group of its own, its inner container
//! described as a counted component `within` it: the bot keeps a heap
//! ceiling (the framework's budget plus the bot's overhead), so bytes the
//! bot keeps outside every component past it are caught by `heap-ceiling`
//! even when they stop growing before the leak slope could tell.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use heapbound::heap::Tracked;
use heapbound::market::CandleGenerator;
use heapbound::sim::{simulate, SimOptions};
use heapbound::{Bot, Candle, CandleOutcome, Component, ConfigError, Invariant, MarketView};

/// The framework, as if it were another crate's: a book of recent closes.
struct Book {
    closes: Vec<i64>,
}

const BOOK_BOUND: usize = 64;

struct FrameworkBot {
    book: Tracked<Book>,
    book_budget: u64,
    /// Bytes kept outside every component: the defect, when set.
    audit: Vec<u8>,
    audit_cap: usize,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
struct AuditConfig {
    /// Bytes of audit trail kept outside every component (0: none).
    audit_cap: u32,
}

impl Bot for FrameworkBot {
    type Config = AuditConfig;
    type Action = ();
    const NAME: &'static str = "framework-bot";

    fn build(config: &AuditConfig) -> Result<Self, ConfigError> {
        let book = Tracked::new(|| Book {
            closes: Vec::with_capacity(BOOK_BOUND),
        });
        let book_budget = book.group().live_bytes() + 64;
        Ok(FrameworkBot {
            book,
            book_budget,
            audit: Vec::new(),
            audit_cap: config.audit_cap as usize,
        })
    }

    fn on_candle(&mut self, candle: &Candle) -> CandleOutcome {
        self.book.with_mut(|book| {
            if book.closes.len() == BOOK_BOUND {
                book.closes.remove(0);
            }
            book.closes.push(candle.close());
        });
        if self.audit.len() < self.audit_cap {
            self.audit.extend_from_slice(&[0; 16]);
        }
        CandleOutcome::default()
    }

    fn apply(&mut self, _action: &(), _market: &MarketView) {}

    fn components(&self, visit: &mut dyn FnMut(Component<'_>)) {
        visit(Component::new("book", &self.book).budget(self.book_budget));
        visit(
            Component::counted("closes")
                .entries(self.book.get().closes.len(), BOOK_BOUND)
                .within("book"),
        );
    }
}

fn run(audit_cap: u32) -> heapbound::sim::SimReport {
    let options = SimOptions {
        candles: 50_000,
        ..SimOptions::default()
    };
    simulate::<FrameworkBot>(
        &options,
        &AuditConfig { audit_cap },
        CandleGenerator::new(3),
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn a_component_within_another_keeps_the_heap_ceiling() {
    let correct = run(0);
    assert!(correct.broken.is_empty(), "{:?}", correct.violations);
    // The framework's budget plus the bot's overhead: no component without
    // a budget switches the ceiling off.
    assert!(
        correct.heap.ceiling_bytes < 4_096,
        "{}",
        correct.heap.ceiling_bytes
    );
}

#[test]
fn bytes_kept_outside_every_component_pass_that_ceiling() {
    // 8 KiB kept, then no more growth: no slope to see, the ceiling holds.
    let leaky = run(8_192);
    assert!(
        leaky
            .broken
            .iter()
            .any(|violation| violation.invariant == Invariant::HeapCeiling),
        "{:?}",
        leaky.violations
    );
}
