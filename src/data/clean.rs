//! The cleaning rules, applied in order and each counted: rows without customer or
//! description, exact duplicates, non-product codes, service lines and non-positive prices
//! are dropped; cancellations are kept and flagged; descriptions are upper-cased.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::Role;
use super::{is_cancellation, non_product_codes, stock_code_in};
use crate::error::Result;

/// Descriptions of lines that are services, not products.
pub const SERVICE_DESCRIPTIONS: [&str; 2] = ["Next Day Carriage", "High Resolution Image"];

/// The name of the cleaning step that flags cancellations and keeps them: it removes no rows.
pub const CANCELLATIONS_KEPT: &str = "cancellations (kept)";

/// Which rules run; every one is on by default and can be switched off in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CleaningRules {
    pub drop_missing_customer_or_description: bool,
    pub drop_duplicates: bool,
    pub drop_non_product_codes: bool,
    pub drop_service_lines: bool,
    pub drop_non_positive_prices: bool,
}

impl Default for CleaningRules {
    fn default() -> Self {
        CleaningRules {
            drop_missing_customer_or_description: true,
            drop_duplicates: true,
            drop_non_product_codes: true,
            drop_service_lines: true,
            drop_non_positive_prices: true,
        }
    }
}

/// One rule and the rows it removed.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCount {
    pub rule: String,
    pub removed: usize,
}

/// The clean transactions (with a `cancelled` flag) and what each rule did.
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub frame: DataFrame,
    pub rules: Vec<RuleCount>,
    pub rows_in: usize,
    /// Cancellation rows flagged and kept, counted where the rule runs (after duplicates).
    pub cancellations_kept: usize,
    /// Cancellation rows still in the clean transactions, after the later rules.
    pub cancellations_clean: usize,
}

pub fn clean(raw: &DataFrame, rules: &CleaningRules) -> Result<Cleaned> {
    let rows_in = raw.height();
    let mut counts = Vec::new();
    // The description column is optional: a log without one keeps its rows, described as "".
    let has_descriptions = raw.column("description")?.null_count() < rows_in;
    let mut frame = if has_descriptions {
        raw.clone()
    } else {
        raw.clone()
            .lazy()
            .with_column(lit("").alias("description"))
            .collect()?
    };
    apply_rule(
        &mut frame,
        &mut counts,
        "no customer or description",
        rules.drop_missing_customer_or_description,
        &|lf| {
            lf.filter(
                col("customer")
                    .is_not_null()
                    .and(col("description").is_not_null()),
            )
        },
    )?;

    let canonical: Vec<Expr> = Role::ALL.iter().map(|r| col(r.key())).collect();
    apply_rule(
        &mut frame,
        &mut counts,
        "exact duplicate rows",
        rules.drop_duplicates,
        &|lf| lf.unique_stable_generic(Some(canonical.clone()), UniqueKeepStrategy::First),
    )?;

    let cancellations_kept = count_cancellations(&frame)?;
    counts.push(RuleCount {
        rule: CANCELLATIONS_KEPT.to_string(),
        removed: 0,
    });

    let codes = non_product_codes(&frame)?;
    apply_rule(
        &mut frame,
        &mut counts,
        "non-product stock codes",
        rules.drop_non_product_codes,
        &|lf| lf.filter(stock_code_in(&codes).not()),
    )?;

    let services = Series::new("services".into(), SERVICE_DESCRIPTIONS);
    apply_rule(
        &mut frame,
        &mut counts,
        "service lines",
        rules.drop_service_lines,
        &|lf| {
            lf.filter(
                col("description")
                    .is_in(lit(services.clone()).implode(false), false)
                    .not(),
            )
        },
    )?;

    apply_rule(
        &mut frame,
        &mut counts,
        "price zero or below",
        rules.drop_non_positive_prices,
        &|lf| lf.filter(col("unit_price").gt(lit(0.0))),
    )?;

    let frame = frame
        .lazy()
        .with_columns([
            col("description").str().to_uppercase(),
            col("country").fill_null(lit("Unknown")),
            is_cancellation().alias("cancelled"),
        ])
        .collect()?;
    let cancellations_clean = count_cancellations(&frame)?;
    Ok(Cleaned {
        frame,
        rules: counts,
        rows_in,
        cancellations_kept,
        cancellations_clean,
    })
}

/// Runs one rule if it is switched on and records how many rows it removed.
fn apply_rule(
    frame: &mut DataFrame,
    counts: &mut Vec<RuleCount>,
    rule: &str,
    on: bool,
    keep: &dyn Fn(LazyFrame) -> LazyFrame,
) -> Result<()> {
    let before = frame.height();
    if on {
        *frame = keep(frame.clone().lazy()).collect()?;
    }
    counts.push(RuleCount {
        rule: rule.to_string(),
        removed: before - frame.height(),
    });
    Ok(())
}

fn count_cancellations(frame: &DataFrame) -> Result<usize> {
    let counted = frame
        .clone()
        .lazy()
        .select([is_cancellation().sum()])
        .collect()?;
    Ok(crate::data::i64_values(&counted, "invoice")?
        .first()
        .copied()
        .unwrap_or(0) as usize)
}
