//! Every shape of export aisle reads, each made from the same real rows of the sample log:
//! whatever the delimiter, encoding, date style, header names or file format, the loaded
//! transactions must be those of the plain CSV.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use aisle::data::clean::CleaningRules;
use aisle::data::dates::DateOrder;
use aisle::data::load::{load, LoadOptions, Loaded};
use aisle::data::schema::{parse_overrides, Role};
use aisle::pipeline::{prepare, Prepared, Quiet};
use aisle::AisleError;
use common::{iso_parts, Records, FIRST_INVOICE_TIME};
use polars::prelude::*;
use tempfile::TempDir;

/// Enough real rows to hold a cancellation (`C536379`), lettered stock codes and a
/// quoted description with a comma.
const ROWS: usize = 300;

/// A loaded log, column by column, in a form two loads can be compared by.
#[derive(Debug, PartialEq)]
struct Transactions {
    invoices: Vec<Option<String>>,
    stock_codes: Vec<Option<String>>,
    descriptions: Vec<Option<String>>,
    customers: Vec<Option<String>>,
    countries: Vec<Option<String>>,
    quantities: Vec<Option<f64>>,
    unit_prices: Vec<Option<f64>>,
    timestamps: Vec<Option<i64>>,
}

impl Transactions {
    fn of(loaded: &Loaded) -> Transactions {
        let frame = &loaded.frame;
        let text = |name: &str| -> Vec<Option<String>> {
            let column = frame.column(name).unwrap();
            column
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect()
        };
        let numbers = |name: &str| -> Vec<Option<f64>> {
            frame.column(name).unwrap().f64().unwrap().iter().collect()
        };
        Transactions {
            invoices: text("invoice"),
            stock_codes: text("stock_code"),
            descriptions: text("description"),
            customers: text("customer"),
            countries: text("country"),
            quantities: numbers("quantity"),
            unit_prices: numbers("unit_price"),
            timestamps: frame
                .column("timestamp")
                .unwrap()
                .i64()
                .unwrap()
                .iter()
                .collect(),
        }
    }

    fn sum(values: &[Option<f64>]) -> f64 {
        values.iter().flatten().sum()
    }
}

fn read(path: &Path) -> Loaded {
    load(path, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{} should load: {e}", path.display()))
}

/// Loads `variant` and the same records written as a plain comma-separated UTF-8 file, and
/// checks that they hold the same transactions.
fn assert_same_as_plain(variant: &Loaded, records: &Records, folder: &TempDir) {
    let plain = read(&records.write(&folder.path().join("plain.csv"), ','));
    let (expected, actual) = (Transactions::of(&plain), Transactions::of(variant));

    assert_eq!(variant.frame.height(), records.rows.len());
    assert_eq!(actual.customers[0].as_deref(), Some("17850"));
    assert!(actual.customers.iter().flatten().all(|c| !c.contains('.')));
    assert!(actual.stock_codes.contains(&Some("85123A".into())));
    assert_eq!(actual.timestamps[0], Some(FIRST_INVOICE_TIME));
    assert_eq!(
        Transactions::sum(&actual.quantities),
        Transactions::sum(&expected.quantities)
    );
    assert!(
        (Transactions::sum(&actual.unit_prices) - Transactions::sum(&expected.unit_prices)).abs()
            < 1e-9
    );
    assert_eq!(actual, expected);
}

fn first_rows() -> Records {
    Records::sample(ROWS)
}

/// The real rows with the invoice dates rewritten by `format` from (year, month, day,
/// hour, minute).
fn with_dates(mut records: Records, format: impl Fn(u32, u32, u32, u32, u32) -> String) -> Records {
    records.map_column("InvoiceDate", |iso| {
        let (year, month, day, hour, minute) = iso_parts(iso);
        format(year, month, day, hour, minute)
    });
    records
}

/// The first rows all fall on 1 December; moving the last invoice to 13 December gives
/// the column a day that can only be a day, so the day/month order is decided.
fn with_a_day_after_the_twelfth() -> Records {
    let mut records = first_rows();
    let invoice = records.column("InvoiceNo");
    let date = records.column("InvoiceDate");
    let last = records.rows.last().unwrap()[invoice].clone();
    for row in records.rows.iter_mut().filter(|r| r[invoice] == last) {
        row[date] = row[date].replacen("2010-12-01", "2010-12-13", 1);
    }
    records
}

#[test]
fn plain_sample_rows_hold_a_cancellation_and_lettered_codes() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let loaded = read(&records.write(&folder.path().join("plain.csv"), ','));
    let transactions = Transactions::of(&loaded);

    assert_eq!(loaded.report.format, "CSV");
    assert_eq!(loaded.report.delimiter, Some(','));
    assert_eq!(loaded.report.date_order, DateOrder::Iso);
    assert!(transactions.invoices.contains(&Some("C536379".into())));
    let quoted = transactions.descriptions.iter().flatten();
    assert!(quoted.clone().any(|d| d.contains(',')));
    assert_eq!(transactions.quantities[0], Some(6.0));
    assert_eq!(transactions.unit_prices[0], Some(2.55));
}

