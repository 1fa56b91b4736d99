//! The figures the project promises on the full real log (`sample_data/online_retail.csv.gz`,
//! 541,909 rows): exact counts after loading and cleaning, model figures within a tolerance.
//! The pipeline runs once for the whole file and every test reads the same analysis.

mod common;

use std::sync::OnceLock;

use aisle::data::clean::CleaningRules;
use aisle::data::load::LoadOptions;
use aisle::features::FEATURE_NAMES;
use aisle::model::recommend::Method;
use aisle::pipeline::{fit, Analysis, Params, Quiet};

fn analysis() -> &'static Analysis {
    static ANALYSIS: OnceLock<Analysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| {
        Analysis::run(
            &common::full_log(),
            &LoadOptions::default(),
            &CleaningRules::default(),
            &Params::default(),
            &Quiet,
        )
        .expect("the bundled full log runs through the pipeline")
    })
}

/// Rows removed by the cleaning rule of that name.
fn removed_by(rule: &str) -> usize {
    analysis()
        .prepared
        .cleaned
        .rules
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no cleaning rule `{rule}`"))
        .removed
}

/// A customer's value of the feature of that name.
fn feature(customer: &str, name: &str) -> f64 {
    let features = &analysis().prepared.features;
    let row = features
        .position(customer)
        .unwrap_or_else(|| panic!("customer {customer} has no features"));
    let column = FEATURE_NAMES
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("no feature `{name}`"));
    features.values[[row, column]]
}

fn assert_near(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not within {tolerance} of {expected}"
    );
}

#[test]
fn every_row_of_the_log_is_read() {
    let prepared = &analysis().prepared;
    assert_eq!(prepared.load.rows, 541_909);
    assert_eq!(prepared.quality.rows, 541_909);
    assert_eq!(prepared.cleaned.rows_in, 541_909);
}

#[test]
fn missing_values_in_the_raw_log() {
    let missing = &analysis().prepared.quality.missing;
    let share = |column: &str| {
        missing
            .iter()
            .find(|(c, _)| c == column)
            .unwrap_or_else(|| panic!("no missing share for `{column}`"))
            .1
    };
    assert_near(share("customer"), 0.2493, 0.0001, "missing CustomerID");
    assert_near(share("description"), 0.0027, 0.0001, "missing Description");
    assert_eq!(share("invoice"), 0.0);
}

#[test]
fn each_cleaning_rule_removes_the_published_count() {
    assert_eq!(removed_by("no customer or description"), 135_080);
    assert_eq!(removed_by("exact duplicate rows"), 5_225);
    assert_eq!(removed_by("non-product stock codes"), 1_915);
    assert_eq!(removed_by("service lines"), 83);
    assert_eq!(removed_by("price zero or below"), 33);
}

#[test]
fn clean_log_keeps_cancellations_flagged() {
    let cleaned = &analysis().prepared.cleaned;
    assert_eq!(cleaned.frame.height(), 399_573);
    assert_eq!(cleaned.cancellations_kept, 8_872);

    let removed: usize = cleaned.rules.iter().map(|r| r.removed).sum();
    assert_eq!(cleaned.rows_in - removed, cleaned.frame.height());
}

#[test]
fn every_customer_with_a_clean_row_has_features() {
    let features = &analysis().prepared.features;
    assert_eq!(features.len(), 4_362);
    assert_eq!(features.values.nrows(), 4_362);
    assert_eq!(features.values.ncols(), FEATURE_NAMES.len());
    assert_eq!(features.home_market, "United Kingdom");
}

#[test]
fn customer_ids_without_a_clean_row_get_no_features() {
    let prepared = &analysis().prepared;
    assert_eq!(prepared.quality.customers, 4_372);
    assert_eq!(prepared.features.len(), 4_362);
}

#[test]
fn average_days_between_purchases_counts_lines_in_file_order() {
    // 12347's 182 clean lines run from 2010-12-07 to 2011-12-07 (365 days) over 7 invoices:
    // the mean gap between consecutive lines, not between invoices.
    assert_near(
        feature("12347", "average days between purchases"),
        365.0 / 181.0,
        1e-9,
        "average days between purchases",
    );
}

#[test]
fn customers_with_only_cancellations_get_no_knn_list() {
    let analysis = analysis();
    let purchases = &analysis.prepared.purchases;
    let lists = &analysis.model.recommendations;
    let only_cancelled: Vec<usize> = (0..lists.len())
        .filter(|&c| purchases.bought(c).is_empty())
        .collect();
    assert_eq!(only_cancelled.len(), 28);
    for &customer in &only_cancelled {
        assert!(lists[customer].knn.is_empty());
        assert!(lists[customer].both.is_empty());
        assert!(!lists[customer].kmeans.is_empty());
    }
    let without_knn = lists.iter().filter(|l| l.knn.is_empty()).count();
    assert_eq!(without_knn, 28);
}

