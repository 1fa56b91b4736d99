//! Drawing: `render(&App, frame)` lays out the tab bar, the status line, the current tab,
//! the footer of key hints and any popup. It reads the state and never changes it.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Tabs, Wrap};
use ratatui::Frame;

use super::app::{App, Tab};
use super::form::FIELDS;
use super::keys::{key_label, Command};
use super::tabs;
use super::widgets::{centred, fit, Theme};
use crate::pipeline::Stage;

const SPINNER: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];

pub fn render(app: &App, frame: &mut Frame) {
    let theme = Theme { color: app.color };
    let [tab_bar, status, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    draw_tab_bar(app, theme, frame, tab_bar);
    draw_status(app, theme, frame, status);
    draw_body(app, theme, frame, body);
    draw_footer(app, theme, frame, footer);

    if app.help {
        draw_help(app, theme, frame);
    }
    if app.form.is_some() {
        draw_form(app, theme, frame);
    }
}

fn draw_tab_bar(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let titles: Vec<Line> = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let title = match area.width {
                _ if t == app.tab => t.title(),
                0..64 => "",
                64..100 => t.short_title(),
                _ => t.title(),
            };
            Line::from(format!("{} {title}", i + 1).trim_end().to_string())
        })
        .collect();
    let selected = Tab::ALL.iter().position(|&t| t == app.tab).unwrap_or(0);
    let [name, tabs_area] =
        Layout::horizontal([Constraint::Length(7), Constraint::Min(1)]).areas(area);
    frame.render_widget(Span::styled(" aisle ", theme.accent()), name);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(theme.selected())
            .divider("│")
            .padding(" ", " "),
        tabs_area,
    );
}

fn draw_status(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    if let Some(busy) = &app.busy {
        let spinner = SPINNER[(app.tick % SPINNER.len() as u64) as usize];
        let stage = busy.stage.map_or_else(
            || "starting".to_string(),
            |s| {
                format!(
                    "stage {} of {}: {}",
                    s.number(),
                    Stage::ALL.len(),
                    s.label()
                )
            },
        );
        spans.push(Span::styled(
            format!(" {spinner} {} · {stage}", busy.what),
            theme.warning(),
        ));
    } else if let Some(error) = &app.error {
        spans.push(Span::styled(format!(" ✖ {error}"), theme.error()));
    } else if let Some(notice) = &app.notice {
        // Paths matter at their end: keep the tail of a long notice.
        let width = area.width.saturating_sub(2) as usize;
        let count = notice.chars().count();
        let shown = if count > width {
            let tail: String = notice.chars().skip(count + 1 - width).collect();
            format!("…{tail}")
        } else {
            notice.clone()
        };
        spans.push(Span::styled(format!(" {shown}"), theme.accent()));
    } else if let (Some(prepared), Some(model)) = (&app.prepared, &app.model) {
        spans.push(Span::raw(format!(
            " {} · {} rows · {} customers · K = {} · seed {}",
            app.file,
            crate::report::thousands(prepared.quality.rows),
            crate::report::thousands(prepared.features.len()),
            model.k,
            model.params.seed
        )));
    } else {
        spans.push(Span::raw(format!(" {}", app.file)));
    }
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    let style = spans.first().map_or(Style::new(), |s| s.style);
    frame.render_widget(Span::styled(fit(&text, area.width as usize), style), area);
}

