//! The workbench drawn into a test terminal, tab by tab, at 80×24 and 120×40, on the real
//! sample slice. State changes go through the same path as in the running program: worker
//! messages and key presses turned into actions by `App::action_for_key`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use aisle::data::clean::CleaningRules;
use aisle::data::load::LoadOptions;
use aisle::pipeline::{Analysis, Params, Quiet};
use aisle::tui::app::App;
use aisle::tui::render::render;
use aisle::tui::worker::Message;

fn analysis() -> &'static Analysis {
    static ANALYSIS: OnceLock<Analysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/online_retail_sample.csv");
        Analysis::run(
            &path,
            &LoadOptions::default(),
            &CleaningRules::default(),
            &Params::default(),
            &Quiet,
        )
        .expect("the sample slice analyses")
    })
}

/// An app that has received the worker's results for the sample slice.
fn loaded_app() -> App {
    let analysis = analysis();
    let mut app = App::new(
        "online_retail_sample.csv".into(),
        Params::default(),
        &BTreeMap::new(),
        false,
    );
    app.started(1, "analysing");
    app.on_worker(Message::Prepared {
        job: 1,
        prepared: Arc::new(analysis.prepared.clone()),
    });
    app.on_worker(Message::Fitted {
        job: 1,
        model: Box::new(analysis.model.clone()),
    });
    app
}

fn press(app: &mut App, code: KeyCode) {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    if let Some(action) = app.action_for_key(key) {
        app.update(action);
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| render(app, frame)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn snapshot_tab(key: char, name: &str) {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char(key));
    for (width, height) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("{name}_{width}x{height}"),
            screen(&app, width, height)
        );
    }
}

#[test]
fn quality_tab() {
    snapshot_tab('1', "quality");
}

#[test]
fn correlation_tab() {
    snapshot_tab('2', "correlation");
}

#[test]
fn clusters_tab() {
    snapshot_tab('3', "clusters");
}

#[test]
fn silhouette_tab() {
    snapshot_tab('4', "silhouette");
}

#[test]
fn customers_tab() {
    snapshot_tab('5', "customers");
}

#[test]
fn help_popup() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('?'));
    for (width, height) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("help_{width}x{height}"),
            screen(&app, width, height)
        );
    }
    press(&mut app, KeyCode::Char('x'));
    assert!(!app.help, "any key closes the help");
}

#[test]
fn parameters_form() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('p'));
    insta::assert_snapshot!("parameters_80x24", screen(&app, 80, 24));
}

#[test]
fn search_filters_as_you_type_and_shows_the_customer() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('5'));
    let total = app.customers.visible.len();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "1785");
    let matching = app.customers.visible.len();
    assert!(matching < total && matching > 0, "{matching} of {total}");
    type_text(&mut app, "0");
    press(&mut app, KeyCode::Enter);
    let selected = app
        .customers
        .selected_row()
        .expect("a customer matches")
        .id
        .clone();
    assert_eq!(selected, "17850");
    let drawn = screen(&app, 120, 40);
    assert!(drawn.contains("Customer 17850"), "{drawn}");
    assert!(drawn.contains("KNN (") && drawn.contains("K-Means (") && drawn.contains("Both ("));
    insta::assert_snapshot!("customers_search_120x40", drawn);

    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.customers.visible.len(), total, "c clears the search");
}

#[test]
fn list_keys_move_the_selection() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    assert_eq!(app.customers.selected, 2);
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.customers.selected, 1);
    press(&mut app, KeyCode::End);
    assert_eq!(app.customers.selected, app.customers.visible.len() - 1);
    press(&mut app, KeyCode::PageUp);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.customers.selected, 0);
}

#[test]
fn filters_by_segment_and_agreement() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('s'));
    assert!(
        app.customers.rows.iter().filter(|r| r.segment == 0).count() == app.customers.visible.len()
    );
    press(&mut app, KeyCode::Char('a'));
    assert!(app
        .customers
        .visible
        .iter()
        .all(|&r| app.customers.rows[r].agreed > 0));
}

#[test]
fn tabs_cycle_with_tab_and_shift_tab() {
    let mut app = loaded_app();
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.tab, aisle::tui::app::Tab::Clusters);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.tab, aisle::tui::app::Tab::Correlation);
}

#[test]
fn a_failed_load_shows_the_message_not_a_crash() {
    let mut app = App::new(
        "missing.csv".into(),
        Params::default(),
        &BTreeMap::new(),
        false,
    );
    app.started(1, "analysing");
    app.on_worker(Message::Failed {
        job: 1,
        message: "cannot read `missing.csv`: No such file or directory (os error 2)".into(),
    });
    let drawn = screen(&app, 80, 24);
    assert!(drawn.contains("could not be analysed"), "{drawn}");
    assert!(drawn.contains("No such file"), "{drawn}");
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = loaded_app();
    for tab in ['1', '2', '3', '4', '5', '?'] {
        press(&mut app, KeyCode::Char(tab));
        for (w, h) in [(1, 1), (10, 5), (40, 10), (80, 24), (200, 60)] {
            screen(&app, w, h);
        }
        press(&mut app, KeyCode::Esc);
    }
}

#[test]
fn hot_path_timings_run_without_a_terminal() {
    let analysis = analysis();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/online_retail_sample.csv");
    let timings = aisle::tui::timing::hot_paths(
        &path,
        Arc::new(analysis.prepared.clone()),
        analysis.model.clone(),
        3,
        (120, 40),
    );
    assert_eq!(timings.customers, analysis.prepared.features.len());
    for ms in [
        timings.first_frame_ms,
        timings.key_press_ms,
        timings.search_keystroke_ms,
    ] {
        assert!(ms.is_finite() && ms >= 0.0);
    }
}

#[test]
fn evaluation_tab() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/online_retail_sample.csv");
    let split = chrono::NaiveDate::from_ymd_opt(2010, 12, 2);
    let evaluation = aisle::model::evaluate::evaluate_file(
        &path,
        &LoadOptions::default(),
        &CleaningRules::default(),
        &Params::default(),
        split,
        &Quiet,
    )
    .expect("the sample slice evaluates on its second day");

    let mut app = loaded_app();
    press(&mut app, KeyCode::Char('6'));
    let params = app
        .evaluation_wanted()
        .expect("a fitted model asks for an evaluation");
    app.evaluation_started(7, params);
    insta::assert_snapshot!("evaluation_running_80x24", screen(&app, 80, 24));
    app.on_evaluation(Message::Evaluated {
        job: 7,
        evaluation: Box::new(evaluation),
    });
    assert!(
        app.evaluation_wanted().is_none(),
        "one evaluation per set of parameters"
    );
    for (width, height) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("evaluation_{width}x{height}"),
            screen(&app, width, height)
        );
    }
    press(&mut app, KeyCode::Left);
    let drawn = screen(&app, 120, 40);
    assert!(
        drawn.contains("Top 3"),
        "← shows the shorter lists:\n{drawn}"
    );
}
