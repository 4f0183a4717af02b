//! Megabytes per second of the candle file reader on a 200,000-row file of
//! generated candles in the header layout: the validation pass and the
//! streaming pass `simulate --candles-file` makes, each timed alone.
//! `cargo bench --bench csv_reader`.

use std::io::Write;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use heapbound::market::csv::{open, CsvOptions};
use heapbound::market::CandleGenerator;

const ROWS: usize = 200_000;

/// Prices in ticks of 0.01, written as decimals; times in epoch ms.
fn write_candles(file: &mut impl Write) -> std::io::Result<()> {
    writeln!(file, "time,open,high,low,close,volume")?;
    let decimal = |ticks: i64| format!("{}.{:02}", ticks / 100, ticks % 100);
    for candle in CandleGenerator::new(7).take(ROWS) {
        writeln!(
            file,
            "{},{},{},{},{},{}",
            candle.open_time(),
            decimal(candle.open()),
            decimal(candle.high()),
            decimal(candle.low()),
            decimal(candle.close()),
            candle.volume()
        )?;
    }
    file.flush()
}

fn csv_reader(c: &mut Criterion) {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    write_candles(&mut std::io::BufWriter::new(file.as_file_mut())).expect("writing the file");
    let bytes = file.as_file().metadata().expect("its size").len();
    let mut group = c.benchmark_group("csv_reader");
    group.throughput(Throughput::Bytes(bytes));
    let open_file = || open(file.path(), CsvOptions::default()).expect("a valid file");
    group.bench_function("validate", |b| {
        b.iter(|| open_file().validate().expect("valid rows").rows)
    });
    group.bench_function("stream", |b| {
        b.iter_batched(
            || {
                let mut reader = open_file();
                reader.validate().expect("valid rows");
                reader
            },
            |mut reader| reader.candles().count(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, csv_reader);
criterion_main!(benches);
