//! Byte budgets for the standard containers: the most heap a container
//! holding at most `bound` entries can keep, for
//! [`Component::budget`](crate::Component::budget), without reproducing the growth rules of
//! `Vec` or hashbrown by hand.
//!
//! ```
//! use std::collections::HashMap;
//! use heapbound::budget;
//!
//! // Orders by id, at most 10,000 open at once:
//! let most = budget::hash_map::<u64, [u8; 48]>(10_000);
//! assert!(most > 10_000 * (8 + 48));
//! ```
//!
//! Each function counts the container's own buffers, at their most: also
//! while it grows, when the old buffer and the new one are held at once
//! (the bot's heap ceiling, the sum of its budgets, sees that peak). What
//! the entries own on the heap themselves (a `String`'s bytes, a `Vec`
//! inside a value) is extra, `bound` times what one entry may own. Each
//! budget includes [`COMPONENT_OVERHEAD`] for
//! the allocator's rounding.

use std::mem::{align_of, size_of};

use crate::bot::COMPONENT_OVERHEAD;

/// `Vec<T>` (and `String`, as `vec::<u8>`) with at most `bound` elements,
/// filled by `push`, `extend` or `reserve`: growth doubles the capacity,
/// so a vector one past a power of two holds twice what it uses, and
/// while it moves there, its old buffer as well: three times `bound`.
pub fn vec<T>(bound: usize) -> u64 {
    let capacity = grown_capacity::<T>(bound);
    array_of::<T>(capacity + capacity / 2)
}

/// `VecDeque<T>` with at most `bound` elements (it grows like a `Vec`).
pub fn vec_deque<T>(bound: usize) -> u64 {
    vec::<T>(bound)
}

/// `HashMap<K, V>` (and `HashSet<K>`, as `hash_map::<K, ()>`) with at most
/// `bound` entries at any time, under any churn of inserts and removals.
///
/// A map that reserved its bound can still grow: removals leave
/// tombstones, and when the free slots run out with the table more than
/// half full of live entries hashbrown doubles the table instead of
/// cleaning it in place. So the table ends as large as the smallest one
/// that holds `bound` at a load of one half: up to 32/7 buckets per entry
/// of the bound. Counted for a map that never reserved more than `bound`.
pub fn hash_map<K, V>(bound: usize) -> u64 {
    let buckets = hash_buckets(bound);
    if buckets == 0 {
        return COMPONENT_OVERHEAD;
    }
    // While it doubles, the table of half as many buckets is held too.
    hash_table::<K, V>(buckets) + hash_table::<K, V>(buckets / 2) + COMPONENT_OVERHEAD
}

/// Bytes of one hashbrown table: the entries, then one control byte per
/// bucket plus one SIMD group (16 bytes) repeated at the end, aligned for
/// the entries.
fn hash_table<K, V>(buckets: u64) -> u64 {
    let entry = size_of::<(K, V)>() as u64;
    let align = align_of::<(K, V)>().max(16) as u64;
    (buckets * entry).next_multiple_of(align) + buckets + 16
}

/// `BTreeMap<K, V>` (and `BTreeSet<K>`, as `btree_map::<K, ()>`) with at
/// most `bound` entries: nodes of up to 11 entries, each but the root at
/// least 5 full after any removal.
pub fn btree_map<K, V>(bound: usize) -> u64 {
    const CAPACITY: u64 = 11;
    const MIN_LEN: u64 = 5;
    const POINTER: u64 = size_of::<usize>() as u64;
    if bound == 0 {
        return COMPONENT_OVERHEAD;
    }
    let key = size_of::<K>() as u64;
    let value = size_of::<V>() as u64;
    // parent pointer, parent index and length, then the keys and values,
    // each rounded up to the widest alignment.
    let align = align_of::<K>()
        .max(align_of::<V>())
        .max(align_of::<usize>()) as u64;
    let leaf = (POINTER + 4 + CAPACITY * key).next_multiple_of(align) + CAPACITY * value;
    let leaf = leaf.next_multiple_of(align);
    let internal = leaf + (CAPACITY + 1) * POINTER;
    // Up to 11 entries: one leaf, the root.
    let leaves = if bound as u64 <= CAPACITY {
        1
    } else {
        (bound as u64).div_ceil(MIN_LEN)
    };
    // Each internal node but the root has at least 6 children.
    let mut internals = 0;
    let mut level = leaves;
    while level > 1 {
        level = level.div_ceil(MIN_LEN + 1);
        internals += level;
    }
    leaves * leaf + internals * internal + COMPONENT_OVERHEAD
}

/// The capacity a `Vec<T>` grown to `bound` elements may reach.
fn grown_capacity<T>(bound: usize) -> u64 {
    if bound == 0 {
        return 0;
    }
    // std's smallest non-zero capacity: 8 for bytes, 4 up to 1 KiB, else 1.
    let smallest = match size_of::<T>() {
        1 => 8,
        size if size <= 1024 => 4,
        _ => 1,
    };
    (2 * bound as u64).max(smallest)
}

fn array_of<T>(capacity: u64) -> u64 {
    capacity * size_of::<T>() as u64 + COMPONENT_OVERHEAD
}

/// The most buckets a hashbrown table with at most `bound` live entries
/// reaches (see [`hash_map`]).
fn hash_buckets(bound: usize) -> u64 {
    if bound == 0 {
        return 0;
    }
    // A table grows only when inserting would leave it more than half
    // full (of its 7/8 usable buckets), so before its last doubling it was
    // below 16/7 buckets per entry of the bound.
    (bound as u64 * 16).div_ceil(7).next_power_of_two().max(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_containers_need_only_the_overhead() {
        assert_eq!(vec::<u64>(0), COMPONENT_OVERHEAD);
        assert_eq!(hash_map::<u64, u64>(0), COMPONENT_OVERHEAD);
        assert_eq!(btree_map::<u64, u64>(0), COMPONENT_OVERHEAD);
    }

    #[test]
    fn a_vector_may_hold_three_times_its_bound_while_it_grows() {
        assert_eq!(vec::<u64>(1_000), 24_000 + COMPONENT_OVERHEAD);
        assert_eq!(vec::<u8>(1), 12 + COMPONENT_OVERHEAD);
    }

    #[test]
    fn a_map_budget_grows_with_its_bound_and_entry() {
        assert!(hash_map::<u64, u64>(1_000) < hash_map::<u64, u64>(2_000));
        assert!(hash_map::<u64, u64>(1_000) < hash_map::<u64, [u64; 4]>(1_000));
        assert!(btree_map::<u64, u64>(1_000) < btree_map::<u64, u64>(2_000));
    }
}
