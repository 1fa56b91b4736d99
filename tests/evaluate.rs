//! The offline evaluation: ranking metrics on hand-made lists, a time split with no leakage,
//! figures on a small real slice checked by hand, and `aisle evaluate` on the whole log.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;

use aisle::data::clean::CleaningRules;
use aisle::data::load::{load, LoadOptions, Loaded};
use aisle::model::evaluate::{self, cutoffs, Recommender};
use aisle::model::metrics::{score_list, ItemPrecision, MeanScore};
use aisle::model::split::{day_number, default_split, holdout, split_log, trading_days};
use aisle::pipeline::{Params, Quiet};
use aisle::AisleError;

const TOLERANCE: f64 = 1e-9;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
}

/// The first 300 invoices of the bundled log: 2010-12-01 08:26 to 2010-12-02 18:08.
fn slice() -> Loaded {
    load(&sample("online_retail_sample.csv"), &LoadOptions::default()).unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn seconds(day: NaiveDate) -> i64 {
    day_number(day) * 86_400
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < TOLERANCE,
        "expected {expected}, got {actual}"
    );
}

#[test]
fn metrics_of_a_hand_made_list() {
    // Bought 2, 4 and 9; the list names 2 at rank 2 and 4 at rank 4.
    let score = score_list(&[1, 2, 3, 4], &[2, 4, 9], 3, 4);
    assert_eq!(score.hits, 2);
    close(score.precision, 0.5);
    close(score.recall, 2.0 / 3.0);
    close(score.hit, 1.0);
    let gain = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
    let best = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
    close(score.ndcg, gain / best);
    close(score.average_precision, (1.0 / 2.0 + 2.0 / 4.0) / 3.0);
}

#[test]
fn metrics_cut_at_n_and_count_what_no_list_can_name() {
    // Cut at 2 the list misses item 4; a fourth product, new to the shop, is in no list.
    let score = score_list(&[2, 1, 4], &[2, 4, 9], 4, 2);
    assert_eq!(score.hits, 1);
    close(score.precision, 0.5);
    close(score.recall, 0.25);
    close(score.ndcg, 1.0 / (1.0 + 1.0 / 3f64.log2()));
    close(score.average_precision, 1.0 / 2.0);

    // A short list counts its empty places as misses.
    let short = score_list(&[9], &[9], 1, 10);
    close(short.precision, 0.1);
    close(short.recall, 1.0);
    close(short.ndcg, 1.0);
    close(short.average_precision, 1.0);

    let nothing_bought = score_list(&[1, 2], &[], 0, 2);
    assert_eq!(nothing_bought, Default::default());
}

#[test]
fn means_and_item_precision() {
    let mut mean = MeanScore::default();
    mean.add(&score_list(&[1, 2], &[1], 1, 2));
    mean.add(&score_list(&[3, 4], &[1], 1, 2));
    assert_eq!(mean.customers(), 2);
    let m = mean.mean();
    assert_eq!(m.hits, 1);
    close(m.precision, 0.25);
    close(m.hit, 0.5);
    close(m.ndcg, 0.5);

    let mut items = ItemPrecision::default();
    for hit in [true, false, false, true] {
        items.add(hit);
    }
    assert_eq!((items.items, items.hits), (4, 2));
    close(items.precision, 0.5);
}

#[test]
fn cutoffs_always_include_3_10_20_and_the_list_length() {
    assert_eq!(cutoffs(10), vec![3, 10, 20]);
    assert_eq!(cutoffs(5), vec![3, 5, 10, 20]);
}

#[test]
fn default_split_leaves_the_last_quarter_of_trading_days() {
    let days: Vec<i64> = (0..8).map(|d| 14_000 + d * 2).collect();
    // 8 trading days: the last 2 are the test period.
    assert_eq!(
        default_split(&days).unwrap(),
        NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::TimeDelta::days(14_012)
    );
    assert!(default_split(&days[..1]).is_err());
}

#[test]
fn nothing_from_the_test_period_reaches_training() {
    let loaded = slice();
    let rows = loaded.frame.height();
    let split = split_log(loaded.clone(), Some(date("2010-12-02"))).unwrap();
    let cut = seconds(date("2010-12-02"));

    let train = split.train.frame.column("timestamp").unwrap();
    let test = split.test.column("timestamp").unwrap();
    assert!(train.i64().unwrap().iter().flatten().all(|t| t < cut));
    assert!(test.i64().unwrap().iter().flatten().all(|t| t >= cut));
    assert_eq!(split.train.frame.height() + split.test.height(), rows);
    assert_eq!(split.undated_rows, 0);
    assert_eq!((split.train_period.days, split.test_period.days), (1, 1));
    assert_eq!(trading_days(&split.train.frame).unwrap().len(), 1);

    let holdout = holdout(
        loaded,
        &CleaningRules::default(),
        Some(date("2010-12-02")),
        &Quiet,
    )
    .unwrap();
    let prepared = &holdout.prepared;
    let clean = prepared.cleaned.frame.column("timestamp").unwrap();
    assert!(clean.i64().unwrap().iter().flatten().all(|t| t < cut));
    assert!(prepared.features.last_seen.iter().all(|&t| t < cut));
    assert_eq!(prepared.quality.rows, split.train.frame.height());
}

