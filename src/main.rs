//! The `aisle` command: the workbench with no subcommand, or headless reports and exports.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use aisle::config::{self, Config};
use aisle::data::load::LoadOptions;
use aisle::model::evaluate::evaluate_file;
use aisle::model::knn::SimilaritySpace;
use aisle::model::recommend::KnnScore;
use aisle::pipeline::{Analysis, Observer, Params, Stage};
use aisle::{bench, export, report};

/// Blocks of this size and more are mapped from the system on their own and given back when
/// freed. The C allocator's default raises this bar as large blocks are freed, and keeps them
/// in its heap, where freed columns of a large log sit among live ones and cannot be returned:
/// on a log ten times the bundled one that is 400 MB more at the peak.
const OWN_MAPPING_FROM: i32 = 1 << 20;

fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` sets a number in the C allocator before any thread allocates.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_FROM);
    }
}

/// The log's name in the cache folder.
const LOG_FILE: &str = "aisle.log";

/// The two ways to call aisle: a file for the workbench, or a subcommand with its own file.
const USAGE: &str = "\
aisle [OPTIONS] [FILE]
       aisle <COMMAND> [FILE] [OPTIONS]";

const EXAMPLES: &str = "\
Examples:
  aisle                                   open the workbench on the bundled real log
  aisle my_export.xlsx                    open the workbench on your own export
  aisle report sales.csv.gz               quality, cleaning, charts and segments as text
  aisle report sales.csv --json           the same as one JSON object
  aisle recommend sales.csv -o recs.csv   every customer's lists (.csv, .json or .parquet)
  aisle evaluate sales.csv --split 2011-09-01
                                          fit before the date, score the lists on what
                                          customers bought from it on
  aisle report data.csv --col customer=client_no --col timestamp=created
  aisle bench --runs 5                    time every stage on the bundled log, with peak memory
  aisle bench --scale 1,10 --runs 3       the same on copies of the log 1 and 10 times as large

Column roles for --col: invoice, stock_code, description, quantity, timestamp,
unit_price, customer, country.";

#[derive(Parser)]
#[command(
    name = "aisle",
    version,
    about = "Turn a shop's sales log into product recommendations for every customer",
    override_usage = USAGE,
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Sales log to open in the workbench (CSV, .csv.gz, Parquet or .xlsx); the bundled
    /// real log when omitted.
    file: Option<PathBuf>,

    #[command(flatten)]
    common: Common,
}

#[derive(Args, Clone)]
struct Common {
    /// Name the column that plays a role: ROLE=NAME (repeatable)
    #[arg(long = "col", value_name = "ROLE=NAME", global = true)]
    columns: Vec<String>,

    /// Config file (default: the platform config folder; `--help` prints where)
    #[arg(long, value_name = "PATH", global = true)]
    config: Option<PathBuf>,

    /// Write a debug log to the cache folder
    #[arg(long, global = true)]
    log: bool,
}

#[derive(Args, Clone, Default)]
struct ModelArgs {
    /// Number of segments, 2 to 50 (default: the K with the best mean silhouette in 2..=12)
    #[arg(long, value_parser = whole_number::<usize>)]
    k: Option<usize>,

    /// Neighbours per customer for the KNN list
    #[arg(long, value_parser = whole_number::<usize>)]
    neighbours: Option<usize>,

    /// Items per list
    #[arg(long, value_parser = whole_number::<usize>)]
    top: Option<usize>,

    /// Random seed for every random step
    #[arg(long, value_parser = whole_number::<u64>)]
    seed: Option<u64>,

    /// Share of customers flagged as outliers: at least 0, below 0.5
    #[arg(long)]
    outlier_share: Option<f64>,

    /// Where KNN looks for neighbours
    #[arg(long, value_enum)]
    space: Option<SimilaritySpace>,

    /// How KNN scores a candidate item
    #[arg(long, value_enum)]
    score: Option<KnnScore>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the quality table, cleaning counts, charts and segments
    // Negative numbers are values, so that `--k -3` is refused as a value.
    #[command(allow_negative_numbers = true)]
    Report {
        /// Sales log (the bundled real log when omitted)
        file: Option<PathBuf>,
        /// One JSON object instead of text
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Write every customer's K-Means, KNN and agreed lists to a file
    // Negative numbers are values, so that `--k -3` is refused as a value.
    #[command(allow_negative_numbers = true)]
    Recommend {
        /// Sales log (the bundled real log when omitted)
        file: Option<PathBuf>,
        /// Output file: .csv, .json or .parquet
        #[arg(short, long)]
        output: PathBuf,
        /// Replace the output file if it exists
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Fit every stage on the log before a date and score each method's lists (popularity,
    /// K-Means, KNN, both, hybrid) against what customers bought from that date on, at the
    /// top 3, 10 and 20 (and --top N)
    // Negative numbers are values, so that `--k -3` is refused as a value.
    #[command(allow_negative_numbers = true)]
    Evaluate {
        /// Sales log (the bundled real log when omitted)
        file: Option<PathBuf>,
        /// First day of the test period, YYYY-MM-DD (default: the date that leaves the last
        /// quarter of the log's trading days for testing)
        #[arg(long, value_name = "DATE")]
        split: Option<NaiveDate>,
        /// One JSON object instead of text
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Time the whole pipeline, reading to written recommendations: median per stage and
    /// peak memory
    Bench {
        /// Sales log (the bundled real log when omitted)
        file: Option<PathBuf>,
        /// Runs per file; medians are reported
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Measure copies of the log this many times as large instead, each in its own
        /// process (comma-separated: --scale 1,10,100); made in a temporary folder and
        /// removed afterwards
        #[arg(long, value_delimiter = ',', value_name = "N,...")]
        scale: Vec<usize>,
        /// Only write the copy --scale N asks for to this path and keep it, measuring nothing
        #[arg(long, value_name = "PATH", requires = "scale")]
        make_scaled: Option<PathBuf>,
        /// One JSON object instead of the table
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        model: ModelArgs,
    },
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = parse_command_line();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<ReaderGone>() => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            let mut message = format!("error: {error}");
            for cause in error.chain().skip(1) {
                // Library errors already quote their cause in their own sentence.
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message.push_str(&format!("\n  caused by: {cause}"));
                }
            }
            let _ = writeln!(std::io::stderr(), "{message}");
            ExitCode::FAILURE
        }
    }
}

/// The command line, refusing a file before a subcommand: the subcommand reads its own file
/// argument, so the first one would be silently ignored.
fn parse_command_line() -> Cli {
    let shown = |path: Option<PathBuf>| {
        path.map_or("none on this system".to_string(), |p| {
            p.display().to_string()
        })
    };
    let config_path = shown(config::default_path());
    let mut command = Cli::command()
        .mut_arg("config", |arg| {
            arg.help(format!("Config file [default: {config_path}]"))
        })
        .after_help(format!(
            "{EXAMPLES}\n\nFiles:\n  config   {config_path}\n  exports  {} (the workbench's \
             export key)\n  log      {} (with --log)",
            shown(config::data_dir()),
            shown(config::cache_dir().map(|d| d.join(LOG_FILE))),
        ));
    let matches = command.get_matches_mut();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let (Some(file), Some(subcommand)) = (&cli.file, &cli.command) {
        let name = subcommand.name();
        let file = file.display();
        command
            .error(
                ErrorKind::ArgumentConflict,
                format!(
                    "`{file}` comes before `{name}`; put the file after it: aisle {name} {file}"
                ),
            )
            .exit();
    }
    cli
}

fn run(cli: Cli) -> Result<()> {
    if cli.common.log {
        let path = start_log()?;
        // The workbench owns the screen; the README says where its log goes.
        if cli.command.is_some() {
            eprintln!("writing a debug log to {}", path.display());
        }
    }
    let config = Config::load(cli.common.config.as_deref())?;
    let options = LoadOptions {
        columns: config.column_overrides(&cli.common.columns)?,
    };

    match cli.command {
        None => {
            let file = input_file(cli.file)?;
            readable(&file)?;
            if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
                bail!(
                    "the workbench needs a terminal; use `aisle report` or `aisle recommend` \
                     for scripts"
                );
            }
            aisle::tui::run(file, options, config)
        }
        Some(Command::Report { file, json, model }) => {
            let file = input_file(file)?;
            let params = params(&config, &model)?;
            let analysis = analyse(&file, &options, &config, &params, !json)?;
            if json {
                let text = serde_json::to_string_pretty(&report::json_report(&analysis))?;
                print_out(&format!("{text}\n"))
            } else {
                print_out(&report::text_report(&analysis))
            }
        }
        Some(Command::Recommend {
            file,
            output,
            force,
            model,
        }) => {
            let file = input_file(file)?;
            export::check_destination(&output, Some(&file), force)?;
            let params = params(&config, &model)?;
            let analysis = analyse(&file, &options, &config, &params, true)?;
            let rows = export::rows(&analysis.prepared, &analysis.model);
            let written = export::write_rows(rows, &output, Some(&file), force)?;
            eprintln!(
                "wrote {} rows for {} customers to {}",
                report::thousands(export::row_count(&analysis.model)),
                report::thousands(analysis.prepared.features.len()),
                written.display()
            );
            // The process ends here: the system takes back the data and models at once,
            // faster than freeing them piece by piece (about 10 ms on the bundled log).
            std::mem::forget(analysis);
            Ok(())
        }
        Some(Command::Evaluate {
            file,
            split,
            json,
            model,
        }) => {
            let file = input_file(file)?;
            let params = params(&config, &model)?;
            let observer = StderrProgress::new(!json, Stage::ALL.len() + 1);
            let evaluation =
                evaluate_file(&file, &options, &config.cleaning, &params, split, &observer)?;
            if json {
                print_out(&format!("{}\n", serde_json::to_string_pretty(&evaluation)?))
            } else {
                print_out(&report::evaluation_text(
                    &evaluation,
                    &file.display().to_string(),
                ))
            }
        }
        Some(Command::Bench {
            file,
            runs,
            scale,
            make_scaled,
            json,
            model,
        }) => {
            let file = input_file(file)?;
            let params = params(&config, &model)?;
            if let Some(destination) = make_scaled {
                let factor = scale.first().copied().unwrap_or(1);
                let rows = bench::scale::write_scaled(&file, factor, &destination, &options)?;
                eprintln!("wrote {rows} rows (×{factor}) to {}", destination.display());
                return Ok(());
            }
            if scale.is_empty() {
                let result = bench::run(&file, &options, &config.cleaning, &params, runs)?;
                if json {
                    print_out(&format!("{}\n", serde_json::to_string(&result)?))?;
                } else {
                    print_out(&format!("aisle bench: {} ({runs} runs)\n", file.display()))?;
                    let label = format!("{} rows", report::thousands(result.raw_rows));
                    print_out(&bench::table(&[(label, result)]))?;
                }
                return Ok(());
            }
            let extra = forwarded_flags(&cli.common, &model);
            let folder = bench::TempFolder::new("scaled")?;
            let mut results = Vec::new();
            for factor in scale {
                let copy = folder.path.join(format!("sales_x{factor}.csv"));
                eprintln!("writing ×{factor} copy of {} ...", file.display());
                bench::scale::write_scaled(&file, factor, &copy, &options)?;
                eprintln!("measuring ×{factor} ({runs} runs) ...");
                let result = bench::run_in_child(&copy, runs, &extra)?;
                std::fs::remove_file(&copy).ok();
                results.push((format!("×{factor}"), result));
            }
            if json {
                print_out(&format!("{}\n", serde_json::to_string(&results)?))?;
            } else {
                print_out(&format!(
                    "aisle bench: {} scaled, {runs} runs each\n",
                    file.display()
                ))?;
                print_out(&bench::table(&results))?;
            }
            Ok(())
        }
    }
}

/// The options a scaled run passes on to each measuring process.
fn forwarded_flags(common: &Common, model: &ModelArgs) -> Vec<String> {
    let mut flags = Vec::new();
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            flags.push(format!("--{name}={value}"));
        }
    };
    for column in &common.columns {
        add("col", Some(column.clone()));
    }
    add(
        "config",
        common.config.as_ref().map(|p| p.display().to_string()),
    );
    add("k", model.k.map(|v| v.to_string()));
    add("neighbours", model.neighbours.map(|v| v.to_string()));
    add("top", model.top.map(|v| v.to_string()));
    add("seed", model.seed.map(|v| v.to_string()));
    add("outlier-share", model.outlier_share.map(|v| v.to_string()));
    add("space", model.space.map(|v| v.label().to_string()));
    add(
        "score",
        model.score.map(|v| format!("{v:?}").to_lowercase()),
    );
    flags
}

/// A count or a seed: digits only, so `-3` gets a sentence rather than a parser's detail.
fn whole_number<T: std::str::FromStr>(text: &str) -> std::result::Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| "expected a whole number, 0 or more, such as 10".to_string())
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Report { .. } => "report",
            Command::Recommend { .. } => "recommend",
            Command::Evaluate { .. } => "evaluate",
            Command::Bench { .. } => "bench",
        }
    }
}

/// Stdout closed by a reader that has seen enough (`aisle report | head`): not a failure.
#[derive(Debug)]
struct ReaderGone;

impl std::fmt::Display for ReaderGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the reader of standard output has gone")
    }
}

impl std::error::Error for ReaderGone {}

/// Writes a report to stdout; a full disk or a closed file is an error, not a panic.
fn print_out(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ReaderGone.into()),
        Err(e) => Err(anyhow!("cannot write the report to standard output: {e}")),
    }
}

/// Fails the way reading the file would, before the workbench takes over the terminal.
fn readable(file: &Path) -> Result<()> {
    let io_error = |source| aisle::AisleError::Io {
        path: file.to_path_buf(),
        source,
    };
    let mut opened = std::fs::File::open(file).map_err(io_error)?;
    // Opening a folder succeeds; reading from it fails as `aisle report` would.
    opened.read(&mut [0u8; 1]).map_err(io_error)?;
    Ok(())
}

fn params(config: &Config, args: &ModelArgs) -> Result<Params> {
    if let Some(k) = args.k.filter(|&k| k < 2) {
        bail!("--k {k}: K must be at least 2; leave --k out to choose K by silhouette");
    }
    let mut params = config.params.clone();
    params.k = args.k.or(params.k);
    params.neighbours = args.neighbours.unwrap_or(params.neighbours);
    params.top_n = args.top.unwrap_or(params.top_n);
    params.seed = args.seed.unwrap_or(params.seed);
    params.outlier_share = args.outlier_share.unwrap_or(params.outlier_share);
    params.space = args.space.unwrap_or(params.space);
    params.score = args.score.unwrap_or(params.score);
    Ok(params)
}

/// Prints each stage to stderr when it starts, so long runs show where they are.
struct StderrProgress {
    enabled: bool,
    stages: usize,
}

impl StderrProgress {
    /// Quiet when `progress` is off or `AISLE_QUIET` is set.
    fn new(progress: bool, stages: usize) -> StderrProgress {
        StderrProgress {
            enabled: progress && std::env::var_os("AISLE_QUIET").is_none(),
            stages,
        }
    }
}

impl Observer for StderrProgress {
    fn stage(&self, stage: Stage) {
        if self.enabled {
            eprintln!("[{}/{}] {}", stage.number(), self.stages, stage.label());
        }
    }
}

fn analyse(
    file: &Path,
    options: &LoadOptions,
    config: &Config,
    params: &Params,
    progress: bool,
) -> Result<Analysis> {
    let observer = StderrProgress::new(progress, Stage::ALL.len());
    Ok(Analysis::run(
        file,
        options,
        &config.cleaning,
        params,
        &observer,
    )?)
}

/// The given file, or the bundled real log.
fn input_file(file: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(file) = file {
        return Ok(file);
    }
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/online_retail.csv.gz"),
        PathBuf::from("sample_data/online_retail.csv.gz"),
    ];
    candidates
        .into_iter()
        .find(|p| p.exists())
        .context("no file given and the bundled sample_data/online_retail.csv.gz is not here; pass a file: aisle FILE")
}

/// Sends `tracing` lines to the log file in the cache folder and returns its path.
fn start_log() -> Result<PathBuf> {
    let directory = config::cache_dir().context("no cache folder on this system for the log")?;
    std::fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let path = directory.join(LOG_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open the log {}", path.display()))?;
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AISLE_LOG")
                .unwrap_or_else(|_| "aisle=debug".into()),
        )
        .init();
    tracing::info!("aisle {} started", env!("CARGO_PKG_VERSION"));
    Ok(path)
}
