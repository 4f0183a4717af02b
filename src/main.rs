//! The `heapbound` command line: the generic CLI over the paper bot.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

fn main() -> std::process::ExitCode {
    heapbound::cli::main_with_flags::<heapbound::paper::PaperBot, heapbound::cli::PaperFlags>()
}
