//! The same command line for the grid bot that never removes cancelled orders.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn main() -> std::process::ExitCode {
    heapbound::cli::main::<grid_bot::LeakyGridBot>()
}
