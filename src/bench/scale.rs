//! Larger logs for scaling measurements: a sales log repeated N times, copy `i` with every
//! customer id shifted by `i × 100000` (text ids get a `-i` suffix) and every invoice number
//! suffixed with `-i`, so each copy's customers are new customers who behave exactly like the
//! originals. Everything else is copied byte for byte. The copies are written on demand as
//! plain CSV and are for timing only.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use crate::data::delimited::sniff_delimiter;
use crate::data::load::LoadOptions;
use crate::data::schema::{ColumnMap, Role};
use crate::error::{AisleError, Result};

/// How far apart the customer ids of two copies are.
pub const CUSTOMER_OFFSET: u64 = 100_000;

/// Writes `copies` copies of the CSV log at `source` (plain or gzip) to `destination` and
/// returns the number of data rows written.
pub fn write_scaled(
    source: &Path,
    copies: usize,
    destination: &Path,
    options: &LoadOptions,
) -> Result<usize> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AisleError::Io { path, source }
    };
    let mut bytes = std::fs::read(source).map_err(io_error(source))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut unpacked = Vec::with_capacity(bytes.len() * 6);
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut unpacked)
            .map_err(io_error(source))?;
        bytes = unpacked;
    }
    let delimiter = sniff_delimiter(&bytes);
    let mut records = Records {
        text: &bytes,
        position: 0,
    };
    let header = records.next().ok_or_else(|| AisleError::EmptyFile {
        path: source.to_path_buf(),
    })?;
    let body = &bytes[records.position..];
    let headers: Vec<String> = fields(header, delimiter)
        .iter()
        .map(|f| String::from_utf8_lossy(unquote(f)).trim().to_string())
        .collect();
    let map = ColumnMap::resolve(source, &headers, &options.columns)?;
    let invoice = map
        .get(Role::Invoice)
        .expect("required roles are always mapped");
    let customer = map
        .get(Role::Customer)
        .expect("required roles are always mapped");

    let file = File::create(destination).map_err(io_error(destination))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let write =
        |out: &mut BufWriter<File>, data: &[u8]| out.write_all(data).map_err(io_error(destination));
    write(&mut out, header)?;
    write(&mut out, b"\n")?;
    let mut rows = 0;
    for copy in 0..copies.max(1) {
        let suffix = format!("-{copy}");
        let records = Records {
            text: body,
            position: 0,
        };
        let mut line = Vec::new();
        for record in records {
            rows += 1;
            if copy == 0 {
                write(&mut out, record)?;
                write(&mut out, b"\n")?;
                continue;
            }
            line.clear();
            for (index, field) in fields(record, delimiter).into_iter().enumerate() {
                if index > 0 {
                    line.push(delimiter);
                }
                if index == invoice {
                    with_suffix(&mut line, field, suffix.as_bytes());
                } else if index == customer {
                    shifted_customer(&mut line, field, copy as u64, suffix.as_bytes());
                } else {
                    line.extend_from_slice(field);
                }
            }
            line.push(b'\n');
            write(&mut out, &line)?;
        }
    }
    let file = out
        .into_inner()
        .map_err(|e| AisleError::Io {
            path: destination.to_path_buf(),
            source: e.into_error(),
        })?
        .sync_all();
    file.map_err(io_error(destination))?;
    Ok(rows)
}

/// CSV records of a text, quoted line breaks kept inside their record; no line ending.
struct Records<'a> {
    text: &'a [u8],
    position: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if self.position >= self.text.len() {
                return None;
            }
            let start = self.position;
            let mut quoted = false;
            let mut end = self.text.len();
            for (offset, &b) in self.text[start..].iter().enumerate() {
                if b == b'"' {
                    quoted = !quoted;
                } else if b == b'\n' && !quoted {
                    end = start + offset;
                    break;
                }
            }
            self.position = end + 1;
            let record = &self.text[start..end];
            let record = record.strip_suffix(b"\r").unwrap_or(record);
            if !record.is_empty() {
                return Some(record);
            }
        }
    }
}

/// The fields of one record, quotes kept.
fn fields(record: &[u8], delimiter: u8) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(8);
    let mut quoted = false;
    let mut start = 0;
    for (i, &b) in record.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            out.push(&record[start..i]);
            start = i + 1;
        }
    }
    out.push(&record[start..]);
    out
}

fn unquote(field: &[u8]) -> &[u8] {
    field
        .strip_prefix(b"\"")
        .and_then(|f| f.strip_suffix(b"\""))
        .unwrap_or(field)
}

/// `536365` → `536365-3`, `"C536379"` → `"C536379-3"`.
fn with_suffix(line: &mut Vec<u8>, field: &[u8], suffix: &[u8]) {
    let quoted = field.len() >= 2 && field.starts_with(b"\"") && field.ends_with(b"\"");
    if field.is_empty() {
        return;
    }
    if quoted {
        line.extend_from_slice(&field[..field.len() - 1]);
        line.extend_from_slice(suffix);
        line.push(b'"');
    } else {
        line.extend_from_slice(field);
        line.extend_from_slice(suffix);
    }
}

/// Numeric ids (`17850`, `17850.0`) move up by `copy × 100000`; text ids get the suffix;
/// empty ids stay empty.
fn shifted_customer(line: &mut Vec<u8>, field: &[u8], copy: u64, suffix: &[u8]) {
    let text = std::str::from_utf8(unquote(field)).unwrap_or("").trim();
    let number = text.strip_suffix(".0").unwrap_or(text);
    if text.is_empty() {
        line.extend_from_slice(field);
    } else if let Ok(id) = number.parse::<u64>() {
        line.extend_from_slice((id + copy * CUSTOMER_OFFSET).to_string().as_bytes());
    } else {
        with_suffix(line, field, suffix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_shift_customers_and_invoices() {
        let folder = crate::bench::TempFolder::new("scale-test").unwrap();
        let source = folder.path.join("in.csv");
        std::fs::write(
            &source,
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
             536365,85123A,\"HEART, WHITE\",6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n\
             C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,,United Kingdom\n",
        )
        .unwrap();
        let destination = folder.path.join("x3.csv");
        let rows = write_scaled(&source, 3, &destination, &LoadOptions::default()).unwrap();
        assert_eq!(rows, 6);
        let text = std::fs::read_to_string(&destination).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(
            lines[3],
            "536365-1,85123A,\"HEART, WHITE\",6,2010-12-01 08:26:00,2.55,117850,United Kingdom"
        );
        assert_eq!(
            lines[6],
            "C536379-2,D,Discount,-1,2010-12-01 09:41:00,27.5,,United Kingdom"
        );
    }
}
