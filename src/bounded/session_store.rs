//! Client sessions, at most `max_size`, evicted FIFO or LRU.

use std::num::NonZeroUsize;

use super::lru_map::LruMap;
use serde::{Deserialize, Serialize};

/// Which session makes room for a new one when the store is full.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, arbitrary::Arbitrary,
)]
#[serde(rename_all = "lowercase")]
pub enum Eviction {
    /// The oldest inserted; reads do not change the order (the guide's
    /// `OrderedDict.popitem(last=False)`).
    #[default]
    Fifo,
    /// The least recently inserted or read.
    Lru,
}

/// One client session: an id, timestamps and an opaque payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// Client-chosen id.
    pub id: u64,
    /// When it was added (ms).
    pub created_at: i64,
    /// Opaque client state.
    pub payload: Box<[u8]>,
}

/// A session store that never holds more than `max_size` sessions.
///
/// ```
/// use heapbound::bounded::{Eviction, SessionStore};
/// use std::num::NonZeroUsize;
/// let mut store = SessionStore::new(NonZeroUsize::new(2).unwrap(), Eviction::Fifo);
/// for id in 0..5 {
///     store.add(id, 0, vec![0; 8].into());
/// }
/// assert_eq!(store.len(), 2);
/// assert!(store.get(4).is_some() && store.get(0).is_none());
/// ```
#[derive(Debug)]
pub struct SessionStore {
    sessions: LruMap<u64, Session>,
    eviction: Eviction,
    payload_bytes: usize,
    evicted: u64,
}

impl SessionStore {
    /// An empty store of at most `max_size` sessions.
    pub fn new(max_size: NonZeroUsize, eviction: Eviction) -> SessionStore {
        SessionStore {
            sessions: LruMap::new(max_size),
            eviction,
            payload_bytes: 0,
            evicted: 0,
        }
    }

    /// Adds or replaces session `id`; returns the session evicted to make
    /// room, if any. Replacing keeps a FIFO session's place in line.
    pub fn add(&mut self, id: u64, now: i64, payload: Box<[u8]>) -> Option<Session> {
        self.payload_bytes += payload.len();
        if self.eviction == Eviction::Fifo {
            if let Some(existing) = self.sessions.peek_mut(&id) {
                let old = std::mem::replace(&mut existing.payload, payload);
                self.payload_bytes -= old.len();
                return None;
            }
        }
        let session = Session {
            id,
            created_at: now,
            payload,
        };
        let (old_id, old) = self.sessions.put(id, session)?;
        self.payload_bytes -= old.payload.len();
        if old_id == id {
            // Replaced in place (LRU): nothing was evicted.
            return None;
        }
        self.evicted += 1;
        Some(old)
    }

    /// The session `id`; under LRU a read marks it as recently used.
    pub fn get(&mut self, id: u64) -> Option<&Session> {
        match self.eviction {
            Eviction::Fifo => self.sessions.peek(&id),
            Eviction::Lru => self.sessions.get(&id),
        }
    }

    /// Removes session `id`.
    pub fn remove(&mut self, id: u64) -> Option<Session> {
        let removed = self.sessions.remove(&id)?;
        self.payload_bytes -= removed.payload.len();
        Some(removed)
    }

    /// Keeps the `keep` newest (FIFO) or most recently used (LRU) sessions;
    /// returns how many were removed.
    pub fn keep_last(&mut self, keep: usize) -> usize {
        let mut removed = 0;
        while self.sessions.len() > keep {
            match self.sessions.pop_oldest() {
                Some((_, session)) => {
                    self.payload_bytes -= session.payload.len();
                    removed += 1;
                }
                None => break,
            }
        }
        removed
    }

    /// Ids from the next to be evicted to the last.
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.sessions.keys_oldest_first().copied()
    }

    /// Sessions held.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The most it holds.
    pub fn bound(&self) -> usize {
        self.sessions.capacity()
    }

    /// Sum of the payload lengths held.
    pub fn payload_bytes(&self) -> usize {
        self.payload_bytes
    }

    /// Sessions evicted to make room over its life.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The eviction policy.
    pub fn eviction(&self) -> Eviction {
        self.eviction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(max: usize, eviction: Eviction) -> SessionStore {
        SessionStore::new(NonZeroUsize::new(max).unwrap(), eviction)
    }

    #[test]
    fn fifo_evicts_the_oldest_even_after_reads() {
        let mut sessions = store(3, Eviction::Fifo);
        for id in 1..=3 {
            assert!(sessions.add(id, 0, Box::new([0; 4])).is_none());
        }
        assert!(sessions.get(1).is_some());
        let evicted = sessions.add(4, 0, Box::new([0; 4])).unwrap();
        assert_eq!(evicted.id, 1);
        assert_eq!(sessions.ids().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(sessions.evicted(), 1);
    }

    #[test]
    fn lru_evicts_the_least_recently_read() {
        let mut sessions = store(3, Eviction::Lru);
        for id in 1..=3 {
            sessions.add(id, 0, Box::new([0; 4]));
        }
        assert!(sessions.get(1).is_some());
        let evicted = sessions.add(4, 0, Box::new([0; 4])).unwrap();
        assert_eq!(evicted.id, 2);
        assert_eq!(sessions.ids().collect::<Vec<_>>(), vec![3, 1, 4]);
    }

    #[test]
    fn replacing_a_session_evicts_nothing_and_tracks_payload_bytes() {
        for eviction in [Eviction::Fifo, Eviction::Lru] {
            let mut sessions = store(2, eviction);
            sessions.add(1, 0, Box::new([0; 10]));
            sessions.add(2, 0, Box::new([0; 20]));
            assert!(sessions.add(1, 5, Box::new([0; 3])).is_none());
            assert_eq!(sessions.len(), 2);
            assert_eq!(sessions.payload_bytes(), 23);
            assert_eq!(sessions.get(1).map(|s| s.payload.len()), Some(3));
            assert_eq!(sessions.remove(2).map(|s| s.id), Some(2));
            assert_eq!(sessions.payload_bytes(), 3);
            assert!(sessions.remove(2).is_none());
        }
    }

    #[test]
    fn keep_last_trims_to_the_newest() {
        let mut sessions = store(10, Eviction::Fifo);
        for id in 0..8 {
            sessions.add(id, 0, Box::new([1; 2]));
        }
        assert_eq!(sessions.keep_last(3), 5);
        assert_eq!(sessions.ids().collect::<Vec<_>>(), vec![5, 6, 7]);
        assert_eq!(sessions.payload_bytes(), 6);
        assert_eq!(sessions.keep_last(10), 0);
    }
}
