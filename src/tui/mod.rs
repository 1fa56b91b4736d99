//! The terminal workbench. Keys become actions (`keys`, `app`), `App::update` changes the
//! state, `render` draws it; loading and fitting run on the worker thread (`worker`).
//! The terminal is restored on quit, on error and on a panic of the UI thread.

pub mod app;
pub mod customer_list;
pub mod form;
pub mod keys;
pub mod render;
pub mod tabs;
pub mod timing;
pub mod widgets;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};
use ratatui::DefaultTerminal;

use crate::config::{self, Config};
use crate::data::load::LoadOptions;
use crate::export;
use crate::pipeline::{Model, Params, Prepared};
use app::{Action, App, Effect};
use worker::{Job, Message, Worker};

/// Opens the workbench on `file` and runs until the user quits.
pub fn run(file: PathBuf, options: LoadOptions, config: Config) -> anyhow::Result<()> {
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut app = App::new(name, config.params.clone(), &config.keys, color);

    let (worker, inbox) = Worker::start();
    let analyse = |params| Job::Analyse {
        path: file.clone(),
        options: options.clone(),
        rules: config.cleaning,
        params,
    };
    let job = worker.submit(analyse(config.params.clone()));
    app.started(job, "analysing");

    let default_hook = std::panic::take_hook();
    let mut terminal = ratatui::init();
    std::panic::set_hook(Box::new(move |info| {
        // The worker catches its own panics and reports them; only a panic of the UI thread
        // ends the program, and it must leave a usable terminal behind.
        if std::thread::current().name() == Some("main") {
            ratatui::restore();
            default_hook(info);
        } else {
            tracing::error!("panic on a background thread: {info}");
        }
    }));
    let evaluate = |params| Job::Evaluate {
        path: file.clone(),
        options: options.clone(),
        rules: config.cleaning,
        params,
    };
    let workers = Workers {
        main: (worker, inbox),
        evaluation: Worker::start(),
        analyse: &analyse,
        evaluate: &evaluate,
    };
    let result = event_loop(&mut terminal, &mut app, &workers, &file);
    ratatui::restore();
    result
}

/// The two workers: one for the analysis and refits, one for the offline evaluation, so
/// that a long evaluation never holds up a refit. Each has its own newest-wins queue.
struct Workers<'a> {
    main: (Worker, Receiver<Message>),
    evaluation: (Worker, Receiver<Message>),
    analyse: &'a dyn Fn(Params) -> Job,
    evaluate: &'a dyn Fn(Params) -> Job,
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    workers: &Workers,
    file: &Path,
) -> anyhow::Result<()> {
    let (worker, inbox) = &workers.main;
    let analyse = workers.analyse;
    let (exports, exported) = channel::<Result<String, String>>();
    loop {
        terminal.draw(|frame| render::render(app, frame))?;

        if event::poll(Duration::from_millis(80))? {
            if let Event::Key(key) = event::read()? {
                if key.kind == KeyEventKind::Press {
                    if let Some(action) = app.action_for_key(key) {
                        match app.update(action) {
                            Effect::Quit => return Ok(()),
                            // Before the data is prepared there is nothing to refit: start
                            // again with the new parameters.
                            Effect::Refit(params) if app.prepared.is_none() => {
                                let job = worker.submit(analyse(params));
                                app.started(job, "analysing");
                            }
                            Effect::Refit(params) => {
                                let job = worker.submit(Job::Refit { params });
                                app.started(job, "refitting");
                            }
                            Effect::Export => start_export(app, file, exports.clone()),
                            Effect::None => {}
                        }
                    }
                }
            }
        }
        while let Ok(message) = inbox.try_recv() {
            app.on_worker(message);
        }
        while let Ok(message) = workers.evaluation.1.try_recv() {
            app.on_evaluation(message);
        }
        if let Some(params) = app.evaluation_wanted() {
            let job = workers
                .evaluation
                .0
                .submit((workers.evaluate)(params.clone()));
            app.evaluation_started(job, params);
        }
        while let Ok(result) = exported.try_recv() {
            app.update(Action::Exported(result));
        }
        app.update(Action::Tick);
    }
}

/// Writes the current recommendations on a thread of their own; the result comes back as
/// an action.
fn start_export(app: &mut App, file: &Path, done: Sender<Result<String, String>>) {
    let (Some(prepared), Some(model)) = (app.prepared.clone(), app.model.clone()) else {
        return;
    };
    app.notice = Some("exporting…".into());
    let stem = file
        .file_stem()
        .map_or("log".into(), |s| s.to_string_lossy().replace(".csv", ""));
    std::thread::spawn(move || {
        let _ = done.send(export_to_data_dir(&prepared, &model, &stem));
    });
}

/// `recommendations-<log>-<date>-<time>.csv` in the user's data folder, or in the working
/// folder when there is none; `-2`, `-3`… when that name is taken.
pub fn export_to_data_dir(
    prepared: &Arc<Prepared>,
    model: &Model,
    stem: &str,
) -> Result<String, String> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let stamp = crate::data::dates::format_seconds(seconds, true)
        .replace([' ', ':'], "")
        .replace('-', "");
    let folder = config::data_dir()
        .filter(|d| std::fs::create_dir_all(d).is_ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let base = format!("recommendations-{stem}-{}-{}", &stamp[..8], &stamp[8..]);
    let path = (1..)
        .map(|n| match n {
            1 => folder.join(format!("{base}.csv")),
            n => folder.join(format!("{base}-{n}.csv")),
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| folder.join(format!("{base}.csv")));
    let rows = export::rows(prepared, model);
    export::write_rows(rows, &path, None, false)
        .map(|path| path.display().to_string())
        .map_err(|e| e.to_string())
}
