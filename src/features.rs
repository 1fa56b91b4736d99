//! The 15 features that describe a customer, computed from each customer's clean
//! transactions (grouped by customer key), customers in parallel.

use chrono::Datelike;
use ndarray::Array2;
use polars::prelude::*;
use rayon::prelude::*;

use crate::data::clean::CODE_RANK;
use crate::data::{
    bool_values, f64_values, first_seen_ids, i64_values, key_values, Groups, TextColumn,
    EPOCH_WEEKDAY_OFFSET, SECONDS_PER_DAY,
};
use crate::error::{AisleError, Result};

/// Feature names in matrix column order.
pub const FEATURE_NAMES: [&str; 15] = [
    "days since last purchase",
    "transactions",
    "products purchased",
    "total spend",
    "average transaction value",
    "unique products",
    "average days between purchases",
    "favourite day of week",
    "favourite hour",
    "is home market",
    "cancellation frequency",
    "cancellation rate",
    "monthly spending mean",
    "monthly spending std",
    "spending trend",
];

/// Short names for narrow screens and chart axes, same order.
pub const FEATURE_SHORT: [&str; 15] = [
    "Rec", "Txn", "Qty", "Spd", "ATV", "Unq", "Gap", "DoW", "Hr", "Hom", "CxF", "CxR", "MoM",
    "MoS", "Trd",
];

pub const RECENCY: usize = 0;
pub const TRANSACTIONS: usize = 1;
pub const TOTAL_SPEND: usize = 3;
pub const DAY_OF_WEEK: usize = 7;
pub const IS_HOME: usize = 9;

/// One row per customer, customers in ascending id order.
#[derive(Debug, Clone)]
pub struct CustomerFeatures {
    pub customers: Vec<String>,
    /// Each customer's most frequent country.
    pub countries: Vec<String>,
    /// Each customer's last purchase, seconds since 1970.
    pub last_seen: Vec<i64>,
    /// `customers.len() × 15`, columns as [`FEATURE_NAMES`].
    pub values: Array2<f64>,
    /// The most common country of the whole log.
    pub home_market: String,
}

impl CustomerFeatures {
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// Position of a customer id, if it is known.
    pub fn position(&self, customer: &str) -> Option<usize> {
        self.customers
            .binary_search_by(|c| c.as_str().cmp(customer))
            .ok()
    }
}

/// The features of every customer; `by_customer` groups the clean rows by customer rank.
pub fn customer_features(clean: &DataFrame, by_customer: &Groups) -> Result<CustomerFeatures> {
    if by_customer.is_empty() {
        return Err(AisleError::NoCustomers);
    }
    let lines = Lines::read(clean)?;
    let summaries: Vec<Summary> = (0..by_customer.len())
        .into_par_iter()
        .map(|c| lines.summary(by_customer.rows(c)))
        .collect();

    let mut country_rows = vec![0usize; lines.country_names.len()];
    for &country in &lines.countries {
        if let Some(count) = country_rows.get_mut(country as usize) {
            *count += 1;
        }
    }
    let home = most_frequent(&country_rows, &lines.country_names);
    let home_market = home.map_or_else(String::new, |c| lines.country_names[c].to_string());
    let log_last_day = summaries
        .iter()
        .map(|s| s.last_seen.div_euclid(SECONDS_PER_DAY))
        .max()
        .unwrap_or(0);

    let n = summaries.len();
    let mut values = Array2::<f64>::zeros((n, FEATURE_NAMES.len()));
    for (i, s) in summaries.iter().enumerate() {
        let transactions = s.transactions as f64;
        let cancellations = s.cancellations as f64;
        let (month_mean, month_std, trend) = series_statistics(&s.monthly_spend);
        let row = [
            (log_last_day - s.last_seen.div_euclid(SECONDS_PER_DAY)) as f64,
            transactions,
            s.products,
            s.spend,
            s.spend / transactions,
            s.unique_products as f64,
            s.gap,
            s.dow as f64,
            s.hour as f64,
            f64::from(u8::from(s.country.is_some() && s.country == home)),
            cancellations,
            cancellations / transactions,
            month_mean,
            month_std,
            trend,
        ];
        values.row_mut(i).assign(&ndarray::ArrayView1::from(&row));
    }

    Ok(CustomerFeatures {
        customers: summaries.iter().map(|s| s.customer.to_string()).collect(),
        countries: summaries
            .iter()
            .map(|s| s.country.map_or("", |c| lines.country_names[c]).to_string())
            .collect(),
        last_seen: summaries.iter().map(|s| s.last_seen).collect(),
        values,
        home_market,
    })
}

/// The clean columns the features read, as plain values by row.
struct Lines<'a> {
    customer: TextColumn,
    invoice: TextColumn,
    code: Vec<u32>,
    timestamp: Vec<i64>,
    quantity: Vec<f64>,
    unit_price: Vec<f64>,
    cancelled: Vec<bool>,
    /// Each row's country as a position in `country_names` (`u32::MAX` if missing).
    countries: Vec<u32>,
    country_names: Vec<&'a str>,
}

/// One customer's lines, summarised.
struct Summary<'a> {
    customer: &'a str,
    last_seen: i64,
    transactions: usize,
    cancellations: usize,
    products: f64,
    spend: f64,
    unique_products: usize,
    /// Mean days between consecutive lines in file order.
    gap: f64,
    dow: usize,
    hour: usize,
    country: Option<usize>,
    /// Spend per active month, in month order.
    monthly_spend: Vec<f64>,
}

