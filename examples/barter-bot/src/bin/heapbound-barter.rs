//! `cargo run --release -p barter-bot --bin heapbound-barter -- simulate`:
//! heapbound's command line for barter's mock exchange.
#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn main() -> std::process::ExitCode {
    heapbound::cli::main::<barter_bot::BarterBot>()
}
