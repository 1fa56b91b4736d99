//! Clusters: customers per segment as bars with counts and shares, a plain-language label
//! per segment, and each segment's feature means against the overall mean.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::features::{FEATURE_NAMES, FEATURE_SHORT};
use crate::pipeline::Model;
use crate::report::thousands;
use crate::tui::widgets::{bar, fit, Theme};

pub fn draw(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let (mean, sd) = (model.inlier_mean.as_slice(), model.inlier_sd.as_slice());
    if mean.is_empty() {
        return;
    }

    let bars_height = model.k as u16 + 2;
    let [bars_area, profile_area] =
        Layout::vertical([Constraint::Length(bars_height), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(size_bars(model, theme, bars_area)),
        bars_area,
    );
    frame.render_widget(
        Paragraph::new(profile_table(model, mean, sd, theme, profile_area)),
        profile_area,
    );
}

fn size_bars(model: &Model, theme: Theme, area: Rect) -> Vec<Line<'static>> {
    let sizes = model.segmentation.sizes();
    let total = sizes.iter().sum::<usize>().max(1);
    let largest = sizes.iter().copied().max().unwrap_or(1) as f64;
    let width = area.width as usize;
    let bar_width = (width / 3).clamp(4, 40);
    let label_width = width.saturating_sub(bar_width + 22);
    let mut lines = vec![Line::styled(
        format!(
            "Inliers per segment (K = {}; {} outliers not counted)",
            model.k,
            crate::report::thousands(model.outliers.count())
        ),
        theme.accent(),
    )];
    for (segment, &size) in sizes.iter().enumerate() {
        let label = &model.labels[segment];
        lines.push(Line::from(vec![
            Span::raw(format!(
                " {segment:>2} {:>7} {:>5.1}% ",
                thousands(size),
                size as f64 * 100.0 / total as f64
            )),
            Span::styled(
                format!("{:<bar_width$}", bar(size as f64, largest, bar_width)),
                theme.bar(),
            ),
            Span::raw(format!(" {}", fit(label, label_width))),
        ]));
    }
    lines
}

/// Feature rows × segment columns: the segment mean with ▲/▼ when it stands half a
/// standard deviation or more above/below the overall mean.
fn profile_table(
    model: &Model,
    mean: &[f64],
    sd: &[f64],
    theme: Theme,
    area: Rect,
) -> Vec<Line<'static>> {
    const COLUMN: usize = 10;
    let wide = area.width >= 110;
    let name_width = if wide { 31 } else { 5 };
    let fits = ((area.width as usize).saturating_sub(name_width + COLUMN) / COLUMN).max(1);
    let shown = model.k.min(fits);

    let mut header = vec![Span::styled(
        format!("{:<name_width$}{:>COLUMN$}", "Profile", "all"),
        theme.accent(),
    )];
    for segment in 0..shown {
        header.push(Span::styled(
            format!("{:>COLUMN$}", format!("seg {segment}")),
            theme.accent(),
        ));
    }
    if shown < model.k {
        header.push(Span::styled(
            format!("  +{} more (wider screen)", model.k - shown),
            theme.dim(),
        ));
    }
    let mut lines = vec![Line::from(header)];
    for f in 0..FEATURE_NAMES.len() {
        let name = if wide {
            FEATURE_NAMES[f]
        } else {
            FEATURE_SHORT[f]
        };
        let mut spans = vec![Span::raw(format!(
            "{:<name_width$}{:>COLUMN$}",
            name,
            compact(mean[f])
        ))];
        for segment in 0..shown {
            let value = model.profiles[segment].means[f];
            let z = if sd[f] > 0.0 {
                (value - mean[f]) / sd[f]
            } else {
                0.0
            };
            let (mark, style) = match z {
                z if z >= 0.5 => ("▲", theme.accent()),
                z if z <= -0.5 => ("▼", theme.warning()),
                _ => (" ", Style::new()),
            };
            spans.push(Span::raw(format!("{:>w$}", compact(value), w = COLUMN - 1)));
            spans.push(Span::styled(mark, style));
        }
        lines.push(Line::from(spans));
    }
    if !wide {
        lines.push(Line::styled(
            "▲▼ ≥ ½ sd above/below all inliers; names: Correlation tab key",
            theme.dim(),
        ));
    }
    lines
}

/// Numbers in at most 8 characters: `4,310`, `12.5k`, `0.031`.
fn compact(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if magnitude >= 1e4 {
        format!("{:.1}k", value / 1e3)
    } else if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}
