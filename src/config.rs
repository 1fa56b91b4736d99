//! The config file: TOML in the platform's config folder (`aisle --help` prints where), every
//! field optional so that a partial file works.
//!
//! ```toml
//! [columns]            # role = "header name in your export"
//! customer = "client_id"
//!
//! [params]
//! neighbours = 20
//! top_n = 5
//!
//! [cleaning]
//! drop_duplicates = false
//!
//! [keys]               # command = "key"
//! quit = "x"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::Deserialize;

use crate::data::clean::CleaningRules;
use crate::data::schema::{
    parse_overrides, parse_overrides_from, ChoiceSource, ColumnChoice, Role,
};
use crate::error::{AisleError, Result};
use crate::pipeline::Params;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Column role → header name.
    pub columns: BTreeMap<String, String>,
    pub params: Params,
    pub cleaning: CleaningRules,
    /// Command name → key, overriding the default bindings of the workbench.
    pub keys: BTreeMap<String, String>,
}

impl Config {
    /// Reads `path` if given, else the default location if a file is there, else defaults.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|source| AisleError::Io {
            path: path.clone(),
            source,
        })?;
        Config::parse(&text).map_err(|message| AisleError::Format { path, message })
    }

    /// The config in `text`, or one line saying where it is wrong.
    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let message = e.message().trim().replace("field", "key");
            let Some(start) = e.span().map(|span| span.start) else {
                return format!("not a valid aisle config file: {message}");
            };
            let line = text[..start].matches('\n').count() + 1;
            let table = text[..start]
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| l.starts_with('['))
                .map_or(String::new(), |t| format!(" in {t}"));
            format!("line {line}{table}: {message}")
        })
    }

    /// Column overrides from the file, with `--col` pairs from the command line on top.
    pub fn column_overrides(&self, cli: &[String]) -> Result<BTreeMap<Role, ColumnChoice>> {
        let from_file: Vec<String> = self
            .columns
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut overrides = parse_overrides_from(
            from_file.iter().map(String::as_str),
            ChoiceSource::ConfigFile,
        )?;
        overrides.extend(parse_overrides(cli.iter().map(String::as_str))?);
        Ok(overrides)
    }
}

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "aisle")
}

/// `~/.config/aisle/config.toml` on Linux.
pub fn default_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// Where exported recommendations go by default: `~/.local/share/aisle` on Linux.
pub fn data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

/// Where the log file goes: `~/.cache/aisle` on Linux.
pub fn cache_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.cache_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_keeps_every_other_default() {
        let config: Config =
            toml::from_str("[params]\nneighbours = 20\n[keys]\nquit = \"x\"\n").unwrap();
        assert_eq!(config.params.neighbours, 20);
        assert_eq!(config.params.top_n, Params::default().top_n);
        assert!(config.cleaning.drop_duplicates);
        assert_eq!(config.keys["quit"], "x");
    }

    #[test]
    fn the_readme_example_parses_and_states_the_defaults() {
        let readme = include_str!("../README.md");
        let section = &readme[readme.find("## Config file").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let example = &section[start..start + section[start..].find("```").unwrap()];
        let config = Config::parse(example).unwrap();
        assert_eq!(config.params, Params::default());
        assert_eq!(config.cleaning, CleaningRules::default());
        assert_eq!(config.columns["customer"], "client_id");
    }

    #[test]
    fn an_unknown_key_is_named_with_the_valid_ones() {
        let error = Config::parse("[params]\nk = 3\nneighbors = 20\n").unwrap_err();
        assert!(
            error.starts_with("line 3 in [params]: unknown key `neighbors`"),
            "{error}"
        );
        assert!(error.contains("`neighbours`, `top_n`"), "{error}");
        assert!(!error.contains('\n'), "{error}");

        let error = Config::parse("[cleaning]\ntop = 5\n").unwrap_err();
        assert!(error.contains("unknown key `top`"), "{error}");
        assert!(error.contains("`drop_duplicates`"), "{error}");
    }
}
