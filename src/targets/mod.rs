//! heapbound's own fuzz targets, beside the bots' scenario target: the
//! bounded containers against reference models, the candle generator, the
//! CSV reader on arbitrary files, and the corpus those targets replay.
//! They test heapbound itself; a user's bot needs none of them.

mod builtin;
mod candle_file;
mod candles;
pub mod containers;
mod corpus;

pub use builtin::{fuzz_builtin, Builtin, BuiltinInput, DecodeError};
pub use candle_file::{check_candle_file, CandleFileInput};
pub use candles::{check_candles, CandlesInput};
pub use corpus::{corpus_files, read_corpus};
