//! `heapbound::budget` against the bytes the containers really hold: under
//! growth and under churn (seeded random inserts and removals, never more
//! than the bound at once), the most live bytes measured never pass the
//! budget, and the budget is not so loose that a leak of its size hides.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::collections::{BTreeMap, HashMap, VecDeque};

use heapbound::budget;
use heapbound::heap::Group;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

const BOUNDS: [usize; 6] = [1, 7, 100, 1_000, 4_097, 30_000];

/// A container whose every allocation is charged to its own group.
struct Measured<C> {
    group: Group,
    container: C,
}

impl<C> Measured<C> {
    fn new(make: impl FnOnce() -> C) -> Self {
        let mut group = Group::new();
        let container = group.run(make);
        Measured { group, container }
    }

    fn with<R>(&mut self, f: impl FnOnce(&mut C) -> R) -> R {
        let _inside = self.group.enter();
        f(&mut self.container)
    }

    /// The most live bytes it ever held.
    fn most(&self) -> u64 {
        self.group.stats().peak_bytes
    }
}

/// The most live bytes the container `make` builds held while random
/// keys were inserted and removed, never more than `bound` at once:
/// filled to the bound, then one out and one in (the tombstones a full
/// table collects), and now and then a quarter removed and refilled.
fn most_under_churn<C>(
    bound: usize,
    seed: u64,
    make: impl FnOnce() -> C,
    insert: impl Fn(&mut C, u64),
    remove: impl Fn(&mut C, u64),
) -> u64 {
    let mut container = Measured::new(make);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut live: Vec<u64> = Vec::with_capacity(bound);
    for _ in 0..(20 * bound).max(1_000) {
        if live.len() == bound {
            let out = if rng.next_u32() % 64 == 0 {
                bound.div_ceil(4)
            } else {
                1
            };
            for _ in 0..out {
                let at = (rng.next_u64() % live.len() as u64) as usize;
                let key = live.swap_remove(at);
                container.with(|map| remove(map, key));
            }
        }
        let key = rng.next_u64();
        container.with(|map| insert(map, key));
        live.push(key);
    }
    container.most()
}

fn assert_within(what: &str, bound: usize, most: u64, budget: u64, slack: u64) {
    assert!(
        most <= budget,
        "{what}, bound {bound}: {most} B measured, budget {budget} B"
    );
    // The overhead and hashbrown's 16 trailing control bytes aside.
    assert!(
        slack * most + heapbound::COMPONENT_OVERHEAD + 16 >= budget,
        "{what}, bound {bound}: {most} B measured, budget {budget} B is over {slack}x"
    );
}

#[test]
fn vectors_filled_by_push_stay_inside_their_budget() {
    for bound in BOUNDS {
        let mut values = Measured::new(Vec::<u64>::new);
        for i in 0..bound {
            values.with(|values| values.push(i as u64));
        }
        assert_eq!(values.container.len(), bound);
        assert_within(
            "Vec<u64>",
            bound,
            values.most(),
            budget::vec::<u64>(bound),
            4,
        );
    }
}

#[test]
fn a_deque_kept_at_its_bound_stays_inside_its_budget() {
    for bound in BOUNDS {
        let mut ring = Measured::new(VecDeque::<[u32; 3]>::new);
        for i in 0..(3 * bound) {
            ring.with(|ring| {
                if ring.len() == bound {
                    ring.pop_front();
                }
                ring.push_back([i as u32; 3]);
            });
        }
        let budget = budget::vec_deque::<[u32; 3]>(bound);
        assert_within("VecDeque<[u32; 3]>", bound, ring.most(), budget, 4);
    }
}

#[test]
fn hash_maps_under_churn_stay_inside_their_budget() {
    for bound in BOUNDS {
        for seed in 0..3 {
            let most = most_under_churn(
                bound,
                seed,
                HashMap::<u64, [u8; 24]>::new,
                |map, key| {
                    map.insert(key, [1; 24]);
                },
                |map, key| assert!(map.remove(&key).is_some()),
            );
            let budget = budget::hash_map::<u64, [u8; 24]>(bound);
            assert_within("HashMap<u64, [u8; 24]>", bound, most, budget, 8);
        }
    }
}

#[test]
fn a_hash_map_reserved_to_its_bound_still_fits_the_budget() {
    for bound in BOUNDS {
        let most = most_under_churn(
            bound,
            7,
            || HashMap::<u64, u64>::with_capacity(bound),
            |map, key| {
                map.insert(key, key);
            },
            |map, key| {
                map.remove(&key);
            },
        );
        assert_within(
            "HashMap<u64, u64> reserved",
            bound,
            most,
            budget::hash_map::<u64, u64>(bound),
            8,
        );
    }
}

#[test]
fn btree_maps_under_churn_stay_inside_their_budget() {
    for bound in BOUNDS {
        for seed in 0..3 {
            let most = most_under_churn(
                bound,
                seed,
                BTreeMap::<u64, [u8; 40]>::new,
                |map, key| {
                    map.insert(key, [2; 40]);
                },
                |map, key| assert!(map.remove(&key).is_some()),
            );
            let budget = budget::btree_map::<u64, [u8; 40]>(bound);
            assert_within("BTreeMap<u64, [u8; 40]>", bound, most, budget, 4);
        }
    }
}
