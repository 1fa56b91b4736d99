//! The workbench's state and the one place it changes: `App::update(action)`. Drawing
//! reads this state and never changes it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::customer_list::CustomerList;
use super::form::{FormAction, ParamsForm};
use super::keys::{bindings_with, lookup, Binding, Command};
use super::worker::Message;
use crate::model::evaluate::Evaluation;
use crate::pipeline::{Model, Params, Prepared, Stage};

/// The tabs, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Quality,
    Correlation,
    Clusters,
    Silhouette,
    Customers,
    Evaluation,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Quality,
        Tab::Correlation,
        Tab::Clusters,
        Tab::Silhouette,
        Tab::Customers,
        Tab::Evaluation,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Quality => "Quality",
            Tab::Correlation => "Correlation",
            Tab::Clusters => "Clusters",
            Tab::Silhouette => "Silhouette",
            Tab::Customers => "Customers",
            Tab::Evaluation => "Evaluation",
        }
    }

    /// A shorter title for narrow screens.
    pub fn short_title(self) -> &'static str {
        match self {
            Tab::Correlation => "Corr",
            Tab::Silhouette => "Silh",
            Tab::Evaluation => "Eval",
            other => other.title(),
        }
    }

    /// Command name of "go to this tab" in the config file.
    pub fn key_name(self) -> &'static str {
        match self {
            Tab::Quality => "tab_quality",
            Tab::Correlation => "tab_correlation",
            Tab::Clusters => "tab_clusters",
            Tab::Silhouette => "tab_silhouette",
            Tab::Customers => "tab_customers",
            Tab::Evaluation => "tab_evaluation",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }
}

/// Everything that can change the state.
#[derive(Debug, Clone)]
pub enum Action {
    Command(Command),
    SearchInput(char),
    SearchClear,
    SearchBackspace,
    /// Leave the search box; `keep` keeps the filter.
    SearchDone {
        keep: bool,
    },
    Form(FormAction),
    ClosePopup,
    /// The export finished: the full path or the error.
    Exported(Result<String, String>),
    Tick,
}

/// What the UI should do after an update, beyond redrawing.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    None,
    Quit,
    Refit(Params),
    Export,
}

/// A job in flight on the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub job: u64,
    pub stage: Option<Stage>,
    pub what: &'static str,
}

pub struct App {
    pub file: String,
    pub tab: Tab,
    pub bindings: Vec<Binding>,
    pub prepared: Option<Arc<Prepared>>,
    pub model: Option<Model>,
    pub params: Params,
    pub busy: Option<Busy>,
    pub error: Option<String>,
    /// A one-line message for the status bar (export path, config warnings).
    pub notice: Option<String>,
    pub customers: CustomerList,
    /// Selected cell of the correlation heatmap (row, column).
    pub cell: (usize, usize),
    pub help: bool,
    pub form: Option<ParamsForm>,
    pub searching: bool,
    pub color: bool,
    pub tick: u64,
    pub evaluation: EvaluationState,
}

/// The offline evaluation, which runs on a worker of its own after each fit.
#[derive(Default)]
pub struct EvaluationState {
    pub result: Option<Arc<Evaluation>>,
    pub busy: Option<Busy>,
    /// The parameters that failed and why, so the same request is not repeated.
    pub failed: Option<(Params, String)>,
    /// Position among the result's list lengths.
    pub cutoff: usize,
    /// The parameters of the evaluation running or last asked for.
    pub requested: Option<Params>,
}

impl App {
    pub fn new(
        file: String,
        params: Params,
        key_overrides: &BTreeMap<String, String>,
        color: bool,
    ) -> App {
        let (bindings, warnings) = bindings_with(key_overrides);
        App {
            file,
            tab: Tab::Quality,
            bindings,
            prepared: None,
            model: None,
            params,
            busy: None,
            error: None,
            notice: (!warnings.is_empty()).then(|| warnings.join("; ")),
            customers: CustomerList::default(),
            cell: (1, 0),
            help: false,
            form: None,
            searching: false,
            color,
            tick: 0,
            evaluation: EvaluationState::default(),
        }
    }

    /// Marks a submitted job as running.
    pub fn started(&mut self, job: u64, what: &'static str) {
        self.busy = Some(Busy {
            job,
            stage: None,
            what,
        });
        self.error = None;
    }

