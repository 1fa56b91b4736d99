//! The data-quality report of a raw log: what is missing, repeated, cancelled or odd,
//! before any row is removed.

use polars::prelude::*;
use serde::Serialize;

use super::clean::RowChecks;
use super::schema::Role;
use super::{first_seen_ids, FastMap};
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
    let how_many = |flags: &[bool]| flags.iter().filter(|&&f| f).count();
    let report = QualityReport {
        rows,
        missing,
        duplicate_rows: how_many(&checks.repeated),
        cancellation_rows: how_many(&checks.cancelled),
        non_product_rows: how_many(&checks.non_product),
        non_product_codes: checks.non_product_codes.clone(),
        non_positive_price_rows: how_many(&checks.non_positive_price),
        first_timestamp: summary.first,
        last_timestamp: summary.last,
        invoices: summary.invoices,
        stock_codes: summary.stock_codes,
        customers: summary.customers,
        countries: summary.countries,
        top_stock_codes: summary.top_stock_codes,
        top_descriptions: summary.top_descriptions,
    };
    Ok((report, checks))
}

/// The log-wide counts and most frequent values.
struct Summary {
    first: i64,
    last: i64,
    invoices: usize,
    stock_codes: usize,
    customers: usize,
    countries: usize,
    top_stock_codes: Vec<(String, usize)>,
    top_descriptions: Vec<(String, usize)>,
}

impl Summary {
    /// Each column is counted on its own, side by side.
    fn of(raw: &DataFrame) -> Result<Summary> {
        let text = |name: &str| -> Result<StringChunked> {
            Ok(raw.column(name)?.cast(&DataType::String)?.str()?.clone())
        };
        let (invoice, customer, country) = (text("invoice")?, text("customer")?, text("country")?);
        let (stock_code, description) = (text("stock_code")?, text("description")?);
        let timestamp = raw.column("timestamp")?.cast(&DataType::Int64)?;
        let timestamp = timestamp.i64()?;
        let ((invoices, customers), (countries, (codes, descriptions))) = rayon::join(
            || rayon::join(|| distinct(&invoice), || distinct(&customer)),
            || {
                rayon::join(
                    || distinct(&country),
                    || rayon::join(|| counts(&stock_code), || counts(&description)),
                )
            },
        );
        // Like a query's unique count, a missing invoice or stock code is one more value.
        let with_missing =
            |values: &StringChunked, n: usize| n + usize::from(values.null_count() > 0);
        Ok(Summary {
            first: timestamp.min().unwrap_or(0),
            last: timestamp.max().unwrap_or(0),
            invoices: with_missing(&invoice, invoices),
            stock_codes: with_missing(&stock_code, codes.len()),
            customers,
            countries,
            top_stock_codes: most_frequent(codes, TOP),
            top_descriptions: most_frequent(descriptions, TOP),
        })
    }
}

/// How many of the most frequent stock codes and descriptions the report lists.
const TOP: usize = 10;

/// The number of distinct values of a text column, missing values left out.
fn distinct(values: &StringChunked) -> usize {
    first_seen_ids(values).1.len()
}

/// Rows per distinct value of a text column, missing values left out.
fn counts(values: &StringChunked) -> FastMap<&str, usize> {
    let mut counts: FastMap<&str, usize> = FastMap::default();
    for value in values.iter().flatten() {
        *counts.entry(value).or_default() += 1;
    }
    counts
}

/// The `n` most frequent values, ties by value.
fn most_frequent(counts: FastMap<&str, usize>, n: usize) -> Vec<(String, usize)> {
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    let order = |a: &(&str, usize), b: &(&str, usize)| b.1.cmp(&a.1).then(a.0.cmp(b.0));
    if ranked.len() > n && n > 0 {
        ranked.select_nth_unstable_by(n - 1, order);
    }
    ranked.truncate(n);
    ranked.sort_by(order);
    ranked
        .into_iter()
        .map(|(value, count)| (value.to_string(), count))
        .collect()
}