fn draw_body(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let Some(prepared) = &app.prepared else {
        let message = match (&app.error, &app.busy) {
            (Some(error), _) => vec![
                Line::styled("The file could not be analysed:", theme.error()),
                Line::raw(""),
                Line::raw(error.clone()),
                Line::raw(""),
                Line::raw("Press q to quit."),
            ],
            (None, Some(_)) => vec![Line::raw("Reading the sales log…")],
            (None, None) => vec![Line::raw("No data.")],
        };
        frame.render_widget(
            Paragraph::new(message)
                .wrap(Wrap { trim: true })
                .block(Block::bordered()),
            area,
        );
        return;
    };
    match app.tab {
        Tab::Quality => tabs::quality::draw(
            prepared,
            app.model.as_ref(),
            app.busy.is_some(),
            theme,
            frame,
            area,
        ),
        _ => match &app.model {
            Some(model) => match app.tab {
                Tab::Correlation => tabs::correlation::draw(model, app.cell, theme, frame, area),
                Tab::Clusters => tabs::clusters::draw(model, theme, frame, area),
                Tab::Silhouette => tabs::silhouette::draw(model, theme, frame, area),
                Tab::Customers => tabs::customers::draw(app, prepared, model, theme, frame, area),
                Tab::Evaluation => {
                    tabs::evaluation::draw(&app.evaluation, app.tick, theme, frame, area)
                }
                Tab::Quality => {}
            },
            None => {
                let text = if app.error.is_some() {
                    "The models could not be fitted; see the message above. Press p to change the parameters."
                } else {
                    "Fitting the models…"
                };
                frame.render_widget(
                    Paragraph::new(text)
                        .wrap(Wrap { trim: true })
                        .block(Block::bordered()),
                    area,
                );
            }
        },
    }
}

fn draw_footer(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, label) in app.hints() {
        let width = key.chars().count() + label.chars().count() + 3;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), theme.accent()));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Line::from(spans), area);
}

fn draw_help(app: &App, theme: Theme, frame: &mut Frame) {
    let tab_keys: Vec<String> = app
        .bindings
        .iter()
        .filter(|b| matches!(b.command, Command::GoToTab(_)))
        .filter_map(|b| b.keys.first().map(key_label))
        .collect();
    let mut entries: Vec<Line> = vec![Line::from(vec![
        Span::styled(format!("{:>11} ", tab_keys.join("")), theme.accent()),
        Span::raw("go to a tab by its number"),
    ])];
    entries.extend(
        app.bindings
            .iter()
            .filter(|b| !matches!(b.command, Command::GoToTab(_)))
            .map(|binding| {
                let keys: Vec<String> = binding.keys.iter().map(key_label).collect();
                let scope = match binding.scope {
                    super::keys::Scope::Everywhere => String::new(),
                    super::keys::Scope::Tabs(tabs) => {
                        let names: Vec<&str> = tabs.iter().map(|t| t.short_title()).collect();
                        format!(" ({})", names.join(", "))
                    }
                };
                Line::from(vec![
                    Span::styled(format!("{:>11} ", keys.join(" ")), theme.accent()),
                    Span::raw(format!("{}{scope}", binding.description)),
                ])
            }),
    );
    entries.push(Line::raw(
        "Search: type, Enter keeps, Esc or Ctrl-u clears.",
    ));
    entries.push(Line::raw(
        "Form: ↑↓ field, ←→ or digits, Enter applies, Esc.",
    ));

    // One column when it fits the screen, else two side by side.
    let screen = frame.area();
    let columns = if entries.len() as u16 + 2 > screen.height && screen.width >= 100 {
        2
    } else {
        1
    };
    let rows = entries.len().div_ceil(columns);
    let width = if columns == 2 { 150 } else { 84 };
    let area = centred(screen, width, rows as u16 + 2);
    frame.render_widget(Clear, area);
    let block = Block::bordered().title(" Help · any key closes ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let parts =
        Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(inner);
    for (part, chunk) in parts.iter().zip(entries.chunks(rows.max(1))) {
        frame.render_widget(Paragraph::new(chunk.to_vec()), *part);
    }
}

fn draw_form(app: &App, theme: Theme, frame: &mut Frame) {
    let Some(form) = &app.form else { return };
    let mut lines = Vec::new();
    for (i, name) in FIELDS.iter().enumerate() {
        let style = if i == form.field {
            theme.selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::raw(format!(" {name:<16}")),
            Span::styled(format!(" {:<10}", form.values[i]), style),
        ]));
    }
    lines.push(Line::raw(""));
    match &form.error {
        Some(error) => lines.push(Line::styled(format!(" {error}"), theme.error())),
        None => lines.push(Line::styled(
            " Enter apply · Esc cancel · ←→ step",
            theme.dim(),
        )),
    }
    // Room for an error of two lines at 60 columns.
    let area = centred(frame.area(), 60, lines.len() as u16 + 3);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Parameters ")),
        area,
    );
}
