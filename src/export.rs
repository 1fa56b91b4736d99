//! Writing recommendations: one row per customer, method and rank, as CSV, JSON or
//! Parquet chosen by the file's extension. The file is written beside its destination
//! under a temporary name and renamed at the end, so a failure never leaves half a file.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use crate::error::{AisleError, Result};
use crate::model::recommend::{Method, Reason};
use crate::pipeline::{Model, Prepared};

/// Output formats, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Parquet,
}

impl Format {
    pub fn from_path(path: &Path) -> Result<Format> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "parquet" | "pq" => Ok(Format::Parquet),
            _ => Err(AisleError::Write {
                path: path.to_path_buf(),
                message: "unknown extension; end the name in .csv, .json or .parquet".into(),
            }),
        }
    }
}

/// One line of the output.
#[derive(Debug, Clone, Serialize)]
pub struct Row<'a> {
    pub customer_id: &'a str,
    pub method: &'static str,
    pub rank: u32,
    pub stock_code: &'a str,
    pub description: &'a str,
    pub score: f64,
    #[serde(serialize_with = "in_words")]
    pub reason: Reason,
}

/// A reason written out in words as it is serialised, not kept as text per row.
fn in_words<S: Serializer>(reason: &Reason, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_str(reason)
}

/// How many rows [`rows`] makes.
pub fn row_count(model: &Model) -> usize {
    model
        .recommendations
        .iter()
        .map(|l| l.kmeans.len() + l.knn.len() + l.both.len())
        .sum()
}

/// Every customer's lists as rows: K-Means, KNN, then Both, each by rank, made as they are
/// read so that a large shop's lists are never all in memory at once.
pub fn rows<'a>(prepared: &'a Prepared, model: &'a Model) -> impl Iterator<Item = Row<'a>> + 'a {
    let items = &prepared.purchases.items;
    prepared
        .features
        .customers
        .iter()
        .zip(model.recommendations.iter())
        .flat_map(move |(customer, lists)| {
            [Method::Kmeans, Method::Knn, Method::Both]
                .into_iter()
                .flat_map(move |method| {
                    lists.list(method).iter().map(move |r| {
                        let item = &items[r.item as usize];
                        Row {
                            customer_id: customer,
                            method: method.key(),
                            rank: r.rank,
                            stock_code: &item.code,
                            description: &item.description,
                            score: (r.score * 10_000.0).round() / 10_000.0,
                            reason: r.reason,
                        }
                    })
                })
        })
}

/// The format `destination` asks for, if it may be written: a known extension, not the
/// `input` file and, unless `overwrite`, no existing file. Cheap, so callers can check
/// before any long work.
pub fn check_destination(
    destination: &Path,
    input: Option<&Path>,
    overwrite: bool,
) -> Result<Format> {
    let format = Format::from_path(destination)?;
    let write_error = |message: &str| AisleError::Write {
        path: destination.to_path_buf(),
        message: message.to_string(),
    };
    if let Some(input) = input {
        let same = match (input.canonicalize(), destination.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            return Err(write_error(
                "that is the input file; choose another output name",
            ));
        }
    }
    if destination.exists() && !overwrite {
        return Err(write_error(
            "the file exists; pass --force to replace it or choose another name",
        ));
    }
    Ok(format)
}

/// Writes `rows` to `destination`. Refuses to replace `input` and, unless `overwrite`,
/// any existing file.
pub fn write_rows<'a>(
    rows: impl IntoIterator<Item = Row<'a>>,
    destination: &Path,
    input: Option<&Path>,
    overwrite: bool,
) -> Result<PathBuf> {
    let format = check_destination(destination, input, overwrite)?;
    let write_error = |message: String| AisleError::Write {
        path: destination.to_path_buf(),
        message,
    };

    let directory = match destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = destination
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("recommendations");
    // Unique per process and per call, so two writes at once never share a temporary file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = WRITES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let temporary = directory.join(format!(".{name}.{}-{call}.partial", std::process::id()));
    let result = write_format(rows, format, &temporary).and_then(|_| {
        std::fs::rename(&temporary, destination)
            .map_err(|e| format!("cannot move the finished file into place: {e}"))
    });
    if let Err(message) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(write_error(message));
    }
    Ok(destination
        .canonicalize()
        .unwrap_or_else(|_| destination.to_path_buf()))
}

/// The columns of the output, in order.
const COLUMNS: [&str; 7] = [
    "customer_id",
    "method",
    "rank",
    "stock_code",
    "description",
    "score",
    "reason",
];

/// Rows as CSV, each field from buffers kept across rows: no allocation per row.
fn write_csv<'a>(
    rows: impl IntoIterator<Item = Row<'a>>,
    out: impl Write,
) -> std::result::Result<(), String> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    csv.write_record(COLUMNS).map_err(|e| e.to_string())?;
    let (mut rank, mut score, mut reason) =
        (itoa::Buffer::new(), ryu::Buffer::new(), String::new());
    for row in rows {
        reason.clear();
        write!(reason, "{}", row.reason).map_err(|e| e.to_string())?;
        csv.write_record([
            row.customer_id,
            row.method,
            rank.format(row.rank),
            row.stock_code,
            row.description,
            score.format(row.score),
            &reason,
        ])
        .map_err(|e| e.to_string())?;
    }
    csv.flush().map_err(|e| e.to_string())
}

fn write_format<'a>(
    rows: impl IntoIterator<Item = Row<'a>>,
    format: Format,
    path: &Path,
) -> std::result::Result<(), String> {
    let file = File::create(path).map_err(|e| e.to_string())?;
    let mut out = BufWriter::new(file);
    match format {
        Format::Json => {
            let mut json = serde_json::Serializer::pretty(&mut out);
            let mut list = json.serialize_seq(None).map_err(|e| e.to_string())?;
            for row in rows {
                list.serialize_element(&row).map_err(|e| e.to_string())?;
            }
            list.end().map_err(|e| e.to_string())?;
            out.write_all(b"\n").map_err(|e| e.to_string())?;
        }
        Format::Csv => write_csv(rows, &mut out)?,
        Format::Parquet => {
            let mut frame = frame(rows).map_err(|e| e.to_string())?;
            ParquetWriter::new(&mut out)
                .finish(&mut frame)
                .map_err(|e| e.to_string())?;
        }
    }
    let file = out.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())
}

fn frame<'a>(rows: impl IntoIterator<Item = Row<'a>>) -> PolarsResult<DataFrame> {
    let (mut customers, mut methods, mut ranks, mut codes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut descriptions, mut scores, mut reasons) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        customers.push(row.customer_id);
        methods.push(row.method);
        ranks.push(row.rank);
        codes.push(row.stock_code);
        descriptions.push(row.description);
        scores.push(row.score);
        reasons.push(row.reason.to_string());
    }
    DataFrame::new(
        ranks.len(),
        vec![
            Column::new(COLUMNS[0].into(), customers),
            Column::new(COLUMNS[1].into(), methods),
            Column::new(COLUMNS[2].into(), ranks),
            Column::new(COLUMNS[3].into(), codes),
            Column::new(COLUMNS[4].into(), descriptions),
            Column::new(COLUMNS[5].into(), scores),
            Column::new(COLUMNS[6].into(), reasons),
        ],
    )
}
