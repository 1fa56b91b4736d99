//! The terminal workbench.

use std::path::PathBuf;

use crate::config::Config;
use crate::data::load::LoadOptions;

pub fn run(file: PathBuf, options: LoadOptions, config: Config) -> anyhow::Result<()> {
    let _ = (file, options, config);
    anyhow::bail!("the workbench is not built yet; use `aisle report` or `aisle recommend`")
}
