//! The `heapbound` command line.

// A `Violation` is returned once per failed run; see the library's note.
#![allow(clippy::result_large_err)]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