#[test]
fn semicolons_with_decimal_commas() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let mut european = records.clone();
    european.map_column("UnitPrice", |price| price.replace('.', ","));
    assert!(european.values("UnitPrice").contains(&"2,55"));

    let loaded = read(&european.write(&folder.path().join("semicolon.csv"), ';'));
    assert_eq!(loaded.report.delimiter, Some(';'));
    assert!(loaded.report.decimal_comma);
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn tab_separated() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let loaded = read(&records.write(&folder.path().join("tabs.tsv"), '\t'));
    assert_eq!(loaded.report.delimiter, Some('\t'));
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn pipe_separated() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let loaded = read(&records.write(&folder.path().join("pipes.txt"), '|'));
    assert_eq!(loaded.report.delimiter, Some('|'));
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn windows_1252_with_a_pound_sign() {
    // A real line of the full log (row 38,250), its voucher description as the shop wrote it.
    let mut records = first_rows();
    records.rows.push(
        [
            "539492",
            "gift_0001_40",
            "Dotcomgiftshop Gift Voucher £40.00",
            "1",
            "2010-12-20 10:14:00",
            "34.04",
            "",
            "United Kingdom",
        ]
        .map(String::from)
        .to_vec(),
    );
    let text = records.to_text(',');
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(bytes.contains(&0xA3), "£ is the single byte 0xA3");

    let folder = TempDir::new().unwrap();
    let path = folder.path().join("latin1.csv");
    std::fs::write(&path, &bytes).unwrap();
    let loaded = read(&path);

    assert!(loaded.report.encoding.starts_with("Windows-1252"));
    let descriptions = Transactions::of(&loaded).descriptions;
    assert_eq!(
        descriptions.last().unwrap().as_deref(),
        Some("Dotcomgiftshop Gift Voucher £40.00")
    );
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn utf8_with_a_byte_order_mark() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let path = folder.path().join("bom.csv");
    std::fs::write(&path, format!("\u{feff}{}", records.to_text(','))).unwrap();

    let loaded = read(&path);
    assert_eq!(loaded.report.encoding, "UTF-8 with BOM");
    assert_eq!(
        loaded.report.columns.first(),
        Some(&(Role::Invoice, "InvoiceNo".to_string()))
    );
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn us_dates() {
    let folder = TempDir::new().unwrap();
    let records = with_a_day_after_the_twelfth();
    let us = with_dates(records.clone(), |y, mo, d, h, mi| {
        format!("{mo}/{d}/{y} {h}:{mi:02}")
    });
    assert_eq!(us.values("InvoiceDate")[0], "12/1/2010 8:26");

    let loaded = read(&us.write(&folder.path().join("us.csv"), ','));
    assert_eq!(loaded.report.date_order, DateOrder::MonthFirst);
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn day_first_dates() {
    let folder = TempDir::new().unwrap();
    let records = with_a_day_after_the_twelfth();
    let uk = with_dates(records.clone(), |y, mo, d, h, mi| {
        format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02}")
    });
    assert_eq!(uk.values("InvoiceDate")[0], "01/12/2010 08:26");

    let loaded = read(&uk.write(&folder.path().join("uk.csv"), ','));
    assert_eq!(loaded.report.date_order, DateOrder::DayFirst);
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn ambiguous_dates_follow_the_log_day_by_day() {
    // The whole sample runs from 1 to 2 December: every date reads both ways, and only the
    // log's small steps forward tell 1 → 2 December from 12 January → 12 February.
    let folder = TempDir::new().unwrap();
    let records = Records::sample(5_017);
    let expected = Transactions::of(&read(&records.write(&folder.path().join("iso.csv"), ',')));

    let uk = with_dates(records.clone(), |y, mo, d, h, mi| {
        format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02}")
    });
    let loaded = read(&uk.write(&folder.path().join("uk.csv"), ','));
    assert_eq!(loaded.report.date_order, DateOrder::DayFirst);
    assert_eq!(Transactions::of(&loaded).timestamps, expected.timestamps);

    let us = with_dates(records, |y, mo, d, h, mi| {
        format!("{mo}/{d}/{y} {h}:{mi:02}")
    });
    let loaded = read(&us.write(&folder.path().join("us.csv"), ','));
    assert_eq!(loaded.report.date_order, DateOrder::MonthFirst);
    assert_eq!(Transactions::of(&loaded).timestamps, expected.timestamps);
}

#[test]
fn renamed_headers_are_recognised() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let mut renamed = records.clone();
    renamed.header = [
        "order_id",
        "sku",
        "title",
        "qty",
        "created_at",
        "price_each",
        "client_id",
        "region",
    ]
    .map(String::from)
    .to_vec();

    let loaded = read(&renamed.write(&folder.path().join("shop.csv"), ','));
    let columns = &loaded.report.columns;
    assert!(columns.contains(&(Role::Customer, "client_id".into())));
    assert!(columns.contains(&(Role::Country, "region".into())));
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn unusual_headers_are_named_with_col() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let mut unusual = records.clone();
    unusual.header = [
        "Beleg",
        "Artikel",
        "Bezeichnung",
        "Menge",
        "Rechnungsdatum",
        "Einzelpreis",
        "Kundennummer",
        "Land",
    ]
    .map(String::from)
    .to_vec();
    let path = unusual.write(&folder.path().join("export.csv"), ';');

    let guessed = load(&path, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(guessed, AisleError::MissingColumn { .. }),
        "{guessed}"
    );

    let options = LoadOptions {
        columns: parse_overrides([
            "invoice=Beleg",
            "stock_code=Artikel",
            "description=Bezeichnung",
            "quantity=Menge",
            "timestamp=Rechnungsdatum",
            "unit_price=Einzelpreis",
            "customer=Kundennummer",
            "country=Land",
        ])
        .unwrap(),
    };
    let loaded = load(&path, &options).unwrap();
    assert!(loaded
        .report
        .columns
        .contains(&(Role::Customer, "Kundennummer".into())));
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn gzip_compressed_csv() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let path = folder.path().join("sales.csv.gz");
    let mut packed = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    packed.write_all(records.to_text(',').as_bytes()).unwrap();
    packed.finish().unwrap();

    let loaded = read(&path);
    assert_eq!(loaded.report.format, "CSV");
    assert_same_as_plain(&loaded, &records, &folder);
}

