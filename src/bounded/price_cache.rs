//! The close prices of the most recent candle times.

use std::collections::VecDeque;
use std::num::NonZeroUsize;

/// Close prices of the `capacity` most recent candle open times.
///
/// Candle times only move forward, so the entries are kept sorted by time in
/// a ring reserved at construction: an insert is a push at the back (and a
/// pop at the front when full), a lookup a binary search. Nothing is hashed,
/// and nothing allocates after construction. An insert older than every
/// held time while full is dropped, as it would be the next one evicted.
///
/// ```
/// use heapbound::bounded::PriceCache;
/// use std::num::NonZeroUsize;
/// let mut cache = PriceCache::new(NonZeroUsize::new(2).unwrap());
/// cache.insert(1, 100);
/// cache.insert(2, 101);
/// cache.insert(3, 102);
/// assert_eq!(cache.get(1), None);
/// assert_eq!(cache.get(3), Some(102));
/// ```
#[derive(Debug)]
pub struct PriceCache {
    /// (time, price), oldest time first.
    prices: VecDeque<(i64, i64)>,
    capacity: usize,
    hits: u64,
    misses: u64,
}

impl PriceCache {
    /// An empty cache of at most `capacity` prices.
    pub fn new(capacity: NonZeroUsize) -> PriceCache {
        PriceCache {
            prices: VecDeque::with_capacity(capacity.get()),
            capacity: capacity.get(),
            hits: 0,
            misses: 0,
        }
    }

    /// Heap bytes a cache of `capacity` prices reserves.
    pub fn reserved_bytes(capacity: usize) -> usize {
        capacity * std::mem::size_of::<(i64, i64)>()
    }

    /// Caches `price` for `time`, evicting the oldest time if full.
    #[inline]
    pub fn insert(&mut self, time: i64, price: i64) {
        match self.prices.back() {
            Some(&(newest, _)) if time <= newest => self.insert_not_newest(time, price),
            _ => {
                if self.prices.len() == self.capacity {
                    self.prices.pop_front();
                }
                self.prices.push_back((time, price));
            }
        }
    }

    /// A time already held is replaced; an older one is placed in order.
    #[cold]
    fn insert_not_newest(&mut self, time: i64, price: i64) {
        match self.prices.binary_search_by_key(&time, |&(held, _)| held) {
            Ok(index) => self.prices[index].1 = price,
            Err(0) if self.prices.len() == self.capacity => {}
            Err(index) => {
                let index = if self.prices.len() == self.capacity {
                    self.prices.pop_front();
                    index - 1
                } else {
                    index
                };
                self.prices.insert(index, (time, price));
            }
        }
    }

    /// The price cached for `time`, counting a hit or a miss.
    pub fn get(&mut self, time: i64) -> Option<i64> {
        let found = self
            .prices
            .binary_search_by_key(&time, |&(held, _)| held)
            .ok()
            .map(|index| self.prices[index].1);
        match found {
            Some(_) => self.hits += 1,
            None => self.misses += 1,
        }
        found
    }

    /// Prices held.
    pub fn len(&self) -> usize {
        self.prices.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    /// The most it holds.
    pub fn bound(&self) -> usize {
        self.capacity
    }

    /// (hits, misses) over its life.
    pub fn hit_counts(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize) -> PriceCache {
        PriceCache::new(NonZeroUsize::new(capacity).unwrap())
    }

    #[test]
    fn keeps_the_newest_times_and_counts_hits() {
        let mut cache = cache(2);
        cache.insert(1, 10);
        cache.insert(2, 20);
        assert_eq!(cache.get(1), Some(10));
        cache.insert(3, 30);
        assert_eq!(cache.get(1), None);
        assert_eq!(cache.get(2), Some(20));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.bound(), 2);
        assert_eq!(cache.hit_counts(), (2, 1));
    }

    #[test]
    fn reinserting_a_time_replaces_its_price() {
        let mut cache = cache(4);
        cache.insert(7, 1);
        cache.insert(7, 2);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(7), Some(2));
    }

    #[test]
    fn an_older_time_goes_in_order_or_is_dropped_when_full() {
        let mut cache = cache(3);
        cache.insert(10, 1);
        cache.insert(30, 3);
        cache.insert(20, 2);
        assert_eq!(
            cache.prices.iter().map(|&(t, _)| t).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        cache.insert(5, 0);
        assert_eq!(cache.get(5), None);
        cache.insert(15, 9);
        assert_eq!(
            cache.prices.iter().map(|&(t, _)| t).collect::<Vec<_>>(),
            [15, 20, 30]
        );
    }

    #[test]
    fn storage_never_grows() {
        let mut cache = cache(16);
        let reserved = cache.prices.capacity();
        for time in 0..1_000 {
            cache.insert(time, time);
            cache.insert(time / 2, time);
        }
        assert_eq!(cache.prices.capacity(), reserved);
        assert_eq!(cache.len(), 16);
    }
}
