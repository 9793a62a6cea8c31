//! Merging the threads' id spaces into one, ids by first appearance.

use super::*;

/// Local → global ids for one thread.
#[derive(Default)]
pub(super) struct Remap {
    pub(super) anchor: Vec<u32>,
    pub(super) supplier: Vec<u32>,
    /// Indexed by the stored sector (local id + 1; 0 = none).
    pub(super) sector: Vec<u32>,
}

pub(super) struct Merged {
    pub(super) anchors: Vec<String>,
    pub(super) suppliers: Vec<FileSupplier>,
    pub(super) sectors: Vec<String>,
    pub(super) remaps: Vec<Remap>,
}

/// One global id space, ids by first appearance in the file.
pub(super) fn merge_interners(parts: Vec<&Interner>, remaps: &mut [Vec<u32>]) -> Vec<String> {
    let mut all: Vec<(u64, usize, Vec<u8>, u32)> = parts
        .iter()
        .enumerate()
        .flat_map(|(w, i)| {
            i.map
                .entries()
                .map(move |(k, id)| (i.first[id as usize], w, k, id))
        })
        .collect();
    all.sort_unstable_by_key(|e| (e.0, e.1));
    for (w, p) in parts.iter().enumerate() {
        remaps[w] = vec![0; p.first.len()];
    }
    let mut global: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
    let mut names = Vec::new();
    for (_, w, k, id) in all {
        let g = match global.get(&k) {
            Some(&g) => g,
            None => {
                let g = names.len() as u32;
                names.push(String::from_utf8_lossy(&k).into_owned());
                global.insert(k, g);
                g
            }
        };
        remaps[w][id as usize] = g;
    }
    names
}

pub(super) fn merge(dicts: Vec<Dicts>, layout: &Layout, opts: &ScanOptions) -> Merged {
    let n = dicts.len();
    let mut remaps: Vec<Remap> = (0..n).map(|_| Remap::default()).collect();

    let anchors = if layout.anchor.is_some() {
        let mut maps = vec![Vec::new(); n];
        let names = merge_interners(dicts.iter().map(|d| &d.anchors).collect(), &mut maps);
        for (r, m) in remaps.iter_mut().zip(maps) {
            r.anchor = m;
        }
        names
    } else {
        for r in &mut remaps {
            r.anchor = vec![0];
        }
        vec![opts.anchor.clone().unwrap_or_default()]
    };

    let mut maps = vec![Vec::new(); n];
    let mut sectors = vec![String::new()];
    sectors.extend(merge_interners(
        dicts.iter().map(|d| &d.sectors).collect(),
        &mut maps,
    ));
    for (r, m) in remaps.iter_mut().zip(maps) {
        r.sector = std::iter::once(0)
            .chain(m.into_iter().map(|g| g + 1))
            .collect();
    }

    // Each thread's suppliers by first appearance (already in that order
    // but for the rare key put off behind another), merged across threads:
    // a key is new the first time it comes, and another thread's own
    // dictionary tells whether it came before.
    let orders: Vec<Vec<u32>> = dicts
        .iter()
        .map(|d| {
            let list = &d.suppliers.list;
            let mut order: Vec<u32> = (0..list.len() as u32).collect();
            order.sort_by_key(|&i| list[i as usize].first);
            order
        })
        .collect();
    for (w, d) in dicts.iter().enumerate() {
        remaps[w].supplier = vec![u32::MAX; d.suppliers.list.len()];
    }
    // Each supplier's earliest twin in the other threads' dictionaries,
    // looked up in bulk and in parallel: independent lookups overlap their
    // cache misses, which one after another would cost a round trip each.
    let twins: Vec<Vec<Option<(u32, u32)>>> = std::thread::scope(|s| {
        let dicts = &dicts;
        let handles: Vec<_> = (0..n)
            .map(|w| {
                s.spawn(move || {
                    let sup = &dicts[w].suppliers;
                    sup.list
                        .iter()
                        .map(|local| {
                            // The earliest twin, if it is not this one.
                            (0..n)
                                .filter(|&v| v != w)
                                .filter_map(|v| {
                                    let other = &dicts[v].suppliers;
                                    let j = match (local.id, &local.name_key) {
                                        (Some((start, len)), _) => other
                                            .by_id
                                            .get(&sup.text[start as usize..(start + len) as usize]),
                                        (None, key) => other
                                            .by_name_key
                                            .get(key.as_deref().unwrap_or_default())
                                            .copied(),
                                    }?;
                                    Some((other.list[j as usize].first, v as u32, j))
                                })
                                .min()
                                .filter(|&(first, _, _)| first < local.first)
                                .map(|(_, v, j)| (v, j))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("merge thread"))
            .collect()
    });
    let mut heads = vec![0usize; n];
    // Where each global supplier was first seen: (thread, local id).
    let mut origin: Vec<(u32, u32)> =
        Vec::with_capacity(orders.iter().map(Vec::len).max().unwrap_or(0));
    loop {
        let mut next: Option<(u64, usize)> = None;
        for (w, order) in orders.iter().enumerate() {
            if let Some(&i) = order.get(heads[w]) {
                let first = dicts[w].suppliers.list[i as usize].first;
                if next.is_none_or(|(f, _)| first < f) {
                    next = Some((first, w));
                }
            }
        }
        let Some((_, w)) = next else { break };
        let i = orders[w][heads[w]] as usize;
        heads[w] += 1;
        // The earliest twin came earlier, so it has its global id already.
        let seen = twins[w][i].map(|(v, j)| remaps[v as usize].supplier[j as usize]);
        debug_assert!(seen != Some(u32::MAX), "the earliest twin comes first");
        remaps[w].supplier[i] = seen.unwrap_or_else(|| {
            origin.push((w as u32, i as u32));
            origin.len() as u32 - 1
        });
    }
    // The suppliers' texts, built in parallel.
    let chunk = origin.len().div_ceil(n).max(1);
    let suppliers: Vec<FileSupplier> = std::thread::scope(|s| {
        let dicts = &dicts;
        let handles: Vec<_> = origin
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&(w, i)| {
                            let sup = &dicts[w as usize].suppliers;
                            sup.file_supplier(&sup.list[i as usize])
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(origin.len());
        for h in handles {
            all.extend(h.join().expect("merge thread"));
        }
        all
    });
    Merged {
        anchors,
        suppliers,
        sectors,
        remaps,
    }
}

/// Rewrites every segment's ids into the global id spaces, in parallel.
pub(super) fn remap(facts: &mut [(usize, Facts)], remaps: &[Remap], threads: usize) {
    let chunk = facts.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        for part in facts.chunks_mut(chunk) {
            s.spawn(move || {
                for (w, f) in part {
                    let r = &remaps[*w];
                    f.anchor.iter_mut().for_each(|a| *a = r.anchor[*a as usize]);
                    f.supplier
                        .iter_mut()
                        .for_each(|x| *x = r.supplier[*x as usize]);
                    f.sector.iter_mut().for_each(|x| *x = r.sector[*x as usize]);
                }
            });
        }
    });
}
