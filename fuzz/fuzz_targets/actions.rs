//! `cargo fuzz run actions corpus/actions`: the paper bot's scenarios.
//! `HEAPBOUND_INJECT=slow-drip@strategy cargo fuzz run actions` fuzzes it
//! with a leak planted (only this target reads the variable).
#![no_main]

use std::sync::OnceLock;

use heapbound::defects::{LeakSpec, Leaky, LeakyConfig};
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

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(scenario) = Scenario::<PaperBot>::from_fuzz_bytes(data) else {
        return;
    };
    match injected() {
        None => heapbound::harness::check_or_panic(
            &scenario,
            "cargo run --release -- replay fuzz/artifacts/actions/<crash-file>",
        ),
        Some(leak) => {
            let scenario = scenario.map_config::<Leaky<PaperBot>>(|bot| LeakyConfig {
                bot,
                leak: leak.clone(),
            });
            let component = leak.component.as_deref().map(|c| format!("@{c}")).unwrap_or_default();
            heapbound::harness::check_or_panic(
                &scenario,
                &format!(
                    "cargo run --release -- replay fuzz/artifacts/actions/<crash-file> --inject {}{component}",
                    leak.pattern.name()
                ),
            );
        }
    }
});
