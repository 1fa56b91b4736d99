//! Correlation: the heatmap of the inliers' feature correlations, a colour legend (or
//! shading without colour), the selected cell in full and the strongest pairs.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::features::{FEATURE_NAMES, FEATURE_SHORT};
use crate::model::stats::strongest_pairs;
use crate::pipeline::Model;
use crate::tui::widgets::{fit, shade, Theme};

const LABEL: usize = 5;

pub fn draw(model: &Model, cell: (usize, usize), theme: Theme, frame: &mut Frame, area: Rect) {
    let n = FEATURE_NAMES.len();
    let side_by_side = area.width >= 110;
    let (map_area, notes_area) = if side_by_side {
        let [a, b] = Layout::horizontal([
            Constraint::Length((LABEL + 6 * n + 3) as u16),
            Constraint::Min(20),
        ])
        .areas(area);
        (a, b)
    } else {
        let [a, b] =
            Layout::vertical([Constraint::Length(n as u16 + 1), Constraint::Min(0)]).areas(area);
        (a, b)
    };
    let cell_width = ((map_area.width as usize).saturating_sub(LABEL) / n).clamp(1, 6);
    frame.render_widget(
        Paragraph::new(heatmap(model, cell, cell_width, theme)),
        map_area,
    );
    frame.render_widget(
        Paragraph::new(notes(model, cell, theme, notes_area, side_by_side)),
        notes_area,
    );
}

fn heatmap(model: &Model, cell: (usize, usize), width: usize, theme: Theme) -> Vec<Line<'static>> {
    let r = &model.correlation;
    let n = FEATURE_NAMES.len();
    let mut header = vec![Span::raw(" ".repeat(LABEL))];
    for (j, name) in FEATURE_SHORT.iter().enumerate() {
        let style = if j == cell.1 {
            theme.accent()
        } else {
            Style::new()
        };
        header.push(Span::styled(format!("{:>width$}", fit(name, width)), style));
    }
    let mut lines = vec![Line::from(header)];
    for i in 0..n {
        let style = if i == cell.0 {
            theme.accent()
        } else {
            Style::new()
        };
        let mut spans = vec![Span::styled(format!("{:<LABEL$}", FEATURE_SHORT[i]), style)];
        for j in 0..n {
            let value = r[[i, j]];
            let text = cell_text(value, width, theme.color);
            let mut style = theme.heat(value);
            if (i, j) == cell {
                style = theme.selected();
            }
            spans.push(Span::styled(text, style));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// The value where it fits (`-.82`, ` 1.0`), else shading or blank colour.
/// The value where it fits (`-.82`, ` 1.0`); without colour a shading block goes before
/// it when there is room, or fills the cell when the value does not fit.
fn cell_text(value: f64, width: usize, color: bool) -> String {
    let number = if !value.is_finite() {
        "n/a".to_string()
    } else if value.abs() >= 0.995 {
        format!("{:.1}", value)
    } else {
        format!("{:.2}", value).replace("0.", ".")
    };
    match (color, width) {
        (true, 4..) => format!("{number:>width$}"),
        (true, _) => " ".repeat(width),
        (false, 5..) => format!("{}{number:>w$}", shade(value), w = width - 1),
        (false, _) => shade(value).to_string().repeat(width),
    }
}

fn notes(
    model: &Model,
    cell: (usize, usize),
    theme: Theme,
    area: Rect,
    side: bool,
) -> Vec<Line<'static>> {
    let width = area.width.saturating_sub(1) as usize;
    let value = model.correlation[[cell.0, cell.1]];
    let mut lines = vec![Line::from(vec![
        Span::styled("Selected ", theme.accent()),
        Span::raw(fit(
            &format!(
                "{} × {} = {:+.3}",
                FEATURE_NAMES[cell.0], FEATURE_NAMES[cell.1], value
            ),
            width.saturating_sub(9),
        )),
    ])];
    let legend = if theme.color {
        let mut spans = vec![Span::raw("Scale  −1 ")];
        for v in [-0.95, -0.8, -0.6, -0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 0.95] {
            spans.push(Span::styled("  ", theme.heat(v)));
        }
        spans.push(Span::raw(" +1"));
        Line::from(spans)
    } else {
        Line::raw("Shading by |r|: ' ' <.2  ░ <.4  ▒ <.6  ▓ <.8  █ ≥.8; sign in the value")
    };
    lines.push(legend);
    lines.push(Line::styled("Strongest pairs", theme.accent()));
    let pairs = strongest_pairs(&model.correlation, if side { 8 } else { 5 });
    for (i, j, v) in pairs {
        lines.push(Line::raw(fit(
            &format!(" {:+.2}  {} × {}", v, FEATURE_NAMES[i], FEATURE_NAMES[j]),
            width,
        )));
    }
    lines.push(Line::styled("Key", theme.accent()));
    if side {
        for (short, name) in FEATURE_SHORT.iter().zip(FEATURE_NAMES) {
            lines.push(Line::raw(fit(&format!(" {short:<5}{name}"), width)));
        }
    } else {
        let mut line = String::new();
        for (short, name) in FEATURE_SHORT.iter().zip(FEATURE_NAMES) {
            let entry = format!(" {short}={name};");
            if line.chars().count() + entry.chars().count() > width {
                lines.push(Line::raw(std::mem::take(&mut line)));
            }
            line.push_str(&entry);
        }
        lines.push(Line::raw(line));
    }
    lines
}
