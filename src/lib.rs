//! aisle turns a shop's sales log into product recommendations for every customer.
//!
//! The map, in the order data flows:
//!
//! - [`data`] reads any export (CSV, gzip, Parquet, Excel) into canonical columns, reports
//!   its quality and applies the cleaning rules. It knows nothing of models or terminals.
//! - [`features`] computes the 15 per-customer features with polars group-bys.
//! - [`model`] holds the models: outliers, correlation, principal components, K-Means and
//!   silhouettes, nearest neighbours and the recommenders. Plain functions over arrays and
//!   purchase histories; no files, no terminal. [`model::evaluate`] fits them on the
//!   transactions before a cut date and scores every method on what customers bought after
//!   (its `evaluate_file` reads the log through [`data`] first).
//! - [`pipeline`] runs the stages in order with progress and cancellation, and refits only
//!   what a parameter change affects. The CLI, the TUI and the tests all go through it.
//! - [`export`] writes recommendations as CSV, JSON or Parquet, atomically.
//! - [`report`] turns an analysis into the text and JSON reports of `aisle report`.
//! - [`config`] reads the TOML config file (column names, cleaning rules, parameters,
//!   key bindings) from the platform's config folder.
//! - [`bench`] times the whole pipeline per stage, with peak memory, on the file given or
//!   on scaled copies of it (`aisle bench`).
//! - [`tui`] is the terminal workbench: it draws state and turns keys into actions; all
//!   work runs on a worker thread through [`pipeline`].
//!
//! Errors are [`error::AisleError`]; only the binary uses `anyhow`.

pub mod bench;
pub mod config;
pub mod data;
pub mod error;
pub mod export;
pub mod features;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod tui;

pub use error::{AisleError, Result};
