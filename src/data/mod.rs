//! Sales logs in, clean transactions out: reading any export (`load`, with `delimited` for
//! CSV text), naming its columns (`schema`), reading its dates (`dates`), reporting its
//! quality (`quality`) and applying the cleaning rules (`clean`).

pub mod clean;
pub mod dates;
pub mod delimited;
pub mod duplicates;
pub mod gzip;
pub mod load;
pub mod quality;
pub mod schema;

use polars::prelude::*;

use crate::error::Result;

/// A hash map for the many small keys of a log (codes, ids, names): a fast hash with a fixed
/// seed, so that nothing depends on a random order from run to run.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// 1970-01-01 was a Thursday: with Monday = 0, day `d` falls on `(d + 3) mod 7`.
pub const EPOCH_WEEKDAY_OFFSET: i64 = 3;
pub const SECONDS_PER_DAY: i64 = 86_400;

/// A frame column as plain `f64`s (missing values as NaN).
pub fn f64_values(frame: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let column = frame.column(name)?.cast(&DataType::Float64)?;
    Ok(plain_values(column.f64()?, f64::NAN))
}

/// A frame column as plain `i64`s (missing values as 0).
pub fn i64_values(frame: &DataFrame, name: &str) -> Result<Vec<i64>> {
    let column = frame.column(name)?.cast(&DataType::Int64)?;
    Ok(plain_values(column.i64()?, 0))
}

/// The values of a numeric column, `missing` where there is none; a piece without missing
/// values is copied as it is.
fn plain_values<T: PolarsNumericType>(
    values: &ChunkedArray<T>,
    missing: T::Native,
) -> Vec<T::Native> {
    let mut plain = Vec::with_capacity(values.len());
    for piece in values.downcast_iter() {
        if piece.validity().is_none_or(|valid| valid.unset_bits() == 0) {
            plain.extend_from_slice(piece.values());
        } else {
            plain.extend(piece.iter().map(|v| v.copied().unwrap_or(missing)));
        }
    }
    plain
}

