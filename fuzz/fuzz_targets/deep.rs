//! `HEAPBOUND_DEEP=orphan-index cargo fuzz run deep`: a bot with a deep
//! defect planted: the paper desk's (`heapbound::defects::DeepDefect`) or
//! the grid adapter's (`grid_bot::GridDeepDefect`); without the variable,
//! the correct paper desk. `scripts/time-to-find-deep.sh` times each.
//!
//! Half of the mutations are heapbound's step-level ones (whole steps
//! inserted, deleted, repeated, swapped or given another verb), half
//! libFuzzer's own; `HEAPBOUND_MUTATOR=bytes` leaves them all to
//! libFuzzer.
#![no_main]

use std::sync::OnceLock;

use grid_bot::{DeepGridBot, DeepGridConfig, GridDeepDefect};
use heapbound::defects::{DeepDefect, Desk, DeskConfig};
use heapbound::harness::check_or_save;
use heapbound::paper::PaperBot;
use heapbound::Scenario;

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

#[derive(Clone, Copy)]
enum Planted {
    Desk(Option<DeepDefect>),
    Grid(GridDeepDefect),
}

fn planted() -> Planted {
    static PLANTED: OnceLock<Planted> = OnceLock::new();
    *PLANTED.get_or_init(|| {
        let Ok(name) = std::env::var("HEAPBOUND_DEEP") else {
            return Planted::Desk(None);
        };
        if let Some(defect) = DeepDefect::from_name(&name) {
            return Planted::Desk(Some(defect));
        }
        match GridDeepDefect::from_name(&name) {
            Some(defect) => Planted::Grid(defect),
            None => panic!("HEAPBOUND_DEEP={name:?} names no deep defect"),
        }
    })
}

/// Where a failing scenario is saved as JSON, with the defect in its
/// config: the crash file alone does not say which defect was planted.
fn saved_as(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("heapbound-deep-{name}.json"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match planted() {
        Planted::Desk(defect) => {
            // The paper bot's scenario bytes, so corpus/actions seeds it.
            let Ok(scenario) = Scenario::<PaperBot>::from_fuzz_bytes(data) else {
                return;
            };
            let scenario = scenario.map_config::<Desk>(|bot| DeskConfig { bot, defect });
            let name = defect.map_or("none", DeepDefect::name);
            check_or_save(
                &scenario,
                &saved_as(name),
                "cargo run --release --example heapbound-desk -- replay",
            );
        }
        Planted::Grid(defect) => {
            let Ok(scenario) = Scenario::<grid_bot::GoodGridBot>::from_fuzz_bytes(data) else {
                return;
            };
            let scenario = scenario.map_config::<DeepGridBot>(|grid| DeepGridConfig {
                grid,
                defect: Some(defect),
            });
            check_or_save(
                &scenario,
                &saved_as(defect.name()),
                "cargo run --release -p grid-bot --bin heapbound-deep-grid -- replay",
            );
        }
    }
});

fn bytes_only() -> bool {
    static BYTES_ONLY: OnceLock<bool> = OnceLock::new();
    *BYTES_ONLY.get_or_init(|| std::env::var("HEAPBOUND_MUTATOR").is_ok_and(|m| m == "bytes"))
}

libfuzzer_sys::fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    if bytes_only() || seed % 2 == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    match planted() {
        Planted::Desk(_) => {
            heapbound::harness::mutate::mutate_fuzz_input::<PaperBot>(data, size, max_size, seed)
        }
        Planted::Grid(_) => heapbound::harness::mutate::mutate_fuzz_input::<grid_bot::GoodGridBot>(
            data, size, max_size, seed,
        ),
    }
});