    /// Turns a key press into an action, given what is open.
    pub fn action_for_key(&self, key: KeyEvent) -> Option<Action> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Action::Command(Command::Quit));
        }
        if self.form.is_some() {
            return FormAction::from_key(key).map(Action::Form);
        }
        if self.help {
            return Some(Action::ClosePopup);
        }
        if self.searching {
            return match key.code {
                KeyCode::Esc => Some(Action::SearchDone { keep: false }),
                KeyCode::Enter | KeyCode::Down | KeyCode::Up => {
                    Some(Action::SearchDone { keep: true })
                }
                KeyCode::Backspace => Some(Action::SearchBackspace),
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    Some(Action::SearchClear)
                }
                KeyCode::Char(_)
                    if key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    None
                }
                KeyCode::Char(c) => Some(Action::SearchInput(c)),
                _ => None,
            };
        }
        if key.code == KeyCode::Esc {
            return Some(Action::ClosePopup);
        }
        lookup(&self.bindings, self.tab, key).map(Action::Command)
    }

    /// Applies a message from the worker; messages of abandoned jobs are ignored.
    pub fn on_worker(&mut self, message: Message) {
        let current = self.busy.as_ref().map(|b| b.job);
        match message {
            Message::Stage { job, stage } if Some(job) == current => {
                if let Some(busy) = &mut self.busy {
                    busy.stage = Some(stage);
                }
            }
            Message::Prepared { job, prepared } if Some(job) == current => {
                self.prepared = Some(prepared);
            }
            Message::Fitted { job, model } if Some(job) == current => {
                self.busy = None;
                self.set_model(*model);
            }
            Message::Failed { job, message } if Some(job) == current => {
                self.busy = None;
                self.error = Some(message);
            }
            _ => {}
        }
    }

    /// The parameters to evaluate, when the fitted model has no evaluation yet and none is
    /// running or has failed for them.
    pub fn evaluation_wanted(&self) -> Option<Params> {
        let model = self.model.as_ref()?;
        let state = &self.evaluation;
        let done = state
            .result
            .as_ref()
            .is_some_and(|e| e.params == model.params);
        let failed = state
            .failed
            .as_ref()
            .is_some_and(|(p, _)| *p == model.params);
        let running = state.busy.is_some();
        (self.busy.is_none() && !done && !failed && !running).then(|| model.params.clone())
    }

    /// Marks an evaluation as running for `params`.
    pub fn evaluation_started(&mut self, job: u64, params: Params) {
        self.evaluation.busy = Some(Busy {
            job,
            stage: None,
            what: "evaluating",
        });
        self.evaluation.failed = None;
        self.evaluation.requested = Some(params);
    }

    /// Applies a message from the evaluation worker.
    pub fn on_evaluation(&mut self, message: Message) {
        let state = &mut self.evaluation;
        let current = state.busy.as_ref().map(|b| b.job);
        match message {
            Message::Stage { job, stage } if Some(job) == current => {
                if let Some(busy) = &mut state.busy {
                    busy.stage = Some(stage);
                }
            }
            Message::Evaluated { job, evaluation } if Some(job) == current => {
                state.busy = None;
                if state.cutoff >= evaluation.cutoffs.len() || state.result.is_none() {
                    state.cutoff = evaluation
                        .cutoffs
                        .iter()
                        .position(|&n| n == 10)
                        .unwrap_or(0);
                }
                state.result = Some(Arc::new(*evaluation));
            }
            Message::Failed { job, message } if Some(job) == current => {
                state.busy = None;
                let params = state.requested.clone().unwrap_or_default();
                state.failed = Some((params, message));
            }
            _ => {}
        }
    }

    /// Installs fitted models and rebuilds the customer rows from them.
    pub fn set_model(&mut self, model: Model) {
        if let Some(prepared) = &self.prepared {
            self.customers.rebuild(prepared, &model);
        }
        self.params = model.params.clone();
        self.model = Some(model);
    }

    pub fn update(&mut self, action: Action) -> Effect {
        match action {
            Action::Tick => {
                self.tick = self.tick.wrapping_add(1);
                Effect::None
            }
            Action::ClosePopup => {
                self.help = false;
                self.form = None;
                Effect::None
            }
            Action::SearchInput(c) => {
                self.customers.push_search(c);
                Effect::None
            }
            Action::SearchClear => {
                self.customers.set_search(String::new());
                Effect::None
            }
            Action::SearchBackspace => {
                self.customers.pop_search();
                Effect::None
            }
            Action::SearchDone { keep } => {
                self.searching = false;
                if !keep {
                    self.customers.set_search(String::new());
                }
                Effect::None
            }
            Action::Form(action) => self.update_form(action),
            Action::Exported(result) => {
                self.notice = Some(match result {
                    Ok(path) => format!("exported to {path}"),
                    Err(message) => format!("export failed: {message}"),
                });
                Effect::None
            }
            Action::Command(command) => {
                // A notice stays until the next command.
                self.notice = None;
                self.run(command)
            }
        }
    }

    fn update_form(&mut self, action: FormAction) -> Effect {
        let Some(form) = &mut self.form else {
            return Effect::None;
        };
        match action {
            FormAction::Cancel => {
                self.form = None;
                Effect::None
            }
            FormAction::Apply => match form.params(&self.params) {
                Ok(params) => {
                    self.form = None;
                    Effect::Refit(params)
                }
                Err(message) => {
                    form.error = Some(message);
                    Effect::None
                }
            },
            other => {
                form.apply(other);
                Effect::None
            }
        }
    }

    fn run(&mut self, command: Command) -> Effect {
        match command {
            Command::Quit => return Effect::Quit,
            Command::NextTab => self.tab = Tab::ALL[(self.tab.index() + 1) % Tab::ALL.len()],
            Command::PreviousTab => {
                self.tab = Tab::ALL[(self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
            }
            Command::GoToTab(i) => self.tab = Tab::ALL[i.min(Tab::ALL.len() - 1)],
            Command::Help => self.help = true,
            Command::Parameters => self.form = Some(ParamsForm::new(&self.params)),
            Command::Export => {
                if self.model.is_some() {
                    return Effect::Export;
                }
                self.notice = Some(
                    "nothing to export yet: the recommendations are still being computed".into(),
                );
            }
            Command::Search => self.searching = true,
            Command::SegmentFilter => {
                let k = self.model.as_ref().map_or(0, |m| m.k);
                self.customers.cycle_segment(k);
            }
            Command::AgreedFilter => self.customers.toggle_agreed(),
            Command::ClearFilters => self.customers.clear_filters(),
            Command::Up | Command::Down | Command::Left | Command::Right => self.step(command),
            Command::PageUp => self
                .customers
                .move_by(-(self.customers.page.get().max(1) as isize)),
            Command::PageDown => self
                .customers
                .move_by(self.customers.page.get().max(1) as isize),
            Command::Home => self.customers.move_to(0),
            Command::End => self.customers.move_to(usize::MAX),
        }
        Effect::None
    }

    fn step(&mut self, command: Command) {
        let features = crate::features::FEATURE_NAMES.len();
        match (self.tab, command) {
            (Tab::Customers, Command::Up) => self.customers.move_by(-1),
            (Tab::Customers, Command::Down) => self.customers.move_by(1),
            (Tab::Correlation, Command::Up) => self.cell.0 = self.cell.0.saturating_sub(1),
            (Tab::Correlation, Command::Down) => self.cell.0 = (self.cell.0 + 1).min(features - 1),
            (Tab::Correlation, Command::Left) => self.cell.1 = self.cell.1.saturating_sub(1),
            (Tab::Correlation, Command::Right) => self.cell.1 = (self.cell.1 + 1).min(features - 1),
            (Tab::Evaluation, Command::Left) => {
                self.evaluation.cutoff = self.evaluation.cutoff.saturating_sub(1);
            }
            (Tab::Evaluation, Command::Right) => {
                let last = self
                    .evaluation
                    .result
                    .as_ref()
                    .map_or(0, |e| e.cutoffs.len() - 1);
                self.evaluation.cutoff = (self.evaluation.cutoff + 1).min(last);
            }
            _ => {}
        }
    }

    /// The hints for the footer: the commands of the current tab marked for it.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        if self.searching {
            return vec![
                ("type".into(), "search"),
                ("Enter".into(), "keep"),
                ("Esc".into(), "clear"),
            ];
        }
        self.bindings
            .iter()
            .filter(|b| b.scope.includes(self.tab))
            .filter_map(|b| Some((super::keys::key_label(b.keys.first()?), b.hint?)))
            .collect()
    }
}
