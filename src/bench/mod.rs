//! The benchmark behind `aisle bench`: the whole pipeline, from reading the file to writing
//! every customer's recommendations into a temporary folder, run several times, with the
//! median wall time of each stage and the peak resident memory of the process.
//!
//! Peak memory is a per-process figure, so measuring several files (or scaled copies of one,
//! see [`scale`]) runs each in a fresh `aisle bench` process and collects its figures.

pub mod scale;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::data::clean::CleaningRules;
use crate::data::load::LoadOptions;
use crate::error::{AisleError, Result};
use crate::export;
use crate::pipeline::{Analysis, Params, Quiet};

/// Median figures of several runs of the whole pipeline on one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchResult {
    pub file: String,
    pub runs: usize,
    pub raw_rows: usize,
    pub clean_rows: usize,
    pub customers: usize,
    /// Stage key → median milliseconds, in pipeline order, `write` last.
    pub stages: Vec<(String, f64)>,
    /// Median wall time of a whole run, reading to written file.
    pub total_ms: f64,
    /// Peak resident memory of the process (VmHWM), in MiB; `None` where unknown.
    pub peak_mib: Option<f64>,
    /// Workbench hot paths, once they are measured (see [`tui_timings`]).
    pub tui: Vec<(String, Option<f64>)>,
}

/// A folder under the system's temporary folder, removed with everything in it on drop.
pub struct TempFolder {
    pub path: PathBuf,
}

