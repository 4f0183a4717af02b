//! The command line for the grid bot whose adapter panics on a fill
//! reported twice (see `grid_bot::DoubleFillGridBot`).

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn main() -> std::process::ExitCode {
    heapbound::cli::main::<grid_bot::DoubleFillGridBot>()
}