/// The records as a Parquet file the way data tools write the original workbook: numbers
/// as numbers, dates as datetimes and customer ids as floats (`17850.0`).
fn write_parquet(records: &Records, path: &Path) -> PathBuf {
    let text = |name: &str| {
        let values: Vec<Option<&str>> = records
            .values(name)
            .into_iter()
            .map(|v| (!v.is_empty()).then_some(v))
            .collect();
        Column::new(name.into(), values)
    };
    let number = |name: &str| {
        let values: Vec<Option<f64>> = records
            .values(name)
            .into_iter()
            .map(|v| v.parse().ok())
            .collect();
        Column::new(name.into(), values)
    };
    let quantities: Vec<i64> = records
        .values("Quantity")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    let milliseconds: Vec<i64> = records
        .values("InvoiceDate")
        .iter()
        .map(|v| {
            let (y, mo, d, h, mi) = iso_parts(v);
            let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d).unwrap();
            let time = date.and_hms_opt(h, mi, 0).unwrap();
            time.and_utc().timestamp_millis()
        })
        .collect();
    let dates = Column::new("InvoiceDate".into(), milliseconds)
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .unwrap();

    let mut frame = DataFrame::new(
        records.rows.len(),
        vec![
            text("InvoiceNo"),
            text("StockCode"),
            text("Description"),
            Column::new("Quantity".into(), quantities),
            dates,
            number("UnitPrice"),
            number("CustomerID"),
            text("Country"),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut frame)
        .unwrap();
    path.to_path_buf()
}

#[test]
fn parquet_with_float_customer_ids() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let path = write_parquet(&records, &folder.path().join("sales.parquet"));

    let stored = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    assert_eq!(
        stored.column("CustomerID").unwrap().dtype(),
        &DataType::Float64
    );

    let loaded = read(&path);
    assert_eq!(loaded.report.format, "Parquet");
    assert_same_as_plain(&loaded, &records, &folder);
}

#[test]
fn excel_workbook() {
    let folder = TempDir::new().unwrap();
    let loaded = read(&common::repo_file("tests/fixtures/retail_sample.xlsx"));
    assert_eq!(loaded.report.format, "Excel (.xlsx)");
    assert_same_as_plain(&loaded, &Records::sample(200), &folder);
}

fn prepared(path: &Path) -> Prepared {
    prepare(
        path,
        &LoadOptions::default(),
        &CleaningRules::default(),
        &Quiet,
    )
    .unwrap_or_else(|e| panic!("{} should prepare: {e}", path.display()))
}

#[test]
fn description_and_country_may_be_absent() {
    let folder = TempDir::new().unwrap();
    let records = first_rows();
    let mut bare = records.clone();
    bare.remove_column("Description");
    bare.remove_column("Country");

    let full = prepared(&records.write(&folder.path().join("full.csv"), ','));
    let bare = prepared(&bare.write(&folder.path().join("bare.csv"), ','));
    assert!(bare.load.columns.iter().all(|(role, _)| role.required()));
    assert_eq!(bare.cleaned.frame.height(), full.cleaned.frame.height());
    assert_eq!(bare.features.customers, full.features.customers);
    assert_eq!(bare.purchases.items.len(), full.purchases.items.len());
}
