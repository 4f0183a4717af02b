//! A fixed-capacity LRU map whose memory is settled at construction.
//!
//! Why not the `lru` crate: its hash table is sized for exactly `cap`
//! entries, so under steady insert/evict churn hashbrown's tombstones force
//! one table doubling thousands of inserts after the cache filled (seen here:
//! +68 KiB at insert 9,620 of a 1,024-entry cache), and with a randomly
//! seeded hasher the moment differs per run. Here the table is reserved for
//! twice the capacity, so hashbrown always rehashes in place, and entries
//! live in a slab reserved up front: after construction nothing allocates.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroUsize;

use rustc_hash::FxBuildHasher;

const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Node<K, V> {
    key: K,
    value: V,
    /// Towards the least recently used end.
    older: u32,
    /// Towards the most recently used end.
    newer: u32,
}

/// A map of at most `capacity` entries that evicts the least recently used.
///
/// ```
/// use heapbound::bounded::LruMap;
/// use std::num::NonZeroUsize;
/// let mut map = LruMap::new(NonZeroUsize::new(2).unwrap());
/// map.put(1, "a");
/// map.put(2, "b");
/// map.get(&1);
/// assert_eq!(map.put(3, "c"), Some((2, "b")));
/// assert_eq!(map.keys_oldest_first().collect::<Vec<_>>(), vec![&1, &3]);
/// ```
#[derive(Clone, Debug)]
pub struct LruMap<K, V> {
    nodes: Vec<Node<K, V>>,
    index: HashMap<K, u32, FxBuildHasher>,
    capacity: usize,
    /// Least recently used.
    oldest: u32,
    /// Most recently used.
    newest: u32,
    /// Slab slots freed by `remove`, chained through `older`.
    free: u32,
}

impl<K: Hash + Eq + Clone, V> LruMap<K, V> {
    /// An empty map of at most `capacity` entries (at most `u32::MAX - 1`).
    pub fn new(capacity: NonZeroUsize) -> LruMap<K, V> {
        let capacity = capacity.get().min(NIL as usize - 1);
        LruMap {
            nodes: Vec::with_capacity(capacity),
            index: HashMap::with_capacity_and_hasher(capacity * 2, FxBuildHasher),
            capacity,
            oldest: NIL,
            newest: NIL,
            free: NIL,
        }
    }

    fn unlink(&mut self, slot: u32) {
        let (older, newer) = {
            let node = &self.nodes[slot as usize];
            (node.older, node.newer)
        };
        match older {
            NIL => self.oldest = newer,
            older => self.nodes[older as usize].newer = newer,
        }
        match newer {
            NIL => self.newest = older,
            newer => self.nodes[newer as usize].older = older,
        }
    }

    fn link_newest(&mut self, slot: u32) {
        let previous = self.newest;
        {
            let node = &mut self.nodes[slot as usize];
            node.older = previous;
            node.newer = NIL;
        }
        match previous {
            NIL => self.oldest = slot,
            previous => self.nodes[previous as usize].newer = slot,
        }
        self.newest = slot;
    }

    fn touch(&mut self, slot: u32) {
        if self.newest != slot {
            self.unlink(slot);
            self.link_newest(slot);
        }
    }