impl TempFolder {
    pub fn new(purpose: &str) -> Result<TempFolder> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("aisle-{purpose}-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|source| AisleError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(TempFolder { path })
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs the whole pipeline `runs` times on `file` in this process.
pub fn run(
    file: &Path,
    options: &LoadOptions,
    rules: &CleaningRules,
    params: &Params,
    runs: usize,
) -> Result<BenchResult> {
    let output = TempFolder::new("bench-out")?;
    let destination = output.path.join("recommendations.csv");
    let mut per_run: Vec<Vec<(String, f64)>> = Vec::new();
    let mut totals = Vec::new();
    let mut counts = (0, 0, 0);
    let mut last = None;
    for _ in 0..runs.max(1) {
        // One analysis alive at a time, so the peak memory is that of one run.
        drop(last.take());
        let start = Instant::now();
        let analysis = Analysis::run(file, options, rules, params, &Quiet)?;
        let mut stages: Vec<(String, f64)> = analysis
            .timings()
            .into_iter()
            .map(|(stage, ms)| (stage.key().to_string(), ms))
            .collect();
        let written = Instant::now();
        let rows = export::rows(&analysis.prepared, &analysis.model);
        export::write_rows(rows, &destination, Some(file), true)?;
        stages.push(("write".to_string(), milliseconds(written)));
        totals.push(milliseconds(start));
        per_run.push(stages);

        counts = (
            analysis.prepared.load.rows,
            analysis.prepared.cleaned.frame.height(),
            analysis.prepared.features.len(),
        );
        last = Some(analysis);
    }
    // Memory first: the workbench timings below read the file again for the first frame.
    let peak_mib = peak_resident_mib();
    let tui = last.map_or_else(Vec::new, |analysis| tui_timings(file, analysis, runs));

    let stages = per_run[0]
        .iter()
        .enumerate()
        .map(|(i, (key, _))| {
            let times: Vec<f64> = per_run
                .iter()
                .filter_map(|r| r.get(i))
                .map(|s| s.1)
                .collect();
            (key.clone(), median(times))
        })
        .collect();
    Ok(BenchResult {
        file: file.display().to_string(),
        runs: runs.max(1),
        raw_rows: counts.0,
        clean_rows: counts.1,
        customers: counts.2,
        stages,
        total_ms: median(totals),
        peak_mib,
        tui,
    })
}

/// Hot paths of the terminal workbench, in milliseconds, drawn into an in-memory terminal
/// of 120×40 with every customer loaded: the first frame (the worker already reading the
/// file), one key press in the customer list and one keystroke in the customer search.
pub fn tui_timings(file: &Path, analysis: Analysis, runs: usize) -> Vec<(String, Option<f64>)> {
    let prepared = std::sync::Arc::new(analysis.prepared);
    let paths =
        crate::tui::timing::hot_paths(file, prepared, analysis.model, runs.max(5), (120, 40));
    vec![
        ("first frame".to_string(), Some(paths.first_frame_ms)),
        ("customer list key".to_string(), Some(paths.key_press_ms)),
        (
            "search keystroke".to_string(),
            Some(paths.search_keystroke_ms),
        ),
    ]
}

/// Runs `aisle bench FILE --json` in a fresh process, so that its peak memory is its own.
pub fn run_in_child(file: &Path, runs: usize, extra: &[String]) -> Result<BenchResult> {
    let program = std::env::current_exe().map_err(|source| AisleError::Io {
        path: PathBuf::from("aisle"),
        source,
    })?;
    let output = std::process::Command::new(&program)
        .arg("bench")
        .arg(file)
        .args(["--runs", &runs.to_string(), "--json"])
        .args(extra)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|source| AisleError::Io {
            path: program.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(AisleError::Model {
            context: "benchmark",
            message: format!("`aisle bench {}` failed", file.display()),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|e| AisleError::Model {
        context: "benchmark",
        message: format!(
            "unreadable figures from `aisle bench {}`: {e}",
            file.display()
        ),
    })
}

/// The figures as a text table, one column per result.
pub fn table(results: &[(String, BenchResult)]) -> String {
    use std::fmt::Write;

    let mut out = String::new();
    let width = 12;
    let _ = write!(out, "{:<22}", "stage (median ms)");
    for (label, _) in results {
        let _ = write!(out, "{label:>width$}");
    }
    out.push('\n');
    let keys: Vec<String> = results
        .first()
        .map(|(_, r)| r.stages.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    for key in &keys {
        let _ = write!(out, "{key:<22}");
        for (_, result) in results {
            let ms = result.stages.iter().find(|(k, _)| k == key).map(|s| s.1);
            let _ = write!(
                out,
                "{:>width$}",
                ms.map_or("–".into(), |v| format!("{v:.0}"))
            );
        }
        out.push('\n');
    }
    let mut line = |name: &str, value: &dyn Fn(&BenchResult) -> String| {
        let _ = write!(out, "{name:<22}");
        for (_, result) in results {
            let _ = write!(out, "{:>width$}", value(result));
        }
        out.push('\n');
    };
    line("total (median ms)", &|r| format!("{:.0}", r.total_ms));
    let first_total = results.first().map_or(1.0, |(_, r)| r.total_ms.max(1e-9));
    if results.len() > 1 {
        line("total ÷ first column", &|r| {
            format!("{:.1}", r.total_ms / first_total)
        });
    }
    line("peak memory (MiB)", &|r| {
        r.peak_mib.map_or("–".into(), |m| format!("{m:.0}"))
    });
    line("raw rows", &|r| r.raw_rows.to_string());
    line("clean rows", &|r| r.clean_rows.to_string());
    line("customers", &|r| r.customers.to_string());
    line("runs", &|r| r.runs.to_string());
    if let Some((_, first)) = results.first() {
        for (i, (name, _)) in first.tui.iter().enumerate() {
            line(&format!("tui: {name}"), &|r| {
                r.tui
                    .get(i)
                    .and_then(|t| t.1)
                    .map_or("–".into(), |ms| format!("{ms:.1}"))
            });
        }
    }
    out.push_str(
        "outliers to segment share the cores with the purchase-neighbour search, which runs \
         beside them;\nrecommend makes the lists from what it found.\n",
    );
    out
}

fn milliseconds(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Peak resident memory of this process so far (`VmHWM` in `/proc/self/status`), in MiB.
pub fn peak_resident_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }
}
