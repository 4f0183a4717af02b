//! Fixed-capacity ring buffer: metrics and the candle window.

use std::num::NonZeroUsize;

/// Keeps the last `capacity` values. Its storage is reserved once at
/// construction, so pushing never allocates.
///
/// ```
/// use heapbound::bounded::RingBuffer;
/// use std::num::NonZeroUsize;
/// let mut ring = RingBuffer::new(NonZeroUsize::new(3).unwrap());
/// for value in 1..=5 {
///     ring.push(value);
/// }
/// assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![3, 4, 5]);
/// assert_eq!(ring.back(0), Some(&5));
/// ```
#[derive(Clone, Debug)]
pub struct RingBuffer<T> {
    slots: Vec<T>,
    capacity: usize,
    /// Index of the oldest value once the buffer is full.
    head: usize,
    pushed: u64,
}

impl<T> RingBuffer<T> {
    /// An empty buffer holding at most `capacity` values.
    pub fn new(capacity: NonZeroUsize) -> RingBuffer<T> {
        RingBuffer {
            slots: Vec::with_capacity(capacity.get()),
            capacity: capacity.get(),
            head: 0,
            pushed: 0,
        }
    }

    /// Appends `value`, overwriting (and returning) the oldest when full.
    #[inline]
    pub fn push(&mut self, value: T) -> Option<T> {
        self.pushed += 1;
        if self.slots.len() < self.capacity {
            self.slots.push(value);
            return None;
        }
        let old = std::mem::replace(&mut self.slots[self.head], value);
        // A compare, not `%`: this runs on every candle, and a division
        // costs more than the rest of the push.
        self.head += 1;
        if self.head == self.capacity {
            self.head = 0;
        }
        Some(old)
    }

    /// The value `age` pushes ago: `back(0)` is the newest.
    #[inline]
    pub fn back(&self, age: usize) -> Option<&T> {
        let len = self.slots.len();
        if age >= len {
            return None;
        }
        // Until full, `head` is 0 and the newest is at `len - 1`; once full,
        // the newest is just before `head`. Either way the value is at
        // `head + len - 1 - age`, which `age < len` keeps below `2 * len`:
        // one wrap, no division.
        let index = self.head + len - 1 - age;
        let index = if index >= len { index - len } else { index };
        Some(&self.slots[index])
    }

    /// Values from oldest to newest.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        let (newer, older) = self.slots.split_at(self.head.min(self.slots.len()));
        older.iter().chain(newer.iter())
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The most values it ever holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Values pushed over its lifetime, including overwritten ones.
    pub fn total_pushed(&self) -> u64 {
        self.pushed
    }

    /// Heap bytes its storage takes: fixed for its whole life.
    pub fn storage_bytes(&self) -> usize {
        self.capacity * std::mem::size_of::<T>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(capacity: usize) -> RingBuffer<u32> {
        RingBuffer::new(NonZeroUsize::new(capacity).unwrap())
    }

    #[test]
    fn keeps_the_newest_values_in_order() {
        let mut buffer = ring(4);
        assert!(buffer.is_empty());
        for value in 0..10 {
            buffer.push(value);
            assert!(buffer.len() <= 4);
        }
        assert_eq!(buffer.iter().copied().collect::<Vec<_>>(), vec![6, 7, 8, 9]);
        assert_eq!(buffer.back(0), Some(&9));
        assert_eq!(buffer.back(3), Some(&6));
        assert_eq!(buffer.back(4), None);
        assert_eq!(buffer.total_pushed(), 10);
    }

    #[test]
    fn push_returns_the_overwritten_value() {
        let mut buffer = ring(2);
        assert_eq!(buffer.push(1), None);
        assert_eq!(buffer.push(2), None);
        assert_eq!(buffer.push(3), Some(1));
        assert_eq!(buffer.back(1), Some(&2));
    }

    #[test]
    fn partially_filled_buffer_reads_back_correctly() {
        let mut buffer = ring(5);
        buffer.push(1);
        buffer.push(2);
        assert_eq!(buffer.iter().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(buffer.back(0), Some(&2));
        assert_eq!(buffer.back(1), Some(&1));
        assert_eq!(buffer.back(2), None);
    }

    #[test]
    fn storage_never_grows() {
        let mut buffer = ring(8);
        let before = buffer.slots.capacity();
        for value in 0..1000 {
            buffer.push(value);
        }
        assert_eq!(buffer.slots.capacity(), before);
        assert_eq!(buffer.storage_bytes(), 8 * 4);
    }
}