impl<'a> Lines<'a> {
    fn read(clean: &'a DataFrame) -> Result<Lines<'a>> {
        let (countries, country_names) = first_seen_ids(clean.column("country")?.str()?);
        let countries = countries
            .into_iter()
            .map(|id| id.unwrap_or(u32::MAX))
            .collect();
        Ok(Lines {
            customer: TextColumn::new(clean, "customer")?,
            invoice: TextColumn::new(clean, "invoice")?,
            code: key_values(clean, CODE_RANK)?,
            timestamp: i64_values(clean, "timestamp")?,
            quantity: f64_values(clean, "quantity")?,
            unit_price: f64_values(clean, "unit_price")?,
            cancelled: bool_values(clean, "cancelled")?,
            countries,
            country_names,
        })
    }

    /// The summary of one customer's rows (in file order, at least one).
    fn summary(&self, rows: &[u32]) -> Summary<'_> {
        let rows: Vec<usize> = rows.iter().map(|&r| r as usize).collect();
        let day = |row: usize| self.timestamp[row].div_euclid(SECONDS_PER_DAY);
        let mut dow = [0usize; 7];
        let mut hour = [0usize; 24];
        let mut countries = vec![0usize; self.country_names.len()];
        let mut invoices = Vec::new();
        let mut codes = Vec::with_capacity(rows.len());
        let mut months = Vec::with_capacity(rows.len());
        let (mut products, mut spend, mut last_seen) = (0.0, 0.0, i64::MIN);
        for &row in &rows {
            let seconds = self.timestamp[row];
            let line_spend = self.quantity[row] * self.unit_price[row];
            last_seen = last_seen.max(seconds);
            products += self.quantity[row];
            spend += line_spend;
            dow[(day(row) + EPOCH_WEEKDAY_OFFSET).rem_euclid(7) as usize] += 1;
            hour[(seconds.rem_euclid(SECONDS_PER_DAY) / 3600) as usize] += 1;
            if let Some(count) = countries.get_mut(self.countries[row] as usize) {
                *count += 1;
            }
            // An invoice's lines usually follow one another.
            let invoice = (self.invoice.get(row), self.cancelled[row]);
            if invoices.last() != Some(&invoice) {
                invoices.push(invoice);
            }
            codes.push(self.code[row]);
            months.push((month_of(seconds), line_spend));
        }
        invoices.sort_unstable();
        invoices.dedup();
        let cancellations = invoices.iter().filter(|(_, cancelled)| *cancelled).count();
        invoices.dedup_by_key(|(invoice, _)| *invoice);
        codes.sort_unstable();
        codes.dedup();
        months.sort_by_key(|&(month, _)| month);
        let mut monthly_spend: Vec<f64> = Vec::new();
        let mut last_month = None;
        for (month, line_spend) in months {
            match monthly_spend.last_mut() {
                Some(total) if last_month == Some(month) => *total += line_spend,
                _ => monthly_spend.push(line_spend),
            }
            last_month = Some(month);
        }
        let (first, last) = (rows[0], rows[rows.len() - 1]);
        let gap = if rows.len() > 1 {
            (day(last) - day(first)) as f64 / (rows.len() - 1) as f64
        } else {
            0.0
        };
        Summary {
            customer: self.customer.get(first).unwrap_or_default(),
            last_seen,
            transactions: invoices.len(),
            cancellations,
            products,
            spend,
            unique_products: codes.len(),
            gap,
            dow: first_most_frequent(&dow),
            hour: first_most_frequent(&hour),
            country: most_frequent(&countries, &self.country_names),
            monthly_spend,
        }
    }
}

/// Months since year 0 of a time in seconds since 1970 (UTC).
fn month_of(seconds: i64) -> i64 {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map_or(0, |t| i64::from(t.year()) * 12 + i64::from(t.month0()))
}

/// The position of the largest count, ties to the first.
fn first_most_frequent(counts: &[usize]) -> usize {
    counts
        .iter()
        .enumerate()
        .fold(
            (0, 0),
            |best, (i, &n)| if n > best.1 { (i, n) } else { best },
        )
        .0
}

/// The name with the largest count (a count per name), ties to the name first in text
/// order; `None` when every count is zero.
fn most_frequent(counts: &[usize], names: &[&str]) -> Option<usize> {
    (0..counts.len())
        .filter(|&i| counts[i] > 0)
        .min_by(|&a, &b| counts[b].cmp(&counts[a]).then(names[a].cmp(names[b])))
}

fn series_statistics(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len();
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0, 0.0);
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let x_mean = (n - 1) as f64 / 2.0;
    let sxy: f64 = values
        .iter()
        .enumerate()
        .map(|(x, v)| (x as f64 - x_mean) * (v - mean))
        .sum();
    let sxx: f64 = (0..n).map(|x| (x as f64 - x_mean).powi(2)).sum();
    (mean, variance.sqrt(), sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_statistics_of_a_rising_series() {
        let (mean, std, slope) = series_statistics(&[10.0, 20.0, 30.0]);
        assert!((mean - 20.0).abs() < 1e-12);
        assert!((std - 10.0).abs() < 1e-12);
        assert!((slope - 10.0).abs() < 1e-12);
        assert_eq!(series_statistics(&[5.0]), (5.0, 0.0, 0.0));
    }
}
