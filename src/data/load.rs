//! Reading a shop's export into transactions with canonical columns: CSV (delimiter
//! sniffed, UTF-8 or Windows-1252, decimal commas), gzip-compressed CSV, Parquet and `.xlsx`.
//!
//! Every format ends in the same frame: `invoice`, `stock_code`, `description`, `customer`,
//! `country` as text; `quantity`, `unit_price` as numbers; `timestamp` as seconds since 1970
//! (shop time); plus `row`, the 1-based data row in the file, for error messages.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use super::dates::{self, DateOrder};
use super::delimited::{line_of_row, sniff_delimiter, to_utf8, unreadable_csv};
use super::gzip;
use super::schema::{ColumnChoice, ColumnMap, Role};
use crate::error::{AisleError, Result};

/// What the loader found out about a file, for the user to check.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub path: PathBuf,
    pub format: &'static str,
    pub encoding: &'static str,
    pub delimiter: Option<char>,
    pub decimal_comma: bool,
    pub date_order: DateOrder,
    /// Role → the file's own column name.
    pub columns: Vec<(Role, String)>,
    pub rows: usize,
}

/// Transactions in canonical columns and how they were read.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub frame: DataFrame,
    pub report: LoadReport,
}

/// Options the user can set for reading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Role → header name, from `--col ROLE=NAME` or the config file.
    pub columns: BTreeMap<Role, ColumnChoice>,
}

/// A table of the file's own columns before roles are applied.
struct RawTable {
    frame: DataFrame,
    format: &'static str,
    encoding: &'static str,
    delimiter: Option<char>,
}

/// Reads any supported export at `path`.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Loaded> {
    let bytes = read_bytes(path)?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(AisleError::EmptyFile {
            path: path.to_path_buf(),
        });
    }

    let raw = if bytes.starts_with(b"PAR1") {
        read_parquet(path, bytes)?
    } else if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(path, bytes)?
    } else {
        read_csv(path, bytes, options)?
    };
    let is_text = raw.delimiter.is_some();
    canonicalise(path, raw, options).map_err(|mut error| {
        // Only on failure: read the text again to say on which line the bad row is.
        if let AisleError::BadValue { row, line, .. } = &mut error {
            if is_text {
                *line = read_bytes(path)
                    .ok()
                    .and_then(|bytes| line_of_row(&bytes, *row));
            }
        }
        error
    })
}

/// The file's bytes, unpacked if gzip-compressed.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let io_error = |source| AisleError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io_error)?;
    if gzip::is_gzip(&bytes) {
        gzip::unpack(&bytes).map_err(io_error)
    } else {
        Ok(bytes)
    }
}

fn read_csv(path: &Path, bytes: Vec<u8>, options: &LoadOptions) -> Result<RawTable> {
    let (text, encoding) = to_utf8(bytes);
    let delimiter = sniff_delimiter(&text);
    // The text is kept only until the engine has read it, to explain a failure.
    let frame = match read_numbers_typed(path, &text, delimiter, options) {
        Some(frame) => frame,
        None => csv_frame(&text, delimiter, None, None).map_err(|e| AisleError::Format {
            path: path.to_path_buf(),
            message: unreadable_csv(&text, delimiter, &first_line(&e)),
        })?,
    };
    Ok(RawTable {
        frame,
        format: "CSV",
        encoding,
        delimiter: Some(delimiter as char),
    })
}

/// Every column as text, except those in `numbers`; at most `rows` rows.
fn csv_frame(
    text: &[u8],
    delimiter: u8,
    rows: Option<usize>,
    numbers: Option<Schema>,
) -> PolarsResult<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(false)
        .with_n_rows(rows)
        .with_schema_overwrite(numbers.map(Arc::new))
        .with_parse_options(
            CsvParseOptions::default()
                .with_separator(delimiter)
                .with_quote_char(Some(b'"')),
        )
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
}

/// The quantity and price columns read as numbers by the engine as it parses, which needs
/// neither their text nor a second pass; `None` when the file is not that simple (a decimal
/// comma, a value the engine cannot read, a missing column), and the text path then reads
/// it and names any bad value.
fn read_numbers_typed(
    path: &Path,
    text: &[u8],
    delimiter: u8,
    options: &LoadOptions,
) -> Option<DataFrame> {
    if delimiter != b',' {
        return None;
    }
    // The header alone, not the whole text: the engine would scan it all to read no rows.
    let first_line = text
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text, |end| &text[..=end]);
    let header = csv_frame(first_line, delimiter, Some(0), None).ok()?;
    let headers: Vec<String> = header
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let map = ColumnMap::resolve(path, &headers, &options.columns).ok()?;
    let mut names: Vec<&str> = [Role::Quantity, Role::UnitPrice]
        .iter()
        .filter_map(|&role| map.get(role).map(|i| headers[i].as_str()))
        .collect();
    names.dedup();
    let numbers = Schema::from_iter(
        names
            .iter()
            .map(|&name| Field::new(name.into(), DataType::Float64)),
    );
    let frame = csv_frame(text, delimiter, None, Some(numbers)).ok()?;
    let finite = names.iter().all(|&name| {
        frame
            .column(name)
            .and_then(|c| c.f64().map(|v| v.iter().flatten().all(f64::is_finite)))
            .unwrap_or(false)
    });
    finite.then_some(frame)
}

