//! When a file or a setting is wrong, aisle says so in one sentence that names the file, the
//! column or the value at fault, exits with a failure code, and never panics. Each case is
//! checked in the library's error and in what the `aisle` binary prints.

mod common;

use std::path::{Path, PathBuf};

use aisle::data::clean::CleaningRules;
use aisle::data::load::{load, LoadOptions};
use aisle::export::write_rows;
use aisle::pipeline::{Analysis, Params, Quiet};
use aisle::AisleError;
use common::{aisle, aisle_command, full_log, sample_log, stderr, Records};
use tempfile::TempDir;

/// Runs the binary, expects it to fail cleanly, and returns its one-line message.
fn fails_with(args: &[&str]) -> String {
    let output = aisle(args);
    let message = stderr(&output);
    assert!(!output.status.success(), "aisle {args:?} should fail");
    assert_eq!(output.status.code(), Some(1), "aisle {args:?}: {message}");
    assert!(
        !message.contains("panicked"),
        "aisle {args:?} panicked: {message}"
    );
    assert!(message.starts_with("error: "), "{message}");
    assert_eq!(
        message.trim_end().lines().count(),
        1,
        "not one line: {message}"
    );
    message
}

fn report_fails_with(path: &Path) -> String {
    fails_with(&["report", path.to_str().unwrap()])
}

fn load_error(path: &Path) -> String {
    match load(path, &LoadOptions::default()) {
        Ok(_) => panic!("{} should not load", path.display()),
        Err(e) => e.to_string(),
    }
}

fn run_error(path: &Path, params: &Params) -> AisleError {
    match Analysis::run(
        path,
        &LoadOptions::default(),
        &CleaningRules::default(),
        params,
        &Quiet,
    ) {
        Ok(_) => panic!("{} should not run through", path.display()),
        Err(e) => e,
    }
}

/// The first real rows with one cell replaced.
fn sample_with(column: &str, data_row: usize, value: &str, folder: &TempDir) -> PathBuf {
    let mut records = Records::sample(50);
    let column = records.column(column);
    records.rows[data_row - 1][column] = value.to_string();
    records.write(&folder.path().join("sales.csv"), ',')
}

#[test]
fn missing_customer_column() {
    let folder = TempDir::new().unwrap();
    let mut records = Records::sample(50);
    records.remove_column("CustomerID");
    let path = records.write(&folder.path().join("no_customers.csv"), ',');

    for message in [load_error(&path), report_fails_with(&path)] {
        assert!(message.contains("no_customers.csv"), "{message}");
        assert!(
            message.contains("no column for the customer id"),
            "{message}"
        );
        assert!(message.contains("`InvoiceNo`, `StockCode`"), "{message}");
        assert!(message.contains("`Country`"), "{message}");
        assert!(message.contains("--col customer=NAME"), "{message}");
    }
}

#[test]
fn unreadable_date_names_the_row_and_the_value() {
    let folder = TempDir::new().unwrap();
    let path = sample_with("InvoiceDate", 7, "yesterday", &folder);

    for message in [load_error(&path), report_fails_with(&path)] {
        assert!(message.contains("row 7"), "{message}");
        assert!(message.contains("`InvoiceDate`"), "{message}");
        assert!(
            message.contains("cannot read a date from `yesterday`"),
            "{message}"
        );
    }
}

#[test]
fn impossible_date_names_the_row_and_the_value() {
    let folder = TempDir::new().unwrap();
    let path = sample_with("InvoiceDate", 3, "2010-02-30 08:26:00", &folder);

    let message = report_fails_with(&path);
    assert!(message.contains("row 3"), "{message}");
    assert!(message.contains("`2010-02-30 08:26:00`"), "{message}");
    assert!(message.contains("no such day"), "{message}");
}

#[test]
fn a_stray_date_style_is_reported_at_its_own_row() {
    let folder = TempDir::new().unwrap();
    let path = sample_with("InvoiceDate", 10, "31/31/2010 08:26", &folder);

    for message in [load_error(&path), report_fails_with(&path)] {
        assert!(
            message.contains("data row 10 (line 11 of the file)"),
            "{message}"
        );
        assert!(message.contains("`31/31/2010 08:26`"), "{message}");
        assert!(
            message.contains("a year-last date in a column of year-first dates such as `2010-"),
            "{message}"
        );
    }
}

#[test]
fn a_date_with_no_possible_month_is_reported_at_its_own_row() {
    let folder = TempDir::new().unwrap();
    let mut records = Records::sample(50);
    records.map_column("InvoiceDate", |iso| {
        let (year, month, day, hour, minute) = common::iso_parts(iso);
        format!("{month}/{day}/{year} {hour}:{minute:02}")
    });
    let column = records.column("InvoiceDate");
    records.rows[9][column] = "31/31/2010 8:26".into();
    let path = records.write(&folder.path().join("us.csv"), ',');

    for message in [load_error(&path), report_fails_with(&path)] {
        assert!(message.contains("data row 10 "), "{message}");
        assert!(message.contains("`31/31/2010 8:26`"), "{message}");
        assert!(message.contains("no such day or month"), "{message}");
        assert!(!message.contains("mixes"), "{message}");
    }
}

