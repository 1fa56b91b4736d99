//! The cleaning rules, applied in order and each counted: rows without customer or
//! description, exact duplicates, non-product codes, service lines and non-positive prices
//! are dropped; cancellations are kept and flagged; descriptions are upper-cased.

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::duplicates::repeated_rows;
use super::schema::Role;
use super::{bool_values, is_cancellation, non_product_codes, ranks, stock_code_in};
use crate::error::Result;

/// Descriptions of lines that are services, not products.
pub const SERVICE_DESCRIPTIONS: [&str; 2] = ["Next Day Carriage", "High Resolution Image"];

/// Clean-frame column: the customer's position among the customers in ascending id order.
pub const CUSTOMER_RANK: &str = "customer_rank";
/// Clean-frame column: the stock code's position among the codes in ascending order.
pub const CODE_RANK: &str = "code_rank";

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

/// Per row, what the quality report counts and the cleaning rules act on, computed once
/// for both.
#[derive(Debug, Clone)]
pub struct RowChecks {
    /// The log has a description column with at least one value.
    has_descriptions: bool,
    /// Customer and description are both given.
    present: Vec<bool>,
    /// An identical row (every canonical column) came earlier.
    pub repeated: Vec<bool>,
    /// The stock code is one of `non_product_codes`.
    pub non_product: Vec<bool>,
    /// A stock code is given and is a product's.
    product: Vec<bool>,
    /// The description is not a service's (missing counts as not).
    goods: Vec<bool>,
    /// The unit price is given and below or at zero.
    pub non_positive_price: Vec<bool>,
    /// The unit price is given and above zero.
    priced: Vec<bool>,
    /// The invoice number marks a cancellation.
    pub cancelled: Vec<bool>,
    /// The distinct non-product codes in the log, sorted.
    pub non_product_codes: Vec<String>,
}

impl RowChecks {
    pub fn new(raw: &DataFrame) -> Result<RowChecks> {
        let rows = raw.height();
        // The description column is optional: a log without one keeps its rows, described
        // as "".
        let has_descriptions = raw.column("description")?.null_count() < rows;
        let description = if has_descriptions {
            col("description")
        } else {
            lit("")
        };
        // Copies are searched beside the per-row checks.
        let keys: Vec<&str> = Role::ALL.iter().map(|r| r.key()).collect();
        let (repeated, checked) = rayon::join(
            || repeated_rows(raw, &keys),
            || row_flags(raw, &description),
        );
        let (checks, non_product_codes) = checked?;
        // A missing value fails the check, as it fails a filter.
        let flags = |name: &str| bool_values(&checks, name);
        Ok(RowChecks {
            has_descriptions,
            present: flags("present")?,
            repeated: repeated?,
            non_product: flags("non_product")?,
            product: flags("product")?,
            goods: flags("goods")?,
            non_positive_price: flags("non_positive_price")?,
            priced: flags("priced")?,
            cancelled: flags("cancelled")?,
            non_product_codes,
        })
    }
}

/// The checks of every row that look at its own values, and the log's non-product codes.
fn row_flags(raw: &DataFrame, description: &Expr) -> Result<(DataFrame, Vec<String>)> {
    let non_product_codes = non_product_codes(raw)?;
    let services = Series::new("services".into(), SERVICE_DESCRIPTIONS);
    let checks = raw
        .clone()
        .lazy()
        .select([
            col("customer")
                .is_not_null()
                .and(description.clone().is_not_null())
                .alias("present"),
            stock_code_in(&non_product_codes).alias("non_product"),
            stock_code_in(&non_product_codes).not().alias("product"),
            description
                .clone()
                .is_in(lit(services).implode(false), false)
                .not()
                .alias("goods"),
            col("unit_price")
                .lt_eq(lit(0.0))
                .alias("non_positive_price"),
            col("unit_price").gt(lit(0.0)).alias("priced"),
            is_cancellation().alias("cancelled"),
        ])
        .collect()?;
    Ok((checks, non_product_codes))
}

