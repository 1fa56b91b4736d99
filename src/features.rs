//! The 15 features that describe a customer, computed by customer key from the clean
//! transactions with polars group-bys.

use ndarray::Array2;
use polars::prelude::*;

use crate::data::clean::CUSTOMER_RANK;
use crate::data::{f64_values, i64_values, text_values, EPOCH_WEEKDAY_OFFSET, SECONDS_PER_DAY};
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

pub fn customer_features(clean: &DataFrame) -> Result<CustomerFeatures> {
    if clean.height() == 0 {
        return Err(AisleError::NoCustomers);
    }
    let day = whole_division(col("timestamp"), SECONDS_PER_DAY);
    let lines = clean.clone().lazy().with_columns([
        day.clone().alias("day"),
        ((day + lit(EPOCH_WEEKDAY_OFFSET)) % lit(7i64)).alias("dow"),
        whole_division(col("timestamp") % lit(SECONDS_PER_DAY), 3600).alias("hour"),
        (col("quantity") * col("unit_price")).alias("spend"),
        (col("timestamp") * lit(1000i64))
            .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
            .alias("when"),
    ]);
    let by_customer = SortMultipleOptions::default();

    let totals = lines
        .clone()
        .group_by([col(CUSTOMER_RANK)])
        .agg([
            col("customer").first(),
            col("day").max().alias("last_day"),
            col("timestamp").max().alias("last_seen"),
            col("invoice").n_unique().alias("transactions"),
            col("quantity").sum().alias("products"),
            col("spend").sum().alias("spend"),
            col("stock_code").n_unique().alias("unique_products"),
            // Consecutive gaps in file order telescope: their mean is (last − first) / (n − 1).
            col("day").first().alias("first_line_day"),
            col("day").last().alias("last_line_day"),
            len().alias("lines"),
            col("invoice")
                .filter(col("cancelled"))
                .n_unique()
                .alias("cancellations"),
        ])
        .sort([CUSTOMER_RANK], by_customer.clone())
        .collect()?;

    let dow = mode_by_customer(lines.clone(), "dow")?;
    let hour = mode_by_customer(lines.clone(), "hour")?;
    let country = mode_by_customer(lines.clone(), "country")?;
    let home_market = crate::data::quality::most_frequent(clean, "country", 1)?
        .into_iter()
        .next()
        .map(|(c, _)| c)
        .unwrap_or_default();

    let monthly = lines
        .clone()
        .group_by([
            col(CUSTOMER_RANK),
            col("when").dt().year().alias("year"),
            col("when").dt().month().alias("month"),
        ])
        .agg([col("spend").sum()])
        .sort([CUSTOMER_RANK, "year", "month"], by_customer)
        .collect()?;
    let log_last_day = i64_values(&totals, "last_day")?
        .into_iter()
        .max()
        .unwrap_or(0);

    let customers = text_values(&totals, "customer")?;
    let n = customers.len();
    let last_day = i64_values(&totals, "last_day")?;
    let transactions = f64_values(&totals, "transactions")?;
    let products = f64_values(&totals, "products")?;
    let spend = f64_values(&totals, "spend")?;
    let unique = f64_values(&totals, "unique_products")?;
    let first_line = i64_values(&totals, "first_line_day")?;
    let last_line = i64_values(&totals, "last_line_day")?;
    let line_count = i64_values(&totals, "lines")?;
    let cancellations = f64_values(&totals, "cancellations")?;
    let dow = i64_values(&dow, "dow")?;
    let hour = i64_values(&hour, "hour")?;
    let countries = text_values(&country, "country")?;
    let monthly_stats = monthly_statistics(n, &monthly)?;

    let mut values = Array2::<f64>::zeros((n, FEATURE_NAMES.len()));
    for i in 0..n {
        let gap = if line_count[i] > 1 {
            (last_line[i] - first_line[i]) as f64 / (line_count[i] - 1) as f64
        } else {
            0.0
        };
        let (month_mean, month_std, trend) = monthly_stats[i];
        let row = [
            (log_last_day - last_day[i]) as f64,
            transactions[i],
            products[i],
            spend[i],
            spend[i] / transactions[i],
            unique[i],
            gap,
            dow[i] as f64,
            hour[i] as f64,
            f64::from(u8::from(countries[i] == home_market)),
            cancellations[i],
            cancellations[i] / transactions[i],
            month_mean,
            month_std,
            trend,
        ];
        values.row_mut(i).assign(&ndarray::ArrayView1::from(&row));
    }

    Ok(CustomerFeatures {
        customers,
        countries,
        last_seen: i64_values(&totals, "last_seen")?,
        values,
        home_market,
    })
}

/// `value ÷ divisor` rounded down, for non-negative integers, as an integer.
fn whole_division(value: Expr, divisor: i64) -> Expr {
    ((value.clone() - value % lit(divisor)) / lit(divisor)).cast(DataType::Int64)
}

/// Each customer's most frequent value of `key`, ties to the smallest value.
fn mode_by_customer(lines: LazyFrame, key: &str) -> Result<DataFrame> {
    Ok(lines
        .group_by([col(CUSTOMER_RANK), col(key)])
        .agg([len().alias("n")])
        .sort_by_exprs(
            [col(CUSTOMER_RANK), col("n"), col(key)],
            SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
        )
        .group_by_stable([col(CUSTOMER_RANK)])
        .agg([col(key).first()])
        .collect()?)
}

/// Mean, sample standard deviation and least-squares slope of spend over each customer's
/// active months, in month order. The table is already aggregated: one row per customer
/// and month, sorted, so this walks a few rows per customer.
fn monthly_statistics(customers: usize, monthly: &DataFrame) -> Result<Vec<(f64, f64, f64)>> {
    let ranks = i64_values(monthly, CUSTOMER_RANK)?;
    let spend = f64_values(monthly, "spend")?;
    let mut stats = Vec::with_capacity(customers);
    let mut start = 0;
    for customer in 0..customers as i64 {
        let mut end = start;
        while end < spend.len() && ranks[end] == customer {
            end += 1;
        }
        stats.push(series_statistics(&spend[start..end]));
        start = end;
    }
    Ok(stats)
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
