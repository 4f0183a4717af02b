//! Deliberately broken bots, each a wrapper around a correct one: the
//! inputs every detector is proven to fire on.
//!
//! - [`Leaky`] plants one of seven real leak patterns in any bot's component.
//! - [`Misbooked`] gives the paper bot an accounting defect.
//! - [`Desk`] plants a [`DeepDefect`]: a leak reachable only through a
//!   specific order of events.

mod books;
mod deep;
mod leak;

pub use books::{BooksDefect, Misbooked, MisbookedConfig};
pub use deep::{DeepDefect, Desk, DeskConfig};
pub use leak::{LeakPattern, LeakSpec, Leaky, LeakyConfig};
