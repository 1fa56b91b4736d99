//! Timings of the workbench's hot paths without a terminal, for `aisle bench`: the first
//! frame (with the worker already reading the file), a key press in the customer list and a
//! search keystroke, each drawn into an in-memory terminal of the given size.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde::Serialize;

use super::app::App;
use super::render::render;
use super::worker::{Job, Message, Worker};
use crate::data::clean::CleaningRules;
use crate::data::load::LoadOptions;
use crate::pipeline::{Model, Params, Prepared};

/// Median milliseconds of each hot path.
#[derive(Debug, Clone, Serialize)]
pub struct HotPaths {
    pub customers: usize,
    pub first_frame_ms: f64,
    pub key_press_ms: f64,
    pub search_keystroke_ms: f64,
}

/// Times each path `runs` times on a `width × height` screen and keeps the medians. The
/// first frame is timed last, after `prepared` and `model` are dropped: its worker reads
/// the whole file again, and the two copies should not be held at once.
pub fn hot_paths(
    file: &Path,
    prepared: Arc<Prepared>,
    model: Model,
    runs: usize,
    size: (u16, u16),
) -> HotPaths {
    let runs = runs.max(1);
    let mut terminal =
        Terminal::new(TestBackend::new(size.0, size.1)).expect("an in-memory terminal");

    let mut app = App::new(
        file.display().to_string(),
        model.params.clone(),
        &BTreeMap::new(),
        true,
    );
    app.started(1, "analysing");
    app.on_worker(Message::Prepared { job: 1, prepared });
    app.on_worker(Message::Fitted {
        job: 1,
        model: Box::new(model),
    });
    press(&mut app, KeyCode::Char('5'));
    let _ = terminal.draw(|frame| render(&app, frame));

    let key_press: Vec<f64> = (0..runs)
        .map(|i| {
            let key = if i % 2 == 0 {
                KeyCode::Down
            } else {
                KeyCode::Up
            };
            let start = Instant::now();
            press(&mut app, key);
            let _ = terminal.draw(|frame| render(&app, frame));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();

    press(&mut app, KeyCode::Char('/'));
    let search: Vec<f64> = (0..runs)
        .map(|i| {
            let start = Instant::now();
            if i % 2 == 0 {
                press(&mut app, KeyCode::Char('1'));
            } else {
                press(&mut app, KeyCode::Backspace);
            }
            let _ = terminal.draw(|frame| render(&app, frame));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();

    let customers = app.customers.rows.len();
    drop(app);

    // Each start waits for its worker to give up, which it does once the file is read: a
    // file over 1 GiB is started once.
    let large = std::fs::metadata(file).is_ok_and(|m| m.len() > 1 << 30);
    let starts = if large { 1 } else { runs.min(3) };
    let first_frame: Vec<f64> = (0..starts)
        .map(|_| {
            let start = Instant::now();
            let (worker, _inbox) = Worker::start();
            let mut app = App::new(
                file.display().to_string(),
                Params::default(),
                &BTreeMap::new(),
                true,
            );
            let job = worker.submit(Job::Analyse {
                path: file.to_path_buf(),
                options: LoadOptions::default(),
                rules: CleaningRules::default(),
                params: Params::default(),
            });
            app.started(job, "analysing");
            let _ = terminal.draw(|frame| render(&app, frame));
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            worker.finish();
            elapsed
        })
        .collect();

    HotPaths {
        customers,
        first_frame_ms: median(first_frame),
        key_press_ms: median(key_press),
        search_keystroke_ms: median(search),
    }
}

fn press(app: &mut App, code: KeyCode) {
    if let Some(action) = app.action_for_key(KeyEvent::new(code, KeyModifiers::NONE)) {
        app.update(action);
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}