/// A frame column as owned strings (missing values as empty).
pub fn text_values(frame: &DataFrame, name: &str) -> Result<Vec<String>> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(column
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

/// Each row's position among the distinct values of a text column in ascending order
/// (missing values stay missing): an integer key that groups and sorts like the text.
pub fn ranks(frame: &DataFrame, name: &str) -> Result<UInt32Chunked> {
    let (seen, distinct) = first_seen_ids(frame.column(name)?.str()?);
    // Renumbered in text order.
    let mut order: Vec<u32> = (0..distinct.len() as u32).collect();
    order.sort_unstable_by_key(|&id| distinct[id as usize]);
    let mut rank = vec![0u32; distinct.len()];
    for (position, &id) in order.iter().enumerate() {
        rank[id as usize] = position as u32;
    }
    Ok(seen
        .into_iter()
        .map(|id| id.map(|id| rank[id as usize]))
        .collect())
}

/// Each row's value numbered by its first appearance (missing values stay missing), and the
/// distinct values in that order. The lines of an invoice sit together and share most of
/// their values, so a repeat of the row before skips the lookup.
pub fn first_seen_ids(values: &StringChunked) -> (Vec<Option<u32>>, Vec<&str>) {
    let mut first_seen: FastMap<&str, u32> = FastMap::default();
    let mut distinct: Vec<&str> = Vec::new();
    let mut last: Option<(&str, u32)> = None;
    let ids = values
        .iter()
        .map(|v| {
            let v = v?;
            match last {
                Some((value, id)) if value == v => Some(id),
                _ => {
                    let id = *first_seen.entry(v).or_insert_with(|| {
                        distinct.push(v);
                        distinct.len() as u32 - 1
                    });
                    last = Some((v, id));
                    Some(id)
                }
            }
        })
        .collect();
    (ids, distinct)
}

/// Row positions grouped by an integer key column such as a rank: the rows of key `k` are
/// [`Groups::rows`]`(k)`, in file order. Rows whose key is missing are left out.
#[derive(Debug, Clone)]
pub struct Groups {
    starts: Vec<usize>,
    rows: Vec<u32>,
}

impl Groups {
    /// A counting sort of the rows by `name`, whose keys are 0, 1, 2, …
    pub fn by_key(frame: &DataFrame, name: &str) -> Result<Groups> {
        let keys = frame.column(name)?.u32()?;
        let groups = keys.max().map_or(0, |k| k as usize + 1);
        Ok(Groups::from_keys(|| keys.iter(), groups))
    }

    /// A counting sort of the rows by their keys, each below `groups`; `keys` gives the
    /// keys in row order, each time it is called.
    pub fn from_keys<I: Iterator<Item = Option<u32>>>(
        keys: impl Fn() -> I,
        groups: usize,
    ) -> Groups {
        let mut starts = vec![0usize; groups + 1];
        for key in keys().flatten() {
            starts[key as usize + 1] += 1;
        }
        for g in 0..groups {
            starts[g + 1] += starts[g];
        }
        let mut next = starts.clone();
        let mut rows = vec![0u32; starts[groups]];
        for (row, key) in keys().enumerate() {
            if let Some(key) = key {
                rows[next[key as usize]] = row as u32;
                next[key as usize] += 1;
            }
        }
        Groups { starts, rows }
    }

    /// The number of keys, including any that no row has.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows of one key, in file order.
    pub fn rows(&self, key: usize) -> &[u32] {
        &self.rows[self.starts[key]..self.starts[key + 1]]
    }
}

/// A text column's values by row, read in place from its pieces, without a copy.
pub struct TextColumn {
    values: StringChunked,
    /// The first row of each piece.
    starts: Vec<usize>,
}

impl TextColumn {
    pub fn new(frame: &DataFrame, name: &str) -> Result<TextColumn> {
        let values = frame.column(name)?.str()?.clone();
        let starts = values
            .downcast_iter()
            .scan(0, |start, piece| {
                let first = *start;
                *start += piece.len();
                Some(first)
            })
            .collect();
        Ok(TextColumn { values, starts })
    }

    /// The value at `row`; `None` when it is missing (or past the end).
    pub fn get(&self, row: usize) -> Option<&str> {
        let piece = self
            .starts
            .partition_point(|&start| start <= row)
            .checked_sub(1)?;
        let array = self.values.downcast_iter().nth(piece)?;
        array.get(row - self.starts[piece])
    }
}

/// An integer key column such as a rank, by row, with `u32::MAX` where it is missing.
pub fn key_values(frame: &DataFrame, name: &str) -> Result<Vec<u32>> {
    Ok(plain_values(frame.column(name)?.u32()?, u32::MAX))
}

/// A boolean column's values by row (missing values as false).
pub fn bool_values(frame: &DataFrame, name: &str) -> Result<Vec<bool>> {
    let values = frame.column(name)?.bool()?;
    let mut plain = Vec::with_capacity(values.len());
    for piece in values.downcast_iter() {
        match piece.validity() {
            Some(valid) if valid.unset_bits() > 0 => plain.extend(
                piece
                    .values()
                    .iter()
                    .zip(valid.iter())
                    .map(|(v, valid)| v && valid),
            ),
            _ => plain.extend(piece.values().iter()),
        }
    }
    Ok(plain)
}

/// Stock codes with fewer than two digits are postage, fees and adjustments, not products:
/// `POST`, `D`, `C2`, `M`, `BANK CHARGES`, `DOT`, `CRUK`.
pub fn is_product_code(code: &str) -> bool {
    code.bytes().filter(u8::is_ascii_digit).count() >= 2
}

/// The distinct non-product codes of a frame's `stock_code` column, sorted.
pub fn non_product_codes(frame: &DataFrame) -> Result<Vec<String>> {
    let codes = frame.column("stock_code")?.unique()?;
    let mut codes: Vec<String> = codes
        .str()?
        .iter()
        .flatten()
        .filter(|c| !is_product_code(c))
        .map(str::to_string)
        .collect();
    codes.sort();
    Ok(codes)
}

/// An expression that is true where `stock_code` is one of `codes`.
pub fn stock_code_in(codes: &[String]) -> Expr {
    let series = Series::new("codes".into(), codes);
    col("stock_code").is_in(lit(series).implode(false), false)
}

/// Cancellations are invoices whose number starts with `C`.
pub fn is_cancellation() -> Expr {
    col("invoice").str().starts_with(lit("C"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_text_order_and_keep_missing_values() {
        let frame = df!("id" => [Some("17850"), Some("12347"), None, Some("17850"), Some("13047")])
            .unwrap();
        let ranks: Vec<Option<u32>> = ranks(&frame, "id").unwrap().iter().collect();
        assert_eq!(ranks, [Some(2), Some(0), None, Some(2), Some(1)]);
    }
}
