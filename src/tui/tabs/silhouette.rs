//! Silhouette: mean silhouette against K with the chosen K marked, the chosen K's
//! silhouette per segment, and cumulative explained variance against the number of
//! principal components with the retained count marked.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

use crate::model::reduce::VARIANCE_TARGET;
use crate::pipeline::Model;
use crate::tui::widgets::{bar, Theme};

pub fn draw(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let profile_height = model.k as u16 + 2;
    let wide = area.width >= 110;
    let [charts, profile] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(profile_height)]).areas(area);
    let [left, right] = if wide {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(charts)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(charts)
    };
    silhouette_chart(model, theme, frame, left);
    variance_chart(model, theme, frame, right);
    frame.render_widget(
        Paragraph::new(segment_profile(model, theme, profile.width)),
        profile,
    );
}

fn silhouette_chart(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let scores = model.silhouette();
    let points: Vec<(f64, f64)> = scores.iter().map(|s| (s.k as f64, s.score)).collect();
    let chosen: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0 as usize == model.k)
        .collect();
    let low = points
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .min(0.0);
    let high = points
        .iter()
        .map(|p| p.1)
        .fold(f64::NEG_INFINITY, f64::max)
        .max(0.1);
    let (first, last) = (
        points.first().map_or(2.0, |p| p.0),
        points.last().map_or(12.0, |p| p.0),
    );
    let sample = model
        .silhouette_sample()
        .map_or(String::new(), |n| format!(", sample of {n}"));
    let datasets = vec![
        Dataset::default()
            .name("mean silhouette")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.bar())
            .data(&points),
        Dataset::default()
            .name(format!("chosen K = {}", model.k))
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(theme.warning())
            .data(&chosen),
    ];
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(format!(
            " Mean silhouette by K{sample} · █ chosen K = {} ",
            model.k
        )))
        .x_axis(
            Axis::default()
                .title("K")
                .bounds([first, last])
                .labels(axis_labels(first, model.k as f64, last)),
        )
        .y_axis(
            Axis::default()
                .bounds([low, high])
                .labels([format!("{low:.2}"), format!("{high:.2}")]),
        );
    frame.render_widget(chart, area);
}

fn variance_chart(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let cumulative = model.reduction.cumulative();
    let points: Vec<(f64, f64)> = cumulative
        .iter()
        .enumerate()
        .map(|(i, v)| ((i + 1) as f64, *v))
        .collect();
    let kept: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0 as usize == model.reduction.components)
        .collect();
    let target: Vec<(f64, f64)> = vec![
        (1.0, VARIANCE_TARGET),
        (points.len() as f64, VARIANCE_TARGET),
    ];
    let datasets = vec![
        Dataset::default()
            .name("cumulative explained variance")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.bar())
            .data(&points),
        Dataset::default()
            .name(format!("{:.0} % target", VARIANCE_TARGET * 100.0))
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(theme.dim())
            .data(&target),
        Dataset::default()
            .name(format!(
                "{} kept ({:.3})",
                model.reduction.components,
                model.reduction.kept_variance()
            ))
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(theme.warning())
            .data(&kept),
    ];
    let n = points.len() as f64;
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(format!(
            " Cumulative explained variance · █ {} components kept ({:.3}) ",
            model.reduction.components,
            model.reduction.kept_variance()
        )))
        .x_axis(
            Axis::default()
                .title("components")
                .bounds([1.0, n.max(2.0)])
                .labels(axis_labels(1.0, model.reduction.components as f64, n)),
        )
        .y_axis(Axis::default().bounds([0.0, 1.0]).labels(["0", "0.5", "1"]));
    frame.render_widget(chart, area);
}

fn segment_profile(model: &Model, theme: Theme, width: u16) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        format!(
            "Silhouette per segment at K = {} (mean, share below 0)",
            model.k
        ),
        theme.accent(),
    )];
    let bar_width = (width as usize).saturating_sub(34).min(50);
    for (segment, values) in model.segment_silhouettes.iter().enumerate() {
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        let negative =
            values.iter().filter(|&&v| v < 0.0).count() as f64 / values.len().max(1) as f64;
        let style = if mean < 0.0 {
            theme.warning()
        } else {
            theme.bar()
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                " seg {segment:>2} {mean:>6.3} {:>5.1}% <0 ",
                negative * 100.0
            )),
            Span::styled(bar(mean.max(0.0), 1.0, bar_width), style),
            Span::styled("", Style::new()),
        ]));
    }
    lines
}

/// The ends of an axis; ratatui spaces labels evenly, so a marked value in between would
/// sit at the wrong place (the legend names it instead).
fn axis_labels(first: f64, _mark: f64, last: f64) -> Vec<String> {
    vec![format!("{first}"), format!("{last}")]
}
