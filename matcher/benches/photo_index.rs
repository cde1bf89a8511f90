//! Near-duplicate lookup with 1,000,000 stored photo hashes (issue 4):
//! `cargo bench --bench photo_index`. The hashes are random, as the search
//! hashes of unrelated photos are; each query is a stored hash with three
//! bits flipped, so there is always one near-duplicate to find.

use criterion::{Criterion, criterion_group, criterion_main};
use matcher::{PhotoHash, PhotoIndex, SEARCH_MAX_BITS, THUMBNAIL_SIDE, Thumbnail};

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn index_of(n: usize) -> (PhotoIndex, Vec<u64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15;
    let hashes: Vec<u64> = (0..n).map(|_| xorshift(&mut state)).collect();
    let mut index = PhotoIndex::new();
    for h in &hashes {
        index.add(PhotoHash(*h));
    }
    (index, hashes)
}

fn lookup(c: &mut Criterion) {
    let (index, hashes) = index_of(1_000_000);
    let mut state = 7;
    c.bench_function("search 1,000,000 stored hashes (radius 12 bits)", |b| {
        b.iter(|| {
            let h = hashes[(xorshift(&mut state) % hashes.len() as u64) as usize];
            let query = PhotoHash(h ^ 0b1011);
            let found = index.search(query, SEARCH_MAX_BITS);
            assert!(!found.is_empty());
            found
        })
    });
    let mut state = 11;
    let thumbnail = |state: &mut u64| {
        Thumbnail::from_bytes(
            (0..THUMBNAIL_SIDE * THUMBNAIL_SIDE)
                .map(|_| xorshift(state) as u8)
                .collect(),
        )
        .unwrap()
    };
    let (a, b) = (thumbnail(&mut state), thumbnail(&mut state));
    c.bench_function("confirm one candidate (thumbnail correlation)", |bench| {
        bench.iter(|| a.similarity(&b))
    });
}

criterion_group!(benches, lookup);
criterion_main!(benches);
