//! Exact duplicate rows without building a copy of every row: each row is hashed column
//! by column, and rows whose hashes meet are compared value by value.

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::quality::FixedState;
use polars::prelude::*;
use rayon::prelude::*;

use super::Groups;
use crate::error::Result;

/// One column, read as its type.
enum Key {
    Text(StringChunked),
    Float(Float64Chunked),
    Int(Int64Chunked),
}

impl Key {
    fn new(column: &Column) -> Result<Key> {
        let series = column.as_materialized_series();
        Ok(match series.dtype() {
            DataType::String => Key::Text(series.str()?.clone()),
            dtype if dtype.is_float() => {
                Key::Float(series.cast(&DataType::Float64)?.f64()?.clone())
            }
            _ => Key::Int(series.cast(&DataType::Int64)?.i64()?.clone()),
        })
    }

    /// Folds the hash of each value from row `offset` on into the row hashes.
    fn hash_into(&self, state: &FixedState, hashes: &mut [u64], offset: usize) {
        let (offset, len) = (offset as i64, hashes.len());
        let mut fold = |i: usize, value: u64| {
            hashes[i] = state.hash_one((hashes[i], value));
        };
        match self {
            Key::Text(values) => {
                for (i, v) in values.slice(offset, len).iter().enumerate() {
                    fold(i, v.map_or(u64::MAX, |s| state.hash_one(s)));
                }
            }
            Key::Float(values) => {
                for (i, v) in values.slice(offset, len).iter().enumerate() {
                    // 0.0 and -0.0 are the same number.
                    fold(i, v.map_or(u64::MAX, |f| (f + 0.0).to_bits()));
                }
            }
            Key::Int(values) => {
                for (i, v) in values.slice(offset, len).iter().enumerate() {
                    fold(i, v.map_or(u64::MAX, |n| state.hash_one(n)));
                }
            }
        }
    }

    fn same(&self, a: usize, b: usize) -> bool {
        match self {
            Key::Text(values) => values.get(a) == values.get(b),
            Key::Float(values) => match (values.get(a), values.get(b)) {
                (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
                (x, y) => x.is_none() && y.is_none(),
            },
            Key::Int(values) => values.get(a) == values.get(b),
        }
    }
}

/// For every row, whether an identical row (in `columns`) came before it. Missing values
/// are equal to each other.
pub fn repeated_rows(frame: &DataFrame, columns: &[&str]) -> Result<Vec<bool>> {
    let keys = columns
        .iter()
        .map(|name| Key::new(frame.column(name)?))
        .collect::<Result<Vec<Key>>>()?;
    let state = FixedState::with_seed(0x5eed);
    let mut hashes = vec![0u64; frame.height()];
    const ROWS_PER_TASK: usize = 1 << 16;
    hashes
        .par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, hashes)| {
            for key in &keys {
                key.hash_into(&state, hashes, task * ROWS_PER_TASK);
            }
        });
    let same = |a: usize, b: usize| keys.iter().all(|key| key.same(a, b));

    // Rows are split by the top bits of their hash, in row order: equal rows share a part,
    // and each part's table is small enough to stay in cache and is searched on its own.
    let parts = Groups::from_keys(|| hashes.iter().map(|h| Some((h >> 56) as u32)), 256);
    let found: Vec<Vec<u32>> = (0..parts.len())
        .into_par_iter()
        .map(|part| {
            let rows = parts.rows(part);
            // The first row of each hash, and the first rows of other values that share one.
            let mut first: HashMap<u64, u32, _> = HashMap::with_capacity_and_hasher(
                rows.len(),
                foldhash::fast::FixedState::default(),
            );
            let mut shared: HashMap<u64, Vec<u32>> = HashMap::new();
            let mut repeated = Vec::new();
            for &row in rows {
                let hash = hashes[row as usize];
                let earlier = *first.entry(hash).or_insert(row) as usize;
                if earlier == row as usize {
                    continue;
                }
                if same(earlier, row as usize) {
                    repeated.push(row);
                    continue;
                }
                let others = shared.entry(hash).or_default();
                if others
                    .iter()
                    .any(|&other| same(other as usize, row as usize))
                {
                    repeated.push(row);
                } else {
                    others.push(row);
                }
            }
            repeated
        })
        .collect();
    let mut repeated = vec![false; hashes.len()];
    for row in found.into_iter().flatten() {
        repeated[row as usize] = true;
    }
    Ok(repeated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_later_copies_only_and_treats_missing_values_as_equal() {
        let frame = df!(
            "a" => [Some("x"), Some("x"), None, None, Some("x"), Some("y")],
            "b" => [Some(1.0), Some(1.0), Some(2.0), Some(2.0), Some(-0.0), Some(1.0)],
            "c" => [1i64, 1, 3, 3, 1, 1],
        )
        .unwrap();
        assert_eq!(
            repeated_rows(&frame, &["a", "b", "c"]).unwrap(),
            [false, true, false, true, false, false]
        );
        assert_eq!(
            repeated_rows(&frame, &["a", "c"]).unwrap(),
            [false, true, false, true, true, false]
        );
    }
}
