//! Independent pieces of one plan spread over the machine's cores (scoped threads, no pool):
//! the cost curve's rates and the sensitivity search's inputs.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of each of `items`, in their order, computed on the machine's cores: each thread takes
/// the next item as it frees up (their costs differ a lot: a queue's memory search against a
/// fleet's sizing), and each result lands at its item's index, so the output is the same
/// whatever the thread count. Put the dearest items first: the last one taken ends the wait.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part),
                // A panic in the model is a bug; re-raise it on this thread.
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_thread_computes_them() {
        let items: Vec<u64> = (0..200).collect();
        // Uneven work (the first items the longest), so threads finish out of order.
        let out = map(&items, |&i| {
            let mut x = 0_u64;
            for k in 0..(200 - i) * 100 {
                x = std::hint::black_box(x.wrapping_add(k));
            }
            std::hint::black_box(x);
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(map(&[] as &[u8], |&b| b).is_empty());
    }
}
