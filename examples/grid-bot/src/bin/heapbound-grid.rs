//! `cargo run --release -p grid-bot --bin heapbound-grid -- simulate`:
//! heapbound's command line for the grid bot.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn main() -> std::process::ExitCode {
    heapbound::cli::main::<grid_bot::GoodGridBot>()
}