/// The engine's own sentence, without the hints for its Python users that follow it.
fn first_line(error: &PolarsError) -> String {
    let text = error.to_string();
    text.lines().next().unwrap_or_default().trim().to_string()
}

fn read_parquet(path: &Path, bytes: Vec<u8>) -> Result<RawTable> {
    let frame = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| AisleError::Format {
            path: path.to_path_buf(),
            message: format!("not a readable Parquet file ({})", first_line(&e)),
        })?;
    Ok(RawTable {
        frame,
        format: "Parquet",
        encoding: "binary",
        delimiter: None,
    })
}

/// Reads the first worksheet; dates become ISO text so they share the CSV path.
fn read_xlsx(path: &Path, bytes: Vec<u8>) -> Result<RawTable> {
    use calamine::{Data, Reader};

    let format_error = |message: String| AisleError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format_error(format!("not a readable Excel workbook ({e})")))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| format_error("the workbook has no worksheet".into()))?
        .map_err(|e| format_error(format!("cannot read the first worksheet ({e})")))?;

    let mut rows = range.rows();
    let headers: Vec<String> = match rows.next() {
        Some(header) => header.iter().map(|c| c.to_string()).collect(),
        None => {
            return Err(AisleError::EmptyFile {
                path: path.to_path_buf(),
            })
        }
    };
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); headers.len()];
    for row in rows {
        for (i, column) in columns.iter_mut().enumerate() {
            let cell = row.get(i).unwrap_or(&Data::Empty);
            column.push(match cell {
                Data::Empty => None,
                Data::DateTime(d) => Some(excel_serial_to_text(d.as_f64())),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                    Some(format!("{}", *f as i64))
                }
                other => Some(other.to_string()),
            });
        }
    }
    let height = columns.first().map_or(0, Vec::len);
    let columns = headers
        .iter()
        .zip(columns)
        .map(|(name, values)| Column::new(name.as_str().into(), values))
        .collect();
    Ok(RawTable {
        frame: DataFrame::new(height, columns)?,
        format: "Excel (.xlsx)",
        encoding: "binary",
        delimiter: None,
    })
}

/// Excel counts days from 1899-12-30; the fraction is the time of day.
fn excel_serial_to_text(serial: f64) -> String {
    let seconds = ((serial - 25_569.0) * 86_400.0).round() as i64;
    dates::format_seconds(seconds, true)
}

/// Maps the file's columns to roles and converts each to its canonical type.
fn canonicalise(path: &Path, raw: RawTable, options: &LoadOptions) -> Result<Loaded> {
    let frame = raw.frame;
    let headers: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    if frame.height() == 0 {
        return Err(if headers.is_empty() {
            AisleError::EmptyFile {
                path: path.to_path_buf(),
            }
        } else {
            AisleError::HeaderOnly {
                path: path.to_path_buf(),
            }
        });
    }
    let map = ColumnMap::resolve(path, &headers, &options.columns)?;
    let source = |role: Role| map.get(role).map(|i| headers[i].clone());

    let decimal_comma = raw.delimiter.is_some_and(|d| d != ',');
    let mut columns = vec![Column::new(
        "row".into(),
        (1..=frame.height() as u32).collect::<Vec<u32>>(),
    )];
    // Each column is converted on its own thread; the first error in column order is the
    // one reported, as if they had been converted one by one.
    let roles = [
        Role::Invoice,
        Role::StockCode,
        Role::Description,
        Role::Customer,
        Role::Country,
        Role::Quantity,
        Role::UnitPrice,
        Role::Timestamp,
    ];
    let converted: Vec<Result<(Series, Option<DateOrder>)>> = roles
        .par_iter()
        .map(|&role| {
            let name = source(role);
            let values = match (role, name) {
                (Role::Quantity | Role::UnitPrice, Some(name)) => (
                    number_column(path, frame.column(&name)?, &name, decimal_comma)?,
                    None,
                ),
                (Role::Timestamp, Some(name)) => {
                    let (seconds, order) = timestamp_column(path, frame.column(&name)?, &name)?;
                    (seconds, Some(order))
                }
                (_, Some(name)) => (
                    text_column(frame.column(&name)?, role == Role::Customer)?,
                    None,
                ),
                (_, None) => (
                    Series::full_null(role.key().into(), frame.height(), &DataType::String),
                    None,
                ),
            };
            Ok(values)
        })
        .collect();
    let mut date_order = DateOrder::Iso;
    for (role, result) in roles.iter().zip(converted) {
        let (values, order) = result?;
        date_order = order.unwrap_or(date_order);
        columns.push(values.with_name(role.key().into()).into_column());
    }

    let report = LoadReport {
        path: path.to_path_buf(),
        format: raw.format,
        encoding: raw.encoding,
        delimiter: raw.delimiter,
        decimal_comma,
        date_order,
        columns: map
            .columns
            .iter()
            .map(|(&r, &i)| (r, headers[i].clone()))
            .collect(),
        rows: frame.height(),
    };
    Ok(Loaded {
        frame: DataFrame::new(frame.height(), columns)?,
        report,
    })
}

