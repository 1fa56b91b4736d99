//! The data-quality report of a raw log: what is missing, repeated, cancelled or odd,
//! before any row is removed.

use polars::prelude::*;
use serde::Serialize;

use super::clean::RowChecks;
use super::schema::Role;
use crate::error::Result;

/// What a person checks before trusting a sales log.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    pub rows: usize,
    /// Canonical column → share of rows where it is missing (0..1).
    pub missing: Vec<(String, f64)>,
    pub duplicate_rows: usize,
    pub cancellation_rows: usize,
    pub non_product_rows: usize,
    pub non_product_codes: Vec<String>,
    pub non_positive_price_rows: usize,
    /// First and last timestamp, seconds since 1970.
    pub first_timestamp: i64,
    pub last_timestamp: i64,
    pub invoices: usize,
    pub stock_codes: usize,
    pub customers: usize,
    pub countries: usize,
    /// Stock codes by number of rows, most frequent first.
    pub top_stock_codes: Vec<(String, usize)>,
    /// Descriptions by number of rows, most frequent first.
    pub top_descriptions: Vec<(String, usize)>,
}

/// The report of a raw log, with the row checks it counts (which cleaning applies). The
/// checks and the log-wide counts are independent, so they are computed side by side.
pub fn quality_report(raw: &DataFrame) -> Result<(QualityReport, RowChecks)> {
    let rows = raw.height();
    let missing = Role::ALL
        .iter()
        .map(|role| {
            let nulls = raw.column(role.key()).map_or(rows, |c| c.null_count());
            (role.key().to_string(), nulls as f64 / rows.max(1) as f64)
        })
        .collect();
    let (checks, summary) = rayon::join(|| RowChecks::new(raw), || Summary::of(raw));
    let (checks, summary) = (checks?, summary?);
    let count = |name: &str| -> Result<i64> {
        let value = summary.counts.column(name)?.cast(&DataType::Int64)?;
        Ok(value.i64()?.get(0).unwrap_or(0))
    };
    let how_many = |flags: &[bool]| flags.iter().filter(|&&f| f).count();
    let report = QualityReport {
        rows,
        missing,
        duplicate_rows: how_many(&checks.repeated),
        cancellation_rows: how_many(&checks.cancelled),
        non_product_rows: how_many(&checks.non_product),
        non_product_codes: checks.non_product_codes.clone(),
        non_positive_price_rows: how_many(&checks.non_positive_price),
        first_timestamp: count("first")?,
        last_timestamp: count("last")?,
        invoices: count("invoices")? as usize,
        stock_codes: count("stock_codes")? as usize,
        customers: count("customers")? as usize,
        countries: count("countries")? as usize,
        top_stock_codes: summary.top_stock_codes,
        top_descriptions: summary.top_descriptions,
    };
    Ok((report, checks))
}

/// The log-wide counts and most frequent values.
struct Summary {
    /// One row: `first`, `last`, `invoices`, `stock_codes`, `customers`, `countries`.
    counts: DataFrame,
    top_stock_codes: Vec<(String, usize)>,
    top_descriptions: Vec<(String, usize)>,
}

impl Summary {
    fn of(raw: &DataFrame) -> Result<Summary> {
        let counts = raw
            .clone()
            .lazy()
            .select([
                col("timestamp").min().alias("first"),
                col("timestamp").max().alias("last"),
                col("invoice").n_unique().alias("invoices"),
                col("stock_code").n_unique().alias("stock_codes"),
                col("customer").drop_nulls().n_unique().alias("customers"),
                col("country").drop_nulls().n_unique().alias("countries"),
            ])
            .collect()?;
        Ok(Summary {
            counts,
            top_stock_codes: most_frequent(raw, "stock_code", 10)?,
            top_descriptions: most_frequent(raw, "description", 10)?,
        })
    }
}

/// The `n` most frequent values of a column, ties by value.
pub fn most_frequent(frame: &DataFrame, column: &str, n: usize) -> Result<Vec<(String, usize)>> {
    let top = frame
        .clone()
        .lazy()
        .filter(col(column).is_not_null())
        .group_by([col(column)])
        .agg([len().alias("n")])
        .sort_by_exprs(
            [col("n"), col(column)],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(n as IdxSize)
        .collect()?;
    let values = super::text_values(&top, column)?;
    let counts = super::i64_values(&top, "n")?;
    Ok(values
        .into_iter()
        .zip(counts.into_iter().map(|c| c as usize))
        .collect())
}
