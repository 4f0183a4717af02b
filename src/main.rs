//! The `heapbound` command line.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
