//! The library's error type: every message names the file, column or value at fault and
//! says what to do about it.

use std::num::NonZeroU32;
use std::path::PathBuf;

use thiserror::Error;

use crate::data::schema::ChoiceSource;

/// Everything that can go wrong between reading a file and writing recommendations.
#[derive(Debug, Error)]
pub enum AisleError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{path}` is empty: it has no header row and no data")]
    EmptyFile { path: PathBuf },

    #[error("`{path}` has a header but no data rows")]
    HeaderOnly { path: PathBuf },

    #[error("`{path}`: {message}")]
    Format { path: PathBuf, message: String },

    #[error(
        "`{path}`: no column for the {role} (looked for {looked_for}); columns are {found}; \
         pass `--col {flag}=NAME` to name it"
    )]
    MissingColumn {
        path: PathBuf,
        role: &'static str,
        flag: &'static str,
        looked_for: String,
        found: String,
    },

    #[error("`{path}`: {}; columns are {found}", unknown_column(role, name, *chosen_in))]
    UnknownColumn {
        path: PathBuf,
        role: &'static str,
        name: String,
        chosen_in: ChoiceSource,
        found: String,
    },

    #[error(
        "`{path}`: `{column}` is already used for {used_for}; name another column for {role} \
         with --col"
    )]
    ColumnTaken {
        path: PathBuf,
        column: String,
        used_for: &'static str,
        role: &'static str,
    },

    #[error(
        "`{path}`, data row {row}{}, column `{column}`: cannot read {what} from `{value}`{hint}",
        .line.map_or(String::new(), |line| format!(" (line {line} of the file)"))
    )]
    BadValue {
        path: PathBuf,
        /// 1-based, not counting the header.
        row: u32,
        /// The line of a text file where that row starts, when known.
        line: Option<NonZeroU32>,
        column: String,
        what: &'static str,
        value: String,
        hint: String,
    },

    #[error(
        "no customers are left after cleaning: every row lacks a customer id or a real product"
    )]
    NoCustomers,

    #[error("K = {k} is larger than the {customers} customers available for segmentation; pick a K from 2 to {max}")]
    KTooLarge {
        k: usize,
        customers: usize,
        max: usize,
    },

    #[error("invalid setting: {0}")]
    Parameter(String),

    #[error("{context}: {message}")]
    Model {
        context: &'static str,
        message: String,
    },

    #[error("cannot write `{path}`: {message}")]
    Write { path: PathBuf, message: String },

    #[error("stopped before the end")]
    Cancelled,

    #[error("data engine error: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// The start of the sentence for a chosen column that is not in the file, in the words the
/// user chose it with.
fn unknown_column(role: &str, name: &str, source: ChoiceSource) -> String {
    match source {
        ChoiceSource::CommandLine => format!("`--col {role}={name}` names no column"),
        ChoiceSource::ConfigFile => format!(
            "column `{name}` (for {role}, from the config file) not found; correct `{role}` \
             under [columns] in the config file"
        ),
    }
}

pub type Result<T, E = AisleError> = std::result::Result<T, E>;