#[test]
fn split_dates_outside_the_log_are_refused() {
    for day in ["2010-12-01", "2010-12-03"] {
        match split_log(slice(), Some(date(day))) {
            Err(AisleError::Parameter(message)) => {
                assert!(message.contains("2010-12-01 to 2010-12-02"), "{message}")
            }
            other => panic!(
                "expected a parameter error, got {:?}",
                other.map(|s| s.date)
            ),
        }
    }
}

/// Split at 2010-12-02, the slice trains on 97 customers; 9 of them come back the next day
/// and 5 buy something new to them (7 products, one of which the first day never sold):
/// 12748 {22187}, 14911 {22113}, 16029 {21928, 21929, 22207 (new)}, 17460 {22865},
/// 17850 {22411}. The first day's best sellers by buyers start 22632, 22866, 22961 (12 buyers
/// each), 22865 (11); 17460's popularity list names 22865 4th, 17850's names 22411 20th, and
/// no other list names a product its customer bought.
#[test]
fn figures_on_a_real_slice_match_a_hand_count() {
    let evaluation = evaluate::evaluate(
        slice(),
        &CleaningRules::default(),
        &Params::default(),
        Some(date("2010-12-02")),
        &Quiet,
    )
    .unwrap();
    assert_eq!(evaluation.split, date("2010-12-02"));
    assert!(!evaluation.split_automatic);
    assert_eq!(evaluation.customers_train, 97);
    assert_eq!(evaluation.customers_active, 9);
    assert_eq!(evaluation.customers_scored, 5);
    assert_eq!(evaluation.purchases_to_predict, 7);
    assert_eq!(evaluation.purchases_of_new_products, 1);

    let at = |n| evaluation.scores(Recommender::Popularity, n).unwrap();
    assert_eq!(at(3).mean.hits, 0);
    // The first three best sellers, with 22865 for the customer who had one of them.
    close(at(3).coverage, 4.0 / evaluation.catalogue as f64);

    let ten = at(10).mean;
    assert_eq!(ten.hits, 1);
    close(ten.precision, 0.1 / 5.0);
    close(ten.recall, 0.2);
    close(ten.hit, 0.2);
    close(ten.ndcg, 1.0 / 5f64.log2() / 5.0);
    close(ten.average_precision, 0.25 / 5.0);

    let twenty = at(20).mean;
    assert_eq!(twenty.hits, 2);
    close(twenty.precision, (1.0 / 20.0 + 1.0 / 20.0) / 5.0);
    close(twenty.recall, 0.4);
    close(twenty.hit, 0.4);
    close(twenty.ndcg, (1.0 / 5f64.log2() + 1.0 / 21f64.log2()) / 5.0);
    close(twenty.average_precision, (0.25 + 1.0 / 20.0) / 5.0);
    assert_eq!(at(20).customers, 5);

    for check in &evaluation.agreement {
        let knn = evaluation.scores(Recommender::Knn, check.n).unwrap();
        assert_eq!(check.both.hits + check.knn_only.hits, knn.mean.hits);
    }
}

#[test]
fn evaluate_command_on_the_whole_log() {
    let output = Command::new(env!("CARGO_BIN_EXE_aisle"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["evaluate", "sample_data/online_retail.csv.gz", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(json["split"], "2011-09-13");
    assert_eq!(json["customers_scored"], 1863);
    let methods = json["methods"].as_object().unwrap();
    for name in ["popularity", "kmeans", "knn", "both", "hybrid"] {
        for metric in ["precision", "recall", "hit_rate", "ndcg", "map", "coverage"] {
            for n in [3, 10, 20] {
                let value = methods[name][format!("{metric}@{n}")].as_f64().unwrap();
                assert!(
                    (0.0..=1.0).contains(&value),
                    "{name} {metric}@{n} = {value}"
                );
            }
        }
        assert!(methods[name]["customers@10"].as_u64().unwrap() <= 1863);
    }
    close(
        methods["popularity"]["hit_rate@10"].as_f64().unwrap(),
        591.0 / 1863.0,
    );
    let baseline = methods["popularity"]["hit_rate@10"].as_f64().unwrap();
    let best = methods["hybrid"]["hit_rate@10"].as_f64().unwrap();
    assert!(
        best >= 1.3 * baseline,
        "hybrid {best} against popularity {baseline}"
    );
}
