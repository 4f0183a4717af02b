//! heapbound's command line for the paper desk (`defects::Desk`), where the
//! deep defects live: `--config` picks one, e.g. `{"defect": "orphan-index"}`.
//!
//! ```sh
//! echo '{"defect": "orphan-index"}' > /tmp/orphan.json
//! cargo run --release --example heapbound-desk -- explore --config /tmp/orphan.json --time 20s
//! ```

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn main() -> std::process::ExitCode {
    heapbound::cli::main::<heapbound::defects::Desk>()
}
