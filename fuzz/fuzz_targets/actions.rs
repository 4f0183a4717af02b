//! `cargo fuzz run actions corpus/actions`: the paper bot's scenarios.
//! `HEAPBOUND_INJECT=slow-drip@strategy cargo fuzz run actions` fuzzes it
//! with a leak planted, `HEAPBOUND_DEFECT=oversell` with an accounting
//! defect (only this target reads the variables).
#![no_main]

use std::sync::OnceLock;

use heapbound::defects::{BooksDefect, LeakSpec, Leaky, LeakyConfig, Misbooked, MisbookedConfig};
use heapbound::paper::PaperBot;
use heapbound::Scenario;

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn injected() -> Option<&'static LeakSpec> {
    static INJECTED: OnceLock<Option<LeakSpec>> = OnceLock::new();
    INJECTED
        .get_or_init(|| {
            let text = std::env::var("HEAPBOUND_INJECT").ok()?;
            LeakSpec::parse(&text)
                .map_err(|error| panic!("HEAPBOUND_INJECT: {error}"))
                .ok()
        })
        .as_ref()
}

fn defect() -> Option<BooksDefect> {
    static DEFECT: OnceLock<Option<BooksDefect>> = OnceLock::new();
    *DEFECT.get_or_init(|| {
        let name = std::env::var("HEAPBOUND_DEFECT").ok()?;
        let defect = serde_json::from_value(serde_json::Value::String(name.clone()))
            .unwrap_or_else(|_| panic!("HEAPBOUND_DEFECT={name:?} names no defect"));
        Some(defect)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(scenario) = Scenario::<PaperBot>::from_fuzz_bytes(data) else {
        return;
    };
    if let Some(defect) = defect() {
        let scenario = scenario.map_config::<Misbooked>(|bot| MisbookedConfig { bot, defect });
        return heapbound::harness::check_or_panic(
            &scenario,
            "a deliberate defect (HEAPBOUND_DEFECT)",
        );
    }
    match injected() {
        None => heapbound::harness::check_or_panic_with(&scenario, || {
            format!(
                "cargo run --release -- replay {}",
                heapbound::harness::crash_file(data)
            )
        }),
        Some(leak) => {
            let scenario = scenario.map_config::<Leaky<PaperBot>>(|bot| LeakyConfig {
                bot,
                leak: leak.clone(),
            });
            heapbound::harness::check_or_panic_with(&scenario, || {
                let component = leak
                    .component
                    .as_deref()
                    .map(|c| format!("@{c}"))
                    .unwrap_or_default();
                format!(
                    "cargo run --release -- replay {} --inject {}{component}",
                    heapbound::harness::crash_file(data),
                    leak.pattern.name()
                )
            });
        }
    }
});
