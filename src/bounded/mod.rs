//! Containers that are bounded by construction: none of them can hold more
//! than the bound it was built with, whatever is pushed into it.

mod lru_map;
mod price_cache;
mod ring_buffer;
mod session_store;
mod trade_history;

pub use lru_map::LruMap;
pub use price_cache::PriceCache;
pub use ring_buffer::RingBuffer;
pub use session_store::{Eviction, Session, SessionStore};
pub use trade_history::{Side, Trade, TradeHistory};