/// Applies the rules to the rows of `raw` whose checks are given, in order, counting each.
///
/// Identical rows meet the same fate under every rule, so the copies found in the whole log
/// are the copies among the rows a rule has left; likewise the non-product codes.
///
/// The raw rows are taken, and each raw column is freed as soon as its kept rows are copied,
/// so that a large log is never in memory twice.
pub fn clean(raw: DataFrame, checks: &RowChecks, rules: &CleaningRules) -> Result<Cleaned> {
    let rows_in = raw.height();
    let mut keep = vec![true; rows_in];
    let mut counts = Vec::new();
    apply_rule(
        &mut keep,
        &mut counts,
        "no customer or description",
        rules.drop_missing_customer_or_description,
        &checks.present,
        true,
    );
    apply_rule(
        &mut keep,
        &mut counts,
        "exact duplicate rows",
        rules.drop_duplicates,
        &checks.repeated,
        false,
    );
    let count_cancellations = |keep: &[bool]| {
        keep.iter()
            .zip(&checks.cancelled)
            .filter(|(&k, &c)| k && c)
            .count()
    };
    let cancellations_kept = count_cancellations(&keep);
    apply_rule(&mut keep, &mut counts, CANCELLATIONS_KEPT, false, &[], true);
    apply_rule(
        &mut keep,
        &mut counts,
        "non-product stock codes",
        rules.drop_non_product_codes,
        &checks.product,
        true,
    );
    apply_rule(
        &mut keep,
        &mut counts,
        "service lines",
        rules.drop_service_lines,
        &checks.goods,
        true,
    );
    apply_rule(
        &mut keep,
        &mut counts,
        "price zero or below",
        rules.drop_non_positive_prices,
        &checks.priced,
        true,
    );
    let cancellations_clean = count_cancellations(&keep);

    // The rows are copied once, here, a column at a time.
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    let kept_rows = keep.iter().filter(|&&k| k).count();
    drop(keep);
    let kept = raw
        .into_columns()
        .into_par_iter()
        .map(|column| column.filter(&mask))
        .collect::<PolarsResult<Vec<Column>>>()?;
    let kept = DataFrame::new(kept_rows, kept)?;
    let mut columns = vec![
        col("country").fill_null(lit("Unknown")),
        is_cancellation().alias("cancelled"),
    ];
    if !checks.has_descriptions {
        columns.push(lit("").alias("description"));
    }
    let mut frame = kept.lazy().with_columns(columns).collect()?;
    let (upper, (customer_rank, code_rank)) = rayon::join(
        || upper_case(frame.column("description")?.str()?),
        || rayon::join(|| ranks(&frame, "customer"), || ranks(&frame, "stock_code")),
    );
    if let Some(upper) = upper? {
        frame.replace("description", upper.into_column())?;
    }
    let customer_rank = customer_rank?.with_name(CUSTOMER_RANK.into());
    let code_rank = code_rank?.with_name(CODE_RANK.into());
    let frame = frame.hstack(&[customer_rank.into_column(), code_rank.into_column()])?;
    Ok(Cleaned {
        frame,
        rules: counts,
        rows_in,
        cancellations_kept,
        cancellations_clean,
    })
}

/// The column in upper case, or `None` when it already is; only the values with a lower-case
/// letter are converted.
fn upper_case(values: &StringChunked) -> Result<Option<StringChunked>> {
    let needs = |v: &str| v.bytes().any(|b| b.is_ascii_lowercase() || !b.is_ascii());
    if !values.iter().flatten().any(needs) {
        return Ok(None);
    }
    let upper: StringChunked = values
        .iter()
        .map(|v| {
            v.map(|v| match needs(v) {
                true => std::borrow::Cow::Owned(v.to_uppercase()),
                false => std::borrow::Cow::Borrowed(v),
            })
        })
        .collect();
    Ok(Some(upper.with_name("description".into())))
}

/// Drops the kept rows whose flag is not `pass`, if the rule is switched on, and records
/// how many.
fn apply_rule(
    keep: &mut [bool],
    counts: &mut Vec<RuleCount>,
    rule: &str,
    on: bool,
    flags: &[bool],
    pass: bool,
) {
    let mut removed = 0;
    if on {
        for (kept, &flag) in keep.iter_mut().zip(flags) {
            if *kept && flag != pass {
                *kept = false;
                removed += 1;
            }
        }
    }
    counts.push(RuleCount {
        rule: rule.to_string(),
        removed,
    });
}