/// Text stays text; numbers from Parquet or Excel become text without a trailing `.0`;
/// empty values are missing.
fn text_column(column: &Column, is_id: bool) -> Result<Series> {
    let series = column.as_materialized_series();
    let text = match series.dtype() {
        DataType::Float32 | DataType::Float64 => {
            let values = series.cast(&DataType::Float64)?;
            let values = values.f64()?;
            values
                .iter()
                .map(|v| {
                    v.map(|f| {
                        if f.fract() == 0.0 {
                            format!("{}", f as i64)
                        } else {
                            f.to_string()
                        }
                    })
                })
                .collect::<StringChunked>()
                .into_series()
        }
        _ => series.cast(&DataType::String)?,
    };
    let text = text.str()?;
    let tidy = |v: &str| -> Option<String> {
        let kept = if is_id {
            v.trim().strip_suffix(".0").unwrap_or(v.trim())
        } else {
            v
        };
        if kept.trim().is_empty() {
            Some(String::new())
        } else if kept.len() != v.len() {
            Some(kept.to_string())
        } else {
            None
        }
    };
    // Most columns need no change; they are kept as they are, without a copy.
    if text.iter().flatten().all(|v| tidy(v).is_none()) {
        return Ok(text.clone().into_series());
    }
    let cleaned: StringChunked = text
        .iter()
        .map(|v| {
            let v = v?;
            match tidy(v) {
                None => Some(v.to_string()),
                Some(kept) => (!kept.is_empty()).then_some(kept),
            }
        })
        .collect();
    Ok(cleaned.into_series())
}

/// Numbers as `f64`; in `;` or tab files a decimal comma is read as a point.
fn number_column(path: &Path, column: &Column, name: &str, decimal_comma: bool) -> Result<Series> {
    let series = column.as_materialized_series();
    if series.dtype().is_primitive_numeric() {
        return Ok(series.cast(&DataType::Float64)?);
    }
    let text = series.cast(&DataType::String)?;
    let text = text.str()?;
    let mut values = Vec::with_capacity(text.len());
    for (index, value) in text.iter().enumerate() {
        let parsed = match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => {
                let parsed = if decimal_comma && v.contains(',') {
                    v.replace(',', ".").parse::<f64>()
                } else {
                    v.parse::<f64>()
                };
                match parsed {
                    Ok(f) if f.is_finite() => Some(f),
                    _ => {
                        return Err(AisleError::BadValue {
                            path: path.to_path_buf(),
                            row: index as u32 + 1,
                            line: None,
                            column: name.to_string(),
                            what: "a number",
                            value: value.unwrap_or_default().to_string(),
                            hint: "; fix the value or pass `--col` to pick another column".into(),
                        })
                    }
                }
            }
        };
        values.push(parsed);
    }
    Ok(Float64Chunked::from_iter_options("".into(), values.into_iter()).into_series())
}

/// Seconds since 1970 from text dates, Parquet datetimes or dates.
fn timestamp_column(path: &Path, column: &Column, name: &str) -> Result<(Series, DateOrder)> {
    let series = column.as_materialized_series();
    let seconds_per = |unit: &TimeUnit| match unit {
        TimeUnit::Nanoseconds => 1_000_000_000,
        TimeUnit::Microseconds => 1_000_000,
        TimeUnit::Milliseconds => 1_000,
    };
    match series.dtype() {
        DataType::Datetime(unit, _) => {
            let per = seconds_per(unit);
            let raw = series.cast(&DataType::Int64)?;
            let seconds: Int64Chunked = raw
                .i64()?
                .iter()
                .map(|v| v.map(|t| t.div_euclid(per)))
                .collect();
            Ok((seconds.into_series(), DateOrder::Iso))
        }
        DataType::Date => {
            let raw = series.cast(&DataType::Int32)?;
            let seconds: Int64Chunked = raw
                .i32()?
                .iter()
                .map(|v| v.map(|d| d as i64 * 86_400))
                .collect();
            Ok((seconds.into_series(), DateOrder::Iso))
        }
        _ => {
            let text = series.cast(&DataType::String)?;
            let text = text.str()?;
            let (seconds, order) =
                dates::parse_column(text.iter()).map_err(|e| AisleError::BadValue {
                    path: path.to_path_buf(),
                    row: e.index as u32 + 1,
                    line: None,
                    column: name.to_string(),
                    what: "a date",
                    value: text.get(e.index).unwrap_or_default().to_string(),
                    hint: format!(" ({})", e.reason),
                })?;
            Ok((
                Int64Chunked::from_iter_options("".into(), seconds.into_iter()).into_series(),
                order,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serial_dates() {
        assert_eq!(
            excel_serial_to_text(40_513.351_388_888_89),
            "2010-12-01 08:26:00"
        );
    }
}