#[test]
fn customer_12347_as_published() {
    assert_eq!(feature("12347", "days since last purchase"), 2.0);
    assert_eq!(feature("12347", "transactions"), 7.0);
    assert_eq!(feature("12347", "products purchased"), 2_458.0);
    assert_near(feature("12347", "total spend"), 4_310.00, 0.005, "spend");
}

#[test]
fn five_percent_of_customers_are_outliers() {
    let model = &analysis().model;
    let expected = (0.05f64 * 4_362.0).round() as usize;
    assert_eq!(model.outliers.count(), expected);
    assert_eq!(model.inliers.len(), 4_362 - expected);
}

#[test]
fn six_components_explain_about_81_percent() {
    let reduction = &analysis().model.reduction;
    assert_eq!(reduction.components, 6);
    assert_near(reduction.kept_variance(), 0.81, 0.01, "kept variance");
    assert_eq!(
        reduction.explained_variance_ratio.len(),
        FEATURE_NAMES.len()
    );
}

#[test]
fn mean_silhouette_at_three_and_four_segments() {
    let scores = analysis().model.silhouette();
    let at = |k: usize| {
        scores
            .iter()
            .find(|s| s.k == k)
            .unwrap_or_else(|| panic!("no silhouette for K = {k}"))
            .score
    };
    assert_near(at(3), 0.236, 0.02, "silhouette at K = 3");
    assert_near(at(4), 0.239, 0.02, "silhouette at K = 4");
    let ks: Vec<usize> = scores.iter().map(|s| s.k).collect();
    assert_eq!(ks, (2..=12).collect::<Vec<_>>());
}

#[test]
fn every_customer_gets_lists_no_longer_than_asked() {
    let analysis = analysis();
    let top_n = analysis.model.params.top_n;
    let recommendations = &analysis.model.recommendations;
    assert_eq!(recommendations.len(), analysis.prepared.features.len());

    for lists in recommendations.iter() {
        for method in [Method::Kmeans, Method::Knn, Method::Both] {
            let list = lists.list(method);
            assert!(list.len() <= top_n, "{method:?} list of {}", list.len());
            let ranks: Vec<u32> = list.iter().map(|r| r.rank).collect();
            assert_eq!(ranks, (1..=list.len() as u32).collect::<Vec<_>>());
        }
    }
    let with_kmeans = recommendations.iter().filter(|l| !l.kmeans.is_empty());
    assert_eq!(with_kmeans.count(), recommendations.len());
}

#[test]
fn recommendations_are_new_to_the_customer() {
    let analysis = analysis();
    let purchases = &analysis.prepared.purchases;
    for (customer, lists) in analysis.model.recommendations.iter().enumerate() {
        for r in lists.kmeans.iter().chain(&lists.knn) {
            assert!(
                !purchases.touched(customer, r.item),
                "customer {} is offered item {} they already have",
                analysis.prepared.features.customers[customer],
                purchases.items[r.item as usize].code
            );
        }
    }
}

#[test]
fn knn_lists_are_never_padded_with_zero_scores() {
    for lists in analysis().model.recommendations.iter() {
        assert!(lists.knn.iter().all(|r| r.score > 0.0));
    }
}

#[test]
fn agreed_items_are_on_both_lists() {
    let model = &analysis().model;
    let mut customers_with_agreement = 0;
    for lists in model.recommendations.iter() {
        for agreed in &lists.both {
            assert!(lists.knn.iter().any(|r| r.item == agreed.item));
            assert!(lists.kmeans.iter().any(|r| r.item == agreed.item));
        }
        customers_with_agreement += usize::from(!lists.both.is_empty());
    }
    let share = customers_with_agreement as f64 / model.recommendations.len() as f64;
    assert_near(
        model.agreement.customers_with_agreement,
        share,
        1e-12,
        "share of customers with an agreed item",
    );
}

#[test]
fn the_same_seed_gives_the_same_model() {
    let analysis = analysis();
    let again = fit(&analysis.prepared, &analysis.model.params, None, &Quiet)
        .expect("a second fit with the same parameters");

    assert_eq!(
        again.outliers.is_outlier,
        analysis.model.outliers.is_outlier
    );
    assert_eq!(again.k, analysis.model.k);
    assert_eq!(
        again.segmentation.labels,
        analysis.model.segmentation.labels
    );
    assert_eq!(*again.segments, *analysis.model.segments);
    for (a, b) in again
        .recommendations
        .iter()
        .zip(analysis.model.recommendations.iter())
    {
        for method in [Method::Kmeans, Method::Knn, Method::Both] {
            let items = |lists: &aisle::model::recommend::CustomerRecommendations| {
                lists
                    .list(method)
                    .iter()
                    .map(|r| r.item)
                    .collect::<Vec<_>>()
            };
            assert_eq!(items(a), items(b));
        }
    }
}
