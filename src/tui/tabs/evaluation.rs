//! Evaluation: how well each method's lists predicted what customers bought after a time
//! split, with the best value per metric marked, and the claim under test — are items on
//! both lists bought more often than items on one list only?

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::model::evaluate::{Evaluation, Recommender};
use crate::model::metrics::ItemPrecision;
use crate::pipeline::Stage;
use crate::report::thousands;
use crate::tui::app::EvaluationState;
use crate::tui::widgets::{bar, fit, Theme};

/// Metric columns: title and how to read it from one method's scores.
const METRICS: [&str; 7] = [
    "precision",
    "recall",
    "hit rate",
    "NDCG",
    "MAP",
    "coverage",
    "customers",
];
/// The same for narrow screens.
const METRICS_SHORT: [&str; 7] = ["prec", "recall", "hit", "NDCG", "MAP", "cover", "cust"];

pub fn draw(state: &EvaluationState, tick: u64, theme: Theme, frame: &mut Frame, area: Rect) {
    let Some(evaluation) = &state.result else {
        let text = match (&state.busy, &state.failed) {
            (Some(busy), _) => {
                let stage = busy
                    .stage
                    .map_or("starting".to_string(), |s| s.label().to_string());
                let dots = ".".repeat((tick % 4) as usize);
                format!(
                    "Evaluating on a time split{dots}\n\nThe models are fitted again on the first three quarters \
                     of the log and scored against what customers bought afterwards ({stage}, stage {} of {}).",
                    busy.stage.map_or(0, Stage::number),
                    Stage::ALL.len() + 1
                )
            }
            (None, Some((_, message))) => format!("The evaluation could not run: {message}"),
            (None, None) => "The evaluation starts when the models are fitted.".to_string(),
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    };
    let n = evaluation.cutoffs[state.cutoff.min(evaluation.cutoffs.len() - 1)];
    let [header, table, claim] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(Recommender::ALL.len() as u16 + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(header_lines(evaluation, state, theme, n)).wrap(Wrap { trim: true }),
        header,
    );
    frame.render_widget(
        Paragraph::new(table_lines(evaluation, n, theme, table.width)),
        table,
    );
    frame.render_widget(
        Paragraph::new(claim_lines(evaluation, n, theme, claim.width)).wrap(Wrap { trim: true }),
        claim,
    );
}

fn header_lines(
    e: &Evaluation,
    state: &EvaluationState,
    theme: Theme,
    n: usize,
) -> Vec<Line<'static>> {
    let refreshing = if state.busy.is_some() {
        " · re-evaluating for new parameters…"
    } else {
        ""
    };
    vec![
        Line::from(vec![
            Span::styled(format!("Split {}", e.split), theme.accent()),
            Span::raw(format!(
                " · trained {} → {} · tested {} → {} · {} customers scored of {} active{refreshing}",
                e.train.first_day,
                e.train.last_day,
                e.test.first_day,
                e.test.last_day,
                thousands(e.customers_scored),
                thousands(e.customers_active)
            )),
        ]),
        Line::from(vec![
            Span::styled(format!("Top {n}"), theme.accent()),
            Span::raw(format!(
                " (←/→: {}) · ★ best per metric",
                e.cutoffs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
            )),
        ]),
    ]
}

fn value(e: &Evaluation, method: Recommender, n: usize, metric: usize) -> f64 {
    let Some(s) = e.scores(method, n) else {
        return f64::NAN;
    };
    match metric {
        0 => s.mean.precision,
        1 => s.mean.recall,
        2 => s.mean.hit,
        3 => s.mean.ndcg,
        4 => s.mean.average_precision,
        5 => s.coverage,
        _ => s.customers as f64,
    }
}

fn table_lines(e: &Evaluation, n: usize, theme: Theme, width: u16) -> Vec<Line<'static>> {
    let column = if width >= 100 { 11 } else { 9 };
    let shown = ((width as usize).saturating_sub(11) / column).clamp(1, METRICS.len());
    let titles = if column >= 11 { METRICS } else { METRICS_SHORT };
    let mut header = vec![Span::styled(format!("{:<11}", "method"), theme.accent())];
    for title in titles.iter().take(shown) {
        header.push(Span::styled(
            format!("{:>column$}", fit(title, column - 1)),
            theme.accent(),
        ));
    }
    let mut lines = vec![Line::from(header)];
    let best: Vec<f64> = (0..METRICS.len())
        .map(|m| {
            Recommender::ALL
                .iter()
                .map(|&r| value(e, r, n, m))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    for method in Recommender::ALL {
        let mut spans = vec![Span::raw(format!("{:<11}", method.key()))];
        for (m, &top) in best.iter().enumerate().take(shown) {
            let v = value(e, method, n, m);
            let text = if m == 6 {
                thousands(v as usize)
            } else {
                format!("{v:.4}")
            };
            let is_best = v == top && v > 0.0 && m != 6;
            let cell = format!(
                "{:>w$}{}",
                text,
                if is_best { "★" } else { " " },
                w = column - 1
            );
            spans.push(Span::styled(
                cell,
                if is_best {
                    theme.agreed()
                } else {
                    Style::new()
                },
            ));
        }
        lines.push(Line::from(spans));
    }
    lines
}

fn claim_lines(e: &Evaluation, n: usize, theme: Theme, width: u16) -> Vec<Line<'static>> {
    let Some(check) = e.agreement.iter().find(|a| a.n == n) else {
        return Vec::new();
    };
    let groups: [(&str, &ItemPrecision); 3] = [
        ("on both lists", &check.both),
        ("KNN list only", &check.knn_only),
        ("K-Means only", &check.kmeans_only),
    ];
    let top = groups.iter().map(|g| g.1.precision).fold(0.0, f64::max);
    let bar_width = (width as usize).saturating_sub(46).min(40);
    let mut lines = vec![Line::styled(
        format!("Are items both methods recommend bought more often? (share bought, top {n})"),
        theme.accent(),
    )];
    for (name, p) in groups {
        lines.push(Line::from(vec![
            Span::raw(format!(" {name:<14}{:>7.3} ", p.precision)),
            Span::styled(
                format!("{:<bar_width$}", bar(p.precision, top, bar_width)),
                theme.bar(),
            ),
            Span::raw(format!(" {} of {}", thousands(p.hits), thousands(p.items))),
        ]));
    }
    let verdict = if check.both.items == 0 {
        "No item was on both lists.".to_string()
    } else if check.both.precision > check.knn_only.precision
        && check.both.precision > check.kmeans_only.precision
    {
        "Yes: agreed items were bought more often than items on either list alone.".to_string()
    } else {
        format!(
            "No: agreed items ({:.3}) were not bought more often than {} ({:.3}).",
            check.both.precision,
            if check.knn_only.precision >= check.kmeans_only.precision {
                "KNN-only items"
            } else {
                "K-Means-only items"
            },
            check.knn_only.precision.max(check.kmeans_only.precision)
        )
    };
    lines.push(Line::raw(verdict));
    lines
}
