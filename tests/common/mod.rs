//! What the integration tests share: where the bundled logs are, the real sample rows as
//! text to rewrite in other shapes, and the `aisle` binary run the way a user runs it.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A file inside the repository.
pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The full real log: 541,909 rows.
pub fn full_log() -> PathBuf {
    repo_file("sample_data/online_retail.csv.gz")
}

/// The first 5,017 rows of the real log, cut at an invoice boundary.
pub fn sample_log() -> PathBuf {
    repo_file("sample_data/online_retail_sample.csv")
}

/// A sales log as text cells: its header and its data rows.
#[derive(Debug, Clone)]
pub struct Records {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Records {
    /// The first `n` data rows of the bundled sample log, as the file has them.
    pub fn sample(n: usize) -> Records {
        let text = std::fs::read_to_string(sample_log()).expect("the sample log is readable");
        let mut lines = parse_csv(&text, ',').into_iter();
        let header = lines.next().expect("the sample log has a header");
        Records {
            header,
            rows: lines.take(n).collect(),
        }
    }

    /// Position of a header name.
    pub fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column `{name}` in {:?}", self.header))
    }

    /// Rewrites every cell of one column.
    pub fn map_column(&mut self, name: &str, rewrite: impl Fn(&str) -> String) {
        let column = self.column(name);
        for row in &mut self.rows {
            row[column] = rewrite(&row[column]);
        }
    }

    /// Drops a column, as an export without it would look.
    pub fn remove_column(&mut self, name: &str) {
        let column = self.column(name);
        self.header.remove(column);
        for row in &mut self.rows {
            row.remove(column);
        }
    }

    /// The cells of one column.
    pub fn values(&self, name: &str) -> Vec<&str> {
        let column = self.column(name);
        self.rows.iter().map(|r| r[column].as_str()).collect()
    }

    /// The records as delimited text with `\n` line ends, quoting cells that need it.
    pub fn to_text(&self, separator: char) -> String {
        let mut text = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let cells: Vec<String> = row.iter().map(|c| quote(c, separator)).collect();
            text.push_str(&cells.join(&separator.to_string()));
            text.push('\n');
        }
        text
    }

    /// Writes the records as UTF-8 delimited text.
    pub fn write(&self, path: &Path, separator: char) -> PathBuf {
        std::fs::write(path, self.to_text(separator)).expect("the test folder is writable");
        path.to_path_buf()
    }
}

fn quote(cell: &str, separator: char) -> String {
    if cell.contains([separator, '"', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// Splits RFC 4180 text into rows of cells.
pub fn parse_csv(text: &str, separator: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == separator && !quoted => row.push(std::mem::take(&mut cell)),
            '\n' if !quoted => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            '\r' if !quoted => {}
            c => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// `2010-12-01 08:26:00` as numbers: year, month, day, hour, minute.
pub fn iso_parts(timestamp: &str) -> (u32, u32, u32, u32, u32) {
    let number = |range: std::ops::Range<usize>| timestamp[range].parse::<u32>().unwrap();
    (
        number(0..4),
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
    )
}

/// Seconds since 1970 of 2010-12-01 08:26, the first invoice of the log.
pub const FIRST_INVOICE_TIME: i64 = 1_291_191_960;

/// The `aisle` binary without progress lines and with the user's own config file out of
/// the way.
pub fn aisle_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aisle"));
    command.env("AISLE_QUIET", "1").env(
        "XDG_CONFIG_HOME",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-config"),
    );
    command
}

/// Runs `aisle` with `args` to the end.
pub fn aisle(args: &[&str]) -> Output {
    aisle_command()
        .args(args)
        .output()
        .expect("the aisle binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that a run succeeded, showing its error output if not.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "aisle failed with {}: {}",
        output.status,
        stderr(output)
    );
}
