//! A time split of a loaded log: the transactions before a cut date train the models, the
//! ones on and after it are what customers went on to buy. By default the cut leaves the
//! last quarter of the log's trading days (days with any transaction) for testing.
//!
//! The holdout built from it: the training part prepared exactly as a whole log would be,
//! and, for each customer known from training, the products bought in the test period that
//! they had no line for in training (neither bought nor returned).

use chrono::{NaiveDate, TimeDelta};
use polars::prelude::*;
use serde::{Serialize, Serializer};

use crate::data::clean::{clean, CleaningRules, RowChecks};
use crate::data::load::Loaded;
use crate::data::{is_cancellation, non_product_codes, stock_code_in, SECONDS_PER_DAY};
use crate::error::{AisleError, Result};
use crate::pipeline::{self, Observer, Prepared};

/// Share of the log's trading days the default split leaves for testing.
pub const TEST_SHARE: f64 = 0.25;

/// One side of the split: its dates and size before cleaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// First day with a transaction.
    #[serde(serialize_with = "iso_date")]
    pub first_day: NaiveDate,
    /// Last day with a transaction.
    #[serde(serialize_with = "iso_date")]
    pub last_day: NaiveDate,
    /// Days with at least one transaction.
    pub days: usize,
    /// Rows as loaded, before cleaning.
    pub rows: usize,
}

/// The loaded log cut in two at `date`.
#[derive(Debug, Clone)]
pub struct TimeSplit {
    /// First day of the test period; training is everything before it.
    pub date: NaiveDate,
    /// Whether the date was chosen by the default rule rather than given.
    pub automatic: bool,
    /// Transactions before `date`, with the load report of the whole file.
    pub train: Loaded,
    /// Transactions on or after `date`, canonical columns, not cleaned.
    pub test: DataFrame,
    /// Dates and size of the training part.
    pub train_period: Period,
    /// Dates and size of the test part.
    pub test_period: Period,
    /// Rows without a readable date, in neither part.
    pub undated_rows: usize,
}

/// Cuts `loaded` at `date`, or at [`default_split`] when none is given. Rows without a date
/// belong to neither part. Errors when either part would be empty.
pub fn split_log(loaded: Loaded, date: Option<NaiveDate>) -> Result<TimeSplit> {
    let days = trading_days(&loaded.frame)?;
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Err(AisleError::Parameter(
            "the log has no dated transactions to split".into(),
        ));
    };
    let automatic = date.is_none();
    let date = match date {
        Some(date) => date,
        None => default_split(&days)?,
    };
    let cut = day_number(date);
    if cut <= first || cut > last {
        return Err(AisleError::Parameter(format!(
            "split date {date} leaves no transactions for {}; the log runs from {} to {}, \
             so pick a date after the first day and on or before the last",
            if cut <= first { "training" } else { "testing" },
            to_date(first),
            to_date(last),
        )));
    }

    let at = lit(cut * SECONDS_PER_DAY);
    let train = loaded
        .frame
        .clone()
        .lazy()
        .filter(col("timestamp").lt(at.clone()))
        .collect()?;
    let test = loaded
        .frame
        .clone()
        .lazy()
        .filter(col("timestamp").gt_eq(at))
        .collect()?;
    let undated_rows = loaded.frame.height() - train.height() - test.height();
    let (before, after): (Vec<i64>, Vec<i64>) = days.iter().partition(|&&d| d < cut);
    let period = |days: &[i64], rows: usize| Period {
        first_day: to_date(days[0]),
        last_day: to_date(days[days.len() - 1]),
        days: days.len(),
        rows,
    };
    Ok(TimeSplit {
        date,
        automatic,
        train_period: period(&before, train.height()),
        test_period: period(&after, test.height()),
        undated_rows,
        train: Loaded {
            frame: train,
            report: loaded.report,
        },
        test,
    })
}

/// The first day of the last quarter of the trading days (`days` ascending, distinct, as
/// days since 1970): training keeps the first three quarters.
pub fn default_split(days: &[i64]) -> Result<NaiveDate> {
    if days.len() < 2 {
        return Err(AisleError::Parameter(format!(
            "a time split needs transactions on at least 2 days; the log has {}",
            days.len()
        )));
    }
    let test_days = ((days.len() as f64 * TEST_SHARE).round() as usize).clamp(1, days.len() - 1);
    Ok(to_date(days[days.len() - test_days]))
}

