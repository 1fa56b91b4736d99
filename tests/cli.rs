//! The `aisle` binary as scripts use it, on the 5,017-row real sample: `report --json` for
//! machines, `report` for people, and `recommend` writing CSV, JSON or Parquet.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use aisle::data::clean::CleaningRules;
use aisle::data::load::LoadOptions;
use aisle::pipeline::{prepare, Quiet, Stage};
use aisle::report::thousands;
use common::{aisle, assert_success, parse_csv, sample_log, stdout};
use polars::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const HEADER: [&str; 7] = [
    "customer_id",
    "method",
    "rank",
    "stock_code",
    "description",
    "score",
    "reason",
];

fn sample() -> String {
    sample_log().to_str().unwrap().to_string()
}

fn report_json() -> Value {
    let output = aisle(&["report", &sample(), "--json"]);
    assert_success(&output);
    serde_json::from_str(&stdout(&output)).expect("report --json prints one JSON object")
}

/// The value at a dotted path such as `rows.raw`.
fn at<'a>(report: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(report, |value, key| {
        value
            .get(key)
            .unwrap_or_else(|| panic!("the report has no `{path}`"))
    })
}

/// The customers who have features in the sample, straight from the library.
fn customers_with_features() -> BTreeSet<String> {
    let prepared = prepare(
        &sample_log(),
        &LoadOptions::default(),
        &CleaningRules::default(),
        &Quiet,
    )
    .unwrap();
    prepared.features.customers.into_iter().collect()
}

/// One line of a recommendations file.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    customer_id: String,
    method: String,
    rank: u32,
    stock_code: String,
    description: String,
    score: f64,
    reason: String,
}

fn recommend(input: &str, output: &Path, extra: &[&str]) {
    let mut args = vec!["recommend", input, "-o", output.to_str().unwrap()];
    args.extend_from_slice(extra);
    assert_success(&aisle(&args));
}

fn read_csv(path: &Path) -> Vec<Line> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = parse_csv(&text, ',').into_iter();
    assert_eq!(rows.next().unwrap(), HEADER);
    rows.map(|cells| Line {
        customer_id: cells[0].clone(),
        method: cells[1].clone(),
        rank: cells[2].parse().unwrap(),
        stock_code: cells[3].clone(),
        description: cells[4].clone(),
        score: cells[5].parse().unwrap(),
        reason: cells[6].clone(),
    })
    .collect()
}

fn read_json(path: &Path) -> Vec<Line> {
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    rows.iter()
        .map(|row| {
            let keys: Vec<&str> = row
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys.len(), HEADER.len(), "{row}");
            let text = |key: &str| row[key].as_str().unwrap().to_string();
            Line {
                customer_id: text("customer_id"),
                method: text("method"),
                rank: row["rank"].as_u64().unwrap() as u32,
                stock_code: text("stock_code"),
                description: text("description"),
                score: row["score"].as_f64().unwrap(),
                reason: text("reason"),
            }
        })
        .collect()
}

fn read_parquet(path: &Path) -> Vec<Line> {
    let frame = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|n| n.as_str())
        .collect();
    assert_eq!(names, HEADER);
    let text = |name: &str| -> Vec<String> {
        let column = frame.column(name).unwrap();
        column
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect()
    };
    let (customers, methods, codes) = (text("customer_id"), text("method"), text("stock_code"));
    let (descriptions, reasons) = (text("description"), text("reason"));
    let ranks = frame.column("rank").unwrap().u32().unwrap().clone();
    let scores = frame.column("score").unwrap().f64().unwrap().clone();
    (0..frame.height())
        .map(|i| Line {
            customer_id: customers[i].clone(),
            method: methods[i].clone(),
            rank: ranks.get(i).unwrap(),
            stock_code: codes[i].clone(),
            description: descriptions[i].clone(),
            score: scores.get(i).unwrap(),
            reason: reasons[i].clone(),
        })
        .collect()
}

