//! Quality: rows and dates, missing values per column, the cleaning rules and what they
//! removed, inliers and outliers, the most frequent stock codes and descriptions.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::pipeline::{Model, Prepared};
use crate::report::{format_timestamp, thousands};
use crate::tui::widgets::{bar, fit, Theme};

pub fn draw(
    prepared: &Prepared,
    model: Option<&Model>,
    busy: bool,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    frame.render_widget(
        Paragraph::new(summary(prepared, model, busy, theme, left.width)),
        left,
    );
    frame.render_widget(Paragraph::new(top_lists(prepared, theme, right)), right);
}

fn summary(
    prepared: &Prepared,
    model: Option<&Model>,
    busy: bool,
    theme: Theme,
    width: u16,
) -> Vec<Line<'static>> {
    let q = &prepared.quality;
    let load = &prepared.load;
    let inner = width.saturating_sub(2) as usize;
    let mut lines = vec![
        Line::styled(
            fit(
                &format!(
                    "Log: {} · {} · {}",
                    load.format,
                    load.encoding,
                    load.date_order.short()
                ),
                inner,
            ),
            theme.accent(),
        ),
        Line::raw(fit(
            &format!(
                " {} rows · {} invoices",
                thousands(q.rows),
                thousands(q.invoices)
            ),
            inner,
        )),
        Line::raw(fit(
            &format!(
                " {} → {}",
                format_timestamp(q.first_timestamp),
                format_timestamp(q.last_timestamp)
            ),
            inner,
        )),
        Line::styled("Missing values", theme.accent()),
    ];
    let bar_width = inner.saturating_sub(22).min(30);
    for (column, share) in &q.missing {
        lines.push(Line::from(vec![
            Span::raw(format!(" {:<12}{:>6.2}% ", column, share * 100.0)),
            Span::styled(bar(*share, 1.0, bar_width), theme.bar()),
        ]));
    }

    lines.push(Line::styled(
        "Cleaning                      removed",
        theme.accent(),
    ));
    for rule in &prepared.cleaned.rules {
        let count = if rule.rule.starts_with("cancellations") {
            format!("{} kept", thousands(prepared.cleaned.cancellations_kept))
        } else {
            thousands(rule.removed)
        };
        lines.push(Line::raw(format!(
            " {:<26}{:>10}",
            fit(&rule.rule, 26),
            count
        )));
    }
    lines.push(Line::raw(format!(
        " {} clean rows, {} customers",
        thousands(prepared.cleaned.frame.height()),
        thousands(prepared.features.len())
    )));
    lines.push(match model {
        Some(m) => Line::raw(fit(
            &format!(
                " inliers {} · outliers {} ({:.0} %)",
                thousands(m.inliers.len()),
                thousands(m.outliers.count()),
                m.params.outlier_share * 100.0
            ),
            inner,
        )),
        None if busy => Line::styled(" outliers: computing…", theme.dim()),
        None => Line::styled(
            " outliers: not computed (see the message above)",
            theme.dim(),
        ),
    });
    lines
}

fn top_lists(prepared: &Prepared, theme: Theme, area: Rect) -> Vec<Line<'static>> {
    let q = &prepared.quality;
    let inner = area.width.saturating_sub(1) as usize;
    let per_list = ((area.height as usize).saturating_sub(2) / 2).clamp(1, 10);
    let mut lines = vec![Line::styled("Top stock codes (rows)", theme.accent())];
    let max = q.top_stock_codes.first().map_or(1, |t| t.1) as f64;
    for (code, n) in q.top_stock_codes.iter().take(per_list) {
        let bar_width = inner.saturating_sub(18).min(24);
        lines.push(Line::from(vec![
            Span::raw(format!(" {:<8}{:>7} ", fit(code, 8), thousands(*n))),
            Span::styled(bar(*n as f64, max, bar_width), theme.bar()),
        ]));
    }
    lines.push(Line::styled("Top descriptions (rows)", theme.accent()));
    for (description, n) in q.top_descriptions.iter().take(per_list) {
        let name_width = inner.saturating_sub(9);
        lines.push(Line::raw(format!(
            " {:<name_width$}{:>7}",
            fit(description.trim(), name_width),
            thousands(*n)
        )));
    }
    lines
}