/// The distinct days with a transaction, ascending, as days since 1970.
pub fn trading_days(frame: &DataFrame) -> Result<Vec<i64>> {
    let timestamps = frame.column("timestamp")?.cast(&DataType::Int64)?;
    let mut days: Vec<i64> = timestamps
        .i64()?
        .iter()
        .flatten()
        .map(|t| t.div_euclid(SECONDS_PER_DAY))
        .collect();
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// The training part prepared for fitting, and what each customer went on to buy.
#[derive(Debug, Clone)]
pub struct Holdout {
    /// First day of the test period.
    pub split: NaiveDate,
    /// Whether the date was chosen by the default rule.
    pub automatic: bool,
    /// Dates and size of the training part.
    pub train: Period,
    /// Dates and size of the test part.
    pub test: Period,
    /// The training transactions, checked, cleaned and summarised per customer.
    pub prepared: Prepared,
    /// Customers known from training with a clean line in the test period.
    pub active: usize,
    /// The customers who are scored, by position in training.
    pub scored: Vec<Later>,
}

/// What one scored customer bought in the test period that they had no line for in training.
#[derive(Debug, Clone, PartialEq)]
pub struct Later {
    /// Position among the training customers.
    pub customer: usize,
    /// Products of the training catalogue, ascending item id.
    pub known: Vec<u32>,
    /// Products the training period never sold.
    pub new_products: usize,
}

impl Later {
    /// Every product to predict, new to the shop or not.
    pub fn total(&self) -> usize {
        self.known.len() + self.new_products
    }
}

/// Splits `loaded` at `split` (or the default date), prepares the training part and finds
/// the scored customers in the test part, cleaned with the same rules.
pub fn holdout(
    loaded: Loaded,
    rules: &CleaningRules,
    split: Option<NaiveDate>,
    observer: &dyn Observer,
) -> Result<Holdout> {
    let split = split_log(loaded, split)?;
    let prepared = pipeline::prepare_frame(split.train, rules, observer)?;
    let checks = RowChecks::new(&split.test)?;
    let test = clean(split.test, &checks, rules)?.frame;
    let (active, scored) = later_purchases(&test, &prepared)?;
    Ok(Holdout {
        split: split.date,
        automatic: split.automatic,
        train: split.train_period,
        test: split.test_period,
        prepared,
        active,
        scored,
    })
}

/// Customers known from training who appear in the clean test transactions, and the scored
/// ones among them.
fn later_purchases(test: &DataFrame, prepared: &Prepared) -> Result<(usize, Vec<Later>)> {
    let features = &prepared.features;
    let purchases = &prepared.purchases;
    let customers = test.column("customer")?.unique()?;
    let active = customers
        .str()?
        .iter()
        .flatten()
        .filter(|id| features.position(id).is_some())
        .count();

    let codes = non_product_codes(test)?;
    let bought = test
        .clone()
        .lazy()
        .filter(is_cancellation().not().and(stock_code_in(&codes).not()))
        .select([col("customer"), col("stock_code")])
        .unique(None, UniqueKeepStrategy::First)
        .sort(["customer", "stock_code"], SortMultipleOptions::default())
        .collect()?;
    let ids = bought.column("customer")?.str()?.clone();
    let stock_codes = bought.column("stock_code")?.str()?.clone();

    let mut scored: Vec<Later> = Vec::new();
    for (id, code) in ids.iter().zip(stock_codes.iter()) {
        let (Some(id), Some(code)) = (id, code) else {
            continue;
        };
        let Some(customer) = features.position(id) else {
            continue;
        };
        let item = purchases
            .items
            .binary_search_by(|it| it.code.as_str().cmp(code))
            .ok()
            .map(|i| i as u32);
        if item.is_some_and(|i| purchases.touched(customer, i)) {
            continue;
        }
        if scored.last().is_none_or(|l| l.customer != customer) {
            scored.push(Later {
                customer,
                known: Vec::new(),
                new_products: 0,
            });
        }
        let later = scored.last_mut().expect("pushed above");
        match item {
            Some(i) => later.known.push(i),
            None => later.new_products += 1,
        }
    }
    for later in &mut scored {
        later.known.sort_unstable();
    }
    Ok((active, scored))
}

/// Days since 1970-01-01.
pub fn day_number(date: NaiveDate) -> i64 {
    (date - epoch()).num_days()
}

fn to_date(day: i64) -> NaiveDate {
    epoch() + TimeDelta::days(day)
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a date")
}

/// Serialises a date as `YYYY-MM-DD`.
pub fn iso_date<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}