    /// Inserts or replaces `key` as the most recently used. Returns the
    /// replaced entry (same key) or the evicted least recently used one.
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        if let Some(&slot) = self.index.get(&key) {
            self.touch(slot);
            let node = &mut self.nodes[slot as usize];
            let old_value = std::mem::replace(&mut node.value, value);
            return Some((key, old_value));
        }
        if self.index.len() == self.capacity {
            let slot = self.oldest;
            self.unlink(slot);
            let node = &mut self.nodes[slot as usize];
            let old_key = std::mem::replace(&mut node.key, key.clone());
            let old_value = std::mem::replace(&mut node.value, value);
            self.index.remove(&old_key);
            self.index.insert(key, slot);
            self.link_newest(slot);
            return Some((old_key, old_value));
        }
        let node = Node {
            key: key.clone(),
            value,
            older: NIL,
            newer: NIL,
        };
        let slot = if self.free != NIL {
            let slot = self.free;
            self.free = self.nodes[slot as usize].older;
            self.nodes[slot as usize] = node;
            slot
        } else {
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        };
        self.index.insert(key, slot);
        self.link_newest(slot);
        None
    }

    /// The value of `key`, marking it most recently used.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        let slot = *self.index.get(key)?;
        self.touch(slot);
        Some(&self.nodes[slot as usize].value)
    }

    /// The value of `key`, leaving the order alone.
    pub fn peek(&self, key: &K) -> Option<&V> {
        let slot = *self.index.get(key)?;
        Some(&self.nodes[slot as usize].value)
    }

    /// Mutable value of `key`, leaving the order alone.
    pub fn peek_mut(&mut self, key: &K) -> Option<&mut V> {
        let slot = *self.index.get(key)?;
        Some(&mut self.nodes[slot as usize].value)
    }

    /// Removes `key`. Its slab slot is kept for the next insert; the value
    /// is returned, so its own heap memory is the caller's to drop.
    pub fn remove(&mut self, key: &K) -> Option<V>
    where
        V: Default,
    {
        let slot = self.index.remove(key)?;
        Some(self.release(slot))
    }

    /// Removes and returns the least recently used entry.
    pub fn pop_oldest(&mut self) -> Option<(K, V)>
    where
        V: Default,
    {
        let slot = self.oldest;
        if slot == NIL {
            return None;
        }
        let key = self.nodes[slot as usize].key.clone();
        self.index.remove(&key);
        Some((key, self.release(slot)))
    }

    fn release(&mut self, slot: u32) -> V
    where
        V: Default,
    {
        self.unlink(slot);
        let node = &mut self.nodes[slot as usize];
        node.older = self.free;
        self.free = slot;
        std::mem::take(&mut node.value)
    }

    /// Keys from least to most recently used.
    pub fn keys_oldest_first(&self) -> impl Iterator<Item = &K> + '_ {
        let mut slot = self.oldest;
        std::iter::from_fn(move || {
            if slot == NIL {
                return None;
            }
            let node = &self.nodes[slot as usize];
            slot = node.newer;
            Some(&node.key)
        })
    }

    /// Heap bytes a map of `capacity` entries reserves at construction (slab
    /// plus hash table), and therefore holds for its whole life.
    pub fn reserved_bytes(capacity: usize) -> usize {
        let slab = capacity * std::mem::size_of::<Node<K, V>>();
        // hashbrown: buckets are a power of two holding 7/8 entries each,
        // one slot of (key, slot index) plus one control byte per bucket,
        // plus a 16-byte control group.
        let wanted = capacity * 2;
        let buckets = if wanted < 8 {
            if wanted < 4 {
                4
            } else {
                8
            }
        } else {
            (wanted * 8 / 7).next_power_of_two()
        };
        let entry = std::mem::size_of::<(K, u32)>();
        let table = (buckets * entry).next_multiple_of(16) + buckets + 16;
        slab + table
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn map(capacity: usize) -> LruMap<u64, u64> {
        LruMap::new(NonZeroUsize::new(capacity).unwrap())
    }

    #[test]
    fn evicts_least_recently_used() {
        let mut lru = map(3);
        lru.put(1, 10);
        lru.put(2, 20);
        lru.put(3, 30);
        assert_eq!(lru.get(&1), Some(&10));
        assert_eq!(lru.put(4, 40), Some((2, 20)));
        assert_eq!(
            lru.keys_oldest_first().copied().collect::<Vec<_>>(),
            vec![3, 1, 4]
        );
        assert_eq!(lru.peek(&3), Some(&30));
        assert_eq!(lru.put(5, 50), Some((3, 30)), "peek must not promote");
    }

    #[test]
    fn replace_returns_old_value_and_promotes() {
        let mut lru = map(2);
        lru.put(1, 10);
        lru.put(2, 20);
        assert_eq!(lru.put(1, 11), Some((1, 10)));
        assert_eq!(lru.len(), 2);
        assert_eq!(lru.pop_oldest(), Some((2, 20)));
        assert_eq!(lru.pop_oldest(), Some((1, 11)));
        assert_eq!(lru.pop_oldest(), None);
        assert!(lru.is_empty());
    }

    #[test]
    fn removed_slots_are_reused() {
        let mut lru = map(4);
        for key in 0..4 {
            lru.put(key, key);
        }
        assert_eq!(lru.remove(&1), Some(1));
        assert_eq!(lru.remove(&1), None);
        *lru.peek_mut(&2).unwrap() = 99;
        lru.put(7, 7);
        assert_eq!(lru.nodes.len(), 4);
        assert_eq!(
            lru.keys_oldest_first().copied().collect::<Vec<_>>(),
            vec![0, 2, 3, 7]
        );
        assert_eq!(lru.peek(&2), Some(&99));
    }

    #[test]
    fn matches_a_simple_model_under_churn() {
        let mut lru = map(5);
        let mut model: VecDeque<(u64, u64)> = VecDeque::new();
        let mut state = 12345u64;
        for step in 0..20_000u64 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = (state >> 33) % 9;
            match (state >> 20) % 4 {
                0 | 1 => {
                    lru.put(key, step);
                    model.retain(|&(k, _)| k != key);
                    model.push_back((key, step));
                    if model.len() > 5 {
                        model.pop_front();
                    }
                }
                2 => {
                    let expected = model.iter().position(|&(k, _)| k == key).map(|i| {
                        let entry = model.remove(i).unwrap();
                        model.push_back(entry);
                        entry.1
                    });
                    assert_eq!(lru.get(&key).copied(), expected);
                }
                _ => {
                    let expected = model
                        .iter()
                        .position(|&(k, _)| k == key)
                        .map(|i| model.remove(i).unwrap().1);
                    assert_eq!(lru.remove(&key), expected);
                }
            }
            let keys: Vec<u64> = lru.keys_oldest_first().copied().collect();
            let model_keys: Vec<u64> = model.iter().map(|&(k, _)| k).collect();
            assert_eq!(keys, model_keys);
        }
    }
}