#[test]
fn unreadable_number_names_the_row_and_the_value() {
    let folder = TempDir::new().unwrap();
    let path = sample_with("Quantity", 12, "six", &folder);

    for message in [load_error(&path), report_fails_with(&path)] {
        assert!(message.contains("row 12"), "{message}");
        assert!(message.contains("`Quantity`"), "{message}");
        assert!(
            message.contains("cannot read a number from `six`"),
            "{message}"
        );
    }
}

#[test]
fn empty_file() {
    let folder = TempDir::new().unwrap();
    let path = folder.path().join("empty.csv");
    std::fs::write(&path, "").unwrap();

    for message in [load_error(&path), report_fails_with(&path)] {
        assert!(message.contains("empty.csv` is empty"), "{message}");
    }
}

#[test]
fn header_without_rows() {
    let folder = TempDir::new().unwrap();
    let records = Records::sample(0);
    assert!(records.rows.is_empty());
    let path = records.write(&folder.path().join("header.csv"), ',');

    for message in [load_error(&path), report_fails_with(&path)] {
        assert!(
            message.contains("has a header but no data rows"),
            "{message}"
        );
    }
}

#[test]
fn ragged_row_is_one_sentence() {
    let folder = TempDir::new().unwrap();
    let mut text = Records::sample(20).to_text(',');
    text.push_str("536999,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom,extra\n");
    let path = folder.path().join("ragged.csv");
    std::fs::write(&path, text).unwrap();

    let message = report_fails_with(&path);
    assert!(message.contains("ragged.csv"), "{message}");
    assert!(
        message.contains(
            "not a readable CSV file: rows have different numbers of fields or quotes are \
             unbalanced; aisle sniffs `,` `;` tab and `|` as delimiters"
        ),
        "{message}"
    );
    assert!(
        message.contains("check the delimiter and quoting"),
        "{message}"
    );
    assert!(
        message.contains("line 22 has 9 fields where the header has 8"),
        "{message}"
    );
}

