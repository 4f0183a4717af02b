//! LRU cache of close prices by candle open time.

use std::num::NonZeroUsize;

use super::lru_map::LruMap;

/// Close prices keyed by candle open time, at most `capacity` of them.
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
    prices: LruMap<i64, i64>,
    hits: u64,
    misses: u64,
}

impl PriceCache {
    /// An empty cache of at most `capacity` prices.
    pub fn new(capacity: NonZeroUsize) -> PriceCache {
        PriceCache {
            prices: LruMap::new(capacity),
            hits: 0,
            misses: 0,
        }
    }

    /// Caches `price` for `time`, evicting the least recently used if full.
    pub fn insert(&mut self, time: i64, price: i64) {
        self.prices.put(time, price);
    }

    /// The price cached for `time`, counting a hit or a miss.
    pub fn get(&mut self, time: i64) -> Option<i64> {
        let found = self.prices.get(&time).copied();
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
        self.prices.capacity()
    }

    /// (hits, misses) over its life.
    pub fn hit_counts(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_and_counts_hits() {
        let mut cache = PriceCache::new(NonZeroUsize::new(2).unwrap());
        cache.insert(1, 10);
        cache.insert(2, 20);
        assert_eq!(cache.get(1), Some(10));
        cache.insert(3, 30);
        assert_eq!(cache.get(2), None);
        assert_eq!(cache.get(1), Some(10));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.bound(), 2);
        assert_eq!(cache.hit_counts(), (2, 1));
    }

    #[test]
    fn reinserting_a_key_replaces_its_price() {
        let mut cache = PriceCache::new(NonZeroUsize::new(4).unwrap());
        cache.insert(7, 1);
        cache.insert(7, 2);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(7), Some(2));
    }
}
