//! The same command line for the grid bot behind an adapter with deep
//! defects: `--config '{"defect": "fill-after-cancel"}'` plants one.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn main() -> std::process::ExitCode {
    heapbound::cli::main::<grid_bot::DeepGridBot>()
}