#[test]
fn an_unclosed_quote_names_its_line() {
    let folder = TempDir::new().unwrap();
    let mut text = Records::sample(20).to_text(',');
    text.push_str(
        "536999,85123A,\"WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n",
    );
    text.push_str(
        &Records::sample(40)
            .to_text(',')
            .lines()
            .skip(21)
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let path = folder.path().join("quote.csv");
    std::fs::write(&path, text).unwrap();

    let message = report_fails_with(&path);
    assert!(message.contains("not a readable CSV file"), "{message}");
    assert!(
        message.contains("the quote opened on line 22 is never closed"),
        "{message}"
    );
}

#[test]
fn no_customer_left_after_cleaning() {
    let folder = TempDir::new().unwrap();
    let mut records = Records::sample(100);
    records.map_column("CustomerID", |_| String::new());
    let path = records.write(&folder.path().join("anonymous.csv"), ',');

    let error = run_error(&path, &Params::default());
    assert!(matches!(error, AisleError::NoCustomers), "{error}");
    let message = report_fails_with(&path);
    assert!(
        message.contains("no customers are left after cleaning"),
        "{message}"
    );
}

#[test]
fn too_few_customers_to_segment() {
    // Invoice 536365 is one customer's: 17850.
    let folder = TempDir::new().unwrap();
    let path = Records::sample(7).write(&folder.path().join("one.csv"), ',');

    let message = run_error(&path, &Params::default()).to_string();
    assert!(message.contains("at least 3 customers"), "{message}");
    assert!(message.contains("has 1"), "{message}");
    assert!(!message.contains("invalid setting"), "{message}");
    report_fails_with(&path);
}

#[test]
fn more_segments_than_customers() {
    let folder = TempDir::new().unwrap();
    let path = Records::sample(300).write(&folder.path().join("few.csv"), ',');
    let params = Params {
        k: Some(40),
        ..Params::default()
    };
    let error = run_error(&path, &params);
    let AisleError::KTooLarge { k, customers, max } = error else {
        panic!("{error}");
    };
    assert_eq!((k, max), (40, customers));
    assert!(customers < 40);

    let message = fails_with(&["report", path.to_str().unwrap(), "--k", "40"]);
    assert!(
        message.contains(&format!(
            "K = 40 is larger than the {customers} customers available for segmentation; \
             pick a K from 2 to {customers}"
        )),
        "{message}"
    );
}

#[test]
fn a_forced_k_is_capped_before_the_log_is_read() {
    let sample = sample_log();
    let sample = sample.to_str().unwrap();
    for k in ["4000", "51"] {
        let message = fails_with(&["report", sample, "--k", k]);
        assert!(
            message.contains(&format!(
                "K = {k}: aisle fits from 2 to 50 segments, and at most one per customer"
            )),
            "{message}"
        );
    }
    let message = fails_with(&["report", sample, "--k", "0"]);
    assert!(
        message.contains("K must be at least 2; leave --k out to choose K by silhouette"),
        "{message}"
    );
}

#[test]
fn settings_out_of_range() {
    let sample = sample_log();
    let sample = sample.to_str().unwrap();
    let message = fails_with(&["report", sample, "--k", "1"]);
    assert!(message.contains("K must be at least 2"), "{message}");
    let message = fails_with(&["report", sample, "--top", "0"]);
    assert!(message.contains("--top"), "{message}");
    let message = fails_with(&["report", sample, "--outlier-share", "0.7"]);
    assert!(message.contains("outlier share 0.7"), "{message}");
}

#[test]
fn negative_numbers_are_refused_as_values() {
    let sample = sample_log();
    let sample = sample.to_str().unwrap();
    for (flag, value) in [("--k", "-3"), ("--top", "-1"), ("--seed", "-1")] {
        let output = aisle(&["report", sample, flag, value]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        assert!(
            message.starts_with(&format!("error: invalid value '{value}' for '{flag} ")),
            "{message}"
        );
        assert!(message.contains("expected a whole number"), "{message}");
        assert!(!message.contains("-- "), "{message}");
    }
    let message = fails_with(&["report", sample, "--outlier-share", "-0.1"]);
    assert!(
        message.contains("outlier share -0.1 must be at least 0 and below 0.5"),
        "{message}"
    );
}

#[test]
fn the_outlier_share_help_and_check_agree() {
    let help = common::stdout(&aisle(&["report", "--help"]));
    assert!(help.contains("at least 0, below 0.5"), "{help}");
    let sample = sample_log();
    let message = fails_with(&["report", sample.to_str().unwrap(), "--outlier-share", "0.5"]);
    assert!(message.contains("below 0.5"), "{message}");
}

#[test]
fn col_flags_that_name_nothing() {
    let sample = sample_log();
    let sample = sample.to_str().unwrap();
    let message = fails_with(&["report", sample, "--col", "customer=client_no"]);
    assert!(
        message.contains("`--col customer=client_no` names no column"),
        "{message}"
    );
    assert!(message.contains("`CustomerID`"), "{message}");

    let message = fails_with(&["report", sample, "--col", "buyer=CustomerID"]);
    assert!(
        message.contains("`buyer` is not a column role"),
        "{message}"
    );
}

#[test]
fn col_flags_that_conflict() {
    let sample = sample_log();
    let sample = sample.to_str().unwrap();
    let message = fails_with(&["report", sample, "--col", "invoice=StockCode"]);
    assert!(
        message.contains(
            "`StockCode` is already used for invoice; name another column for stock_code with \
             --col"
        ),
        "{message}"
    );

    let message = fails_with(&[
        "report",
        sample,
        "--col",
        "customer=CustomerID",
        "--col",
        "customer=Country",
    ]);
    assert!(
        message.contains(
            "`--col customer=CustomerID` and `--col customer=Country` both name the customer \
             column; give each role once"
        ),
        "{message}"
    );
}

#[test]
fn a_column_given_to_one_role_is_not_given_to_another() {
    let sample = sample_log();
    let output = aisle(&[
        "report",
        sample.to_str().unwrap(),
        "--json",
        "--col",
        "customer=Country",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["columns"]["customer"], "Country");
    assert!(report["columns"].get("country").is_none(), "{report}");
}

/// A config file in a fresh folder.
fn config_file(text: &str, folder: &TempDir) -> String {
    let path = folder.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn unknown_config_keys_are_named_with_the_valid_ones() {
    let folder = TempDir::new().unwrap();
    let sample = sample_log();
    let sample = sample.to_str().unwrap();

    let config = config_file("[params]\nk = 3\nneighbors = 20\n", &folder);
    let message = fails_with(&["report", sample, "--config", &config]);
    assert!(
        message.contains("config.toml`: line 3 in [params]"),
        "{message}"
    );
    assert!(
        message.contains("unknown key `neighbors`, expected one of `k`, `neighbours`"),
        "{message}"
    );

    let config = config_file("[cleaning]\ntop = 5\n", &folder);
    let message = fails_with(&["report", sample, "--config", &config]);
    assert!(message.contains("unknown key `top`"), "{message}");
    assert!(message.contains("`drop_duplicates`"), "{message}");
}

#[test]
fn a_config_column_that_names_nothing_says_it_came_from_the_config() {
    let folder = TempDir::new().unwrap();
    let config = config_file("[columns]\ncustomer = \"client_id\"\n", &folder);
    let sample = sample_log();
    let message = fails_with(&["report", sample.to_str().unwrap(), "--config", &config]);
    assert!(
        message.contains("column `client_id` (for customer, from the config file) not found"),
        "{message}"
    );
    assert!(message.contains("columns are `InvoiceNo`"), "{message}");
    assert!(!message.contains("--col"), "{message}");
}

#[test]
fn nonexistent_file() {
    let folder = TempDir::new().unwrap();
    let path = folder.path().join("no_such_log.csv");

    let message = load_error(&path);
    assert!(message.contains("cannot read"), "{message}");
    assert!(message.contains("no_such_log.csv"), "{message}");
    let message = report_fails_with(&path);
    assert!(message.contains("no_such_log.csv"), "{message}");
}

#[test]
fn recommend_never_overwrites_its_input() {
    let folder = TempDir::new().unwrap();
    let input = Records::sample(300).write(&folder.path().join("sales.csv"), ',');
    let before = std::fs::read(&input).unwrap();

    let error = write_rows(std::iter::empty(), &input, Some(&input), true).unwrap_err();
    assert!(
        error.to_string().contains("that is the input file"),
        "{error}"
    );

    let input_arg = input.to_str().unwrap();
    for force in [false, true] {
        let mut args = vec!["recommend", input_arg, "-o", input_arg];
        if force {
            args.push("--force");
        }
        let message = fails_with(&args);
        assert!(message.contains("that is the input file"), "{message}");
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn recommend_keeps_an_existing_output_without_force() {
    let folder = TempDir::new().unwrap();
    let output = folder.path().join("recs.csv");
    std::fs::write(&output, "last week's lists\n").unwrap();

    let error = write_rows(std::iter::empty(), &output, None, false).unwrap_err();
    assert!(error.to_string().contains("pass --force"), "{error}");

    let sample = sample_log();
    let message = fails_with(&[
        "recommend",
        sample.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(message.contains("recs.csv"), "{message}");
    assert!(
        message.contains("the file exists; pass --force"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "last week's lists\n"
    );
}

#[test]
fn recommend_refuses_an_unknown_extension_before_reading_the_log() {
    let folder = TempDir::new().unwrap();
    let output = folder.path().join("recs.txt");

    let error = write_rows(std::iter::empty(), &output, None, false).unwrap_err();
    assert!(
        error.to_string().contains(".csv, .json or .parquet"),
        "{error}"
    );

    // With progress on, a refusal after the analysis would show its stages first.
    let full_log = full_log();
    let result = aisle_command()
        .args(["recommend", full_log.to_str().unwrap(), "-o"])
        .arg(&output)
        .env_remove("AISLE_QUIET")
        .output()
        .unwrap();
    let message = stderr(&result);
    assert!(!result.status.success());
    assert_eq!(
        message.trim_end(),
        format!(
            "error: cannot write `{}`: unknown extension; end the name in .csv, .json or .parquet",
            output.display()
        )
    );
    assert!(!output.exists());
}

#[test]
fn the_workbench_needs_a_terminal() {
    // The test runs the binary with stdin and stdout that are not terminals.
    let sample = sample_log();
    for args in [vec![sample.to_str().unwrap()], vec![]] {
        let message = fails_with(&args);
        assert_eq!(
            message.trim_end(),
            "error: the workbench needs a terminal; use `aisle report` or `aisle recommend` \
             for scripts"
        );
    }
}

#[test]
fn the_workbench_refuses_a_missing_file_or_a_folder_as_report_does() {
    let folder = TempDir::new().unwrap();
    let missing = folder.path().join("no_such_log.csv");
    for path in [missing.as_path(), folder.path()] {
        let path = path.to_str().unwrap();
        let message = fails_with(&[path]);
        assert!(
            message.contains(&format!("cannot read `{path}`")),
            "{message}"
        );
        assert_eq!(message, fails_with(&["report", path]));
    }
}

#[test]
fn a_full_disk_on_stdout_is_one_line() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let sample = sample_log();
    for json in [false, true] {
        let mut command = aisle_command();
        command.args(["report", sample.to_str().unwrap()]);
        if json {
            command.arg("--json");
        }
        let output = command.stdout(full.try_clone().unwrap()).output().unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{message}");
        assert!(!message.contains("panicked"), "{message}");
        assert_eq!(
            message.trim_end(),
            "error: cannot write the report to standard output: No space left on device \
             (os error 28)"
        );
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_report_quietly() {
    let sample = sample_log();
    let mut child = aisle_command()
        .args(["report", sample.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the analysis ends, as `head` closes it after its lines.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}
