//! `cargo fuzz run candle_file corpus/candle_file`: the candle file reader
//! on arbitrary bytes (first byte: options, the rest: the file).
#![no_main]

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    heapbound::targets::fuzz_builtin(heapbound::targets::Builtin::CandleFile, data);
});