/// Lists are ranked 1, 2, 3 … per customer and method, no longer than `top`, and every
/// customer with features has at least one line.
fn assert_well_formed(lines: &[Line], top: u32) {
    assert!(!lines.is_empty());
    let mut ranks: BTreeMap<(&str, &str), Vec<u32>> = BTreeMap::new();
    for line in lines {
        assert!(
            ["kmeans", "knn", "both"].contains(&line.method.as_str()),
            "{line:?}"
        );
        assert!(
            !line.stock_code.is_empty() && !line.reason.is_empty(),
            "{line:?}"
        );
        assert!(line.score > 0.0, "{line:?}");
        ranks
            .entry((&line.customer_id, &line.method))
            .or_default()
            .push(line.rank);
    }
    for ((customer, method), ranks) in &ranks {
        assert_eq!(*ranks, (1..=ranks.len() as u32).collect::<Vec<_>>());
        assert!(
            ranks.len() <= top as usize,
            "{customer} {method}: {ranks:?}"
        );
    }

    let listed: BTreeSet<String> = lines.iter().map(|l| l.customer_id.clone()).collect();
    assert_eq!(listed, customers_with_features());
}

/// The folder holds exactly these names: nothing half-written is left behind.
fn assert_folder_holds(folder: &TempDir, names: &[&str]) {
    let mut found: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn report_json_has_the_documented_keys() {
    let report = report_json();

    assert_eq!(at(&report, "rows.raw"), 5_017);
    let clean = at(&report, "rows.clean").as_u64().unwrap();
    assert!(clean > 0 && clean < 5_017);
    let removed: u64 = at(&report, "cleaning")
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| {
            assert!(rule["rule"].is_string(), "{rule}");
            rule["removed"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(removed + clean, 5_017);

    let missing = at(&report, "missing").as_object().unwrap();
    assert!(missing["customer"].as_f64().unwrap() > 0.0);
    assert_eq!(missing["invoice"].as_f64(), Some(0.0));

    let total = at(&report, "customers.total").as_u64().unwrap();
    let outliers = at(&report, "customers.outliers").as_u64().unwrap();
    assert_eq!(total, customers_with_features().len() as u64);
    assert_eq!(outliers, (total as f64 * 0.05).round() as u64);

    let ratios = at(&report, "pca.explained_variance_ratio")
        .as_array()
        .unwrap();
    let components = at(&report, "pca.components").as_u64().unwrap() as usize;
    assert!(components >= 1 && components <= ratios.len());
    let kept: f64 = ratios[..components]
        .iter()
        .map(|r| r.as_f64().unwrap())
        .sum();
    assert!(kept >= 0.80, "kept variance {kept}");

    let k = at(&report, "k").as_u64().unwrap();
    let silhouette = at(&report, "silhouette").as_array().unwrap();
    assert!(silhouette.iter().all(|s| s["score"].is_f64()));
    assert!(silhouette.iter().any(|s| s["k"] == k));
    let clusters = at(&report, "clusters").as_array().unwrap();
    assert_eq!(clusters.len() as u64, k);
    let ids: Vec<u64> = clusters.iter().map(|c| c["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (0..k).collect::<Vec<_>>());
    let sizes: u64 = clusters.iter().map(|c| c["size"].as_u64().unwrap()).sum();
    assert_eq!(sizes, total - outliers);

    let share = at(&report, "agreement.customers_with_agreement")
        .as_f64()
        .unwrap();
    let jaccard = at(&report, "agreement.mean_jaccard").as_f64().unwrap();
    assert!((0.0..=1.0).contains(&share) && (0.0..=1.0).contains(&jaccard));
    assert_eq!(at(&report, "seed"), 0);
    let timings = at(&report, "timings_ms").as_object().unwrap();
    for stage in Stage::ALL {
        assert!(
            timings[stage.key()].is_number(),
            "no timing for {}",
            stage.key()
        );
    }
}

#[test]
fn report_text_shows_the_cleaning_table() {
    let output = aisle(&["report", &sample()]);
    assert_success(&output);
    let text = stdout(&output);

    assert!(text.starts_with("aisle report: "), "{text}");
    assert!(text.contains("Cleaning                                  rows removed"));
    let report = report_json();
    let kept = at(&report, "cancellations_kept").as_u64().unwrap() as usize;
    assert!(kept > 0);
    for rule in at(&report, "cleaning").as_array().unwrap() {
        let name = rule["rule"].as_str().unwrap();
        let removed = rule["removed"].as_u64().unwrap() as usize;
        let row = text
            .lines()
            .find(|line| line.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no row for `{name}` in\n{text}"));
        // Cancellations are kept, so their row counts what was kept.
        let count = if name == "cancellations (kept)" {
            format!(" {kept} kept")
        } else {
            format!(" {}", thousands(removed))
        };
        assert!(row.trim_end().ends_with(&count), "{row}");
    }
    let clean = at(&report, "rows.clean").as_u64().unwrap() as usize;
    assert!(text.contains(&format!("{} rows left", thousands(clean))));
    assert!(text.contains("Mean silhouette by K"));
}

#[test]
fn recommend_writes_the_same_lists_as_csv_json_and_parquet() {
    let folder = TempDir::new().unwrap();
    let csv = folder.path().join("recs.csv");
    let json = folder.path().join("recs.json");
    let parquet = folder.path().join("recs.parquet");
    for output in [&csv, &json, &parquet] {
        recommend(&sample(), output, &[]);
    }

    let lines = read_csv(&csv);
    assert_well_formed(&lines, 10);
    let same = |other: Vec<Line>| {
        assert_eq!(other.len(), lines.len());
        for (a, b) in other.iter().zip(&lines) {
            assert!((a.score - b.score).abs() < 1e-9, "{a:?} / {b:?}");
            assert_eq!(
                Line {
                    score: b.score,
                    ..a.clone()
                },
                *b
            );
        }
    };
    same(read_json(&json));
    same(read_parquet(&parquet));
    assert_folder_holds(&folder, &["recs.csv", "recs.json", "recs.parquet"]);
}

#[test]
fn recommend_top_three() {
    let folder = TempDir::new().unwrap();
    let output = folder.path().join("top3.csv");
    recommend(&sample(), &output, &["--top", "3"]);

    let lines = read_csv(&output);
    assert_well_formed(&lines, 3);
    assert!(lines.iter().all(|l| l.rank <= 3));
    assert!(lines.iter().any(|l| l.method == "knn" && l.rank == 3));
    assert_folder_holds(&folder, &["top3.csv"]);
}

#[test]
fn recommend_replaces_an_output_with_force() {
    let folder = TempDir::new().unwrap();
    let output = folder.path().join("recs.json");
    std::fs::write(&output, "[]\n").unwrap();
    recommend(&sample(), &output, &["--force", "--top", "2"]);

    let lines = read_json(&output);
    assert_well_formed(&lines, 2);
    assert_folder_holds(&folder, &["recs.json"]);
}

#[test]
fn help_shows_examples() {
    let output = aisle(&["--help"]);
    assert_success(&output);
    let help = stdout(&output);
    assert!(
        help.contains("aisle recommend sales.csv -o recs.csv"),
        "{help}"
    );
    assert!(help.contains("--col"), "{help}");
    // The folders are printed as they are on this system, under the test's config home.
    let config_home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-config");
    let config = config_home.join("aisle").join("config.toml");
    assert!(
        help.contains(&format!("Config file [default: {}]", config.display())),
        "{help}"
    );
    assert!(help.contains("Files:"), "{help}");
    assert!(help.contains("aisle.log (with --log)"), "{help}");
}

#[test]
fn a_file_before_a_subcommand_is_refused() {
    let sample = sample();
    for command in [&["report"][..], &["recommend", "-o", "recs.csv"]] {
        let mut args = vec![sample.as_str()];
        args.extend_from_slice(command);
        let output = aisle(&args);
        let command = command[0];
        let message = common::stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        assert!(
            message.contains(&format!("put the file after it: aisle {command} {sample}")),
            "{message}"
        );
    }

    let help = stdout(&aisle(&["--help"]));
    assert!(help.contains("aisle <COMMAND> [FILE]"), "{help}");
}

#[test]
fn shared_options_go_before_or_after_the_subcommand() {
    let before = aisle(&[
        "--col",
        "customer=CustomerID",
        "report",
        &sample(),
        "--json",
    ]);
    assert_success(&before);
    let after = aisle(&[
        "report",
        &sample(),
        "--json",
        "--col",
        "customer=CustomerID",
    ]);
    assert_success(&after);
}

#[test]
fn the_report_says_how_k_was_chosen() {
    let output = aisle(&["report", &sample()]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.contains("(best silhouette)"), "{text}");

    // 13 lies outside the silhouette sweep, which ends at 12.
    let output = aisle(&["report", &sample(), "--k", "13"]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.contains("; K = 13 (forced)"), "{text}");
    assert!(text.contains("Segments (K = 13)"), "{text}");
}

#[test]
fn log_records_the_stages_the_file_and_k() {
    let cache = TempDir::new().unwrap();
    let output = common::aisle_command()
        .args(["report", &sample(), "--log", "--k", "3"])
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .unwrap();
    assert_success(&output);
    let log_path = cache.path().join("aisle").join("aisle.log");
    assert!(
        common::stderr(&output).contains(&format!("writing a debug log to {}", log_path.display())),
        "{}",
        common::stderr(&output)
    );

    let log = std::fs::read_to_string(&log_path).unwrap();
    for stage in Stage::ALL {
        assert!(
            log.contains(&format!("{} took ", stage.key())),
            "no time for {} in\n{log}",
            stage.key()
        );
    }
    assert!(
        log.contains("online_retail_sample.csv: CSV, UTF-8, delimiter ','"),
        "{log}"
    );
    assert!(
        log.contains("5,017 rows; columns invoice=InvoiceNo"),
        "{log}"
    );
    assert!(log.contains("K = 3 (forced);"), "{log}");

    let failed = common::aisle_command()
        .args(["report", &sample(), "--log", "--k", "500"])
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("ERROR aisle: invalid setting: K = 500"),
        "{log}"
    );
}

#[test]
fn segments_have_labels_in_the_text_and_the_json() {
    let report = report_json();
    let labels: Vec<&str> = at(&report, "clusters")
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert!(labels.iter().all(|l| !l.is_empty()), "{labels:?}");
    let distinct: BTreeSet<&&str> = labels.iter().collect();
    assert_eq!(distinct.len(), labels.len(), "{labels:?}");

    let text = stdout(&aisle(&["report", &sample()]));
    let segments = text
        .split("\nSegments (K = ")
        .nth(1)
        .unwrap_or_else(|| panic!("no segments in\n{text}"));
    for (id, label) in labels.iter().enumerate() {
        let line = segments
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no segment {id} in\n{segments}"));
        assert!(line.trim_end().ends_with(label), "{line}");
    }
}

#[test]
fn the_outlier_share_shown_is_the_share_flagged() {
    // Invoices of three customers: 5 % of 3 rounds to no outlier at all.
    let folder = TempDir::new().unwrap();
    let path = common::Records::sample(40).write(&folder.path().join("three.csv"), ',');
    let output = aisle(&["report", path.to_str().unwrap()]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.contains(" 0 outliers (0 %, "), "{text}");
}

#[test]
fn descriptions_carry_no_padding_and_counts_have_separators() {
    let folder = TempDir::new().unwrap();
    let output = folder.path().join("recs.csv");
    let result = aisle(&["recommend", &sample(), "-o", output.to_str().unwrap()]);
    assert_success(&result);
    let lines = read_csv(&output);
    assert!(lines.iter().all(|l| l.description == l.description.trim()));
    assert!(lines
        .iter()
        .any(|l| l.description == "PAPER CHAIN KIT 50'S CHRISTMAS"));

    let customers = customers_with_features().len();
    assert!(
        common::stderr(&result).starts_with(&format!(
            "wrote {} rows for {} customers",
            thousands(lines.len()),
            thousands(customers)
        )),
        "{}",
        common::stderr(&result)
    );
    assert!(lines.len() > 999);
}
