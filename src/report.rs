//! The reports of `aisle report` (a text summary with charts for people, or one JSON object
//! for scripts) and the evaluation table of `aisle evaluate`.

use std::fmt::Write;

use serde_json::{json, Value};
use textplots::{Chart, Plot, Shape};

use crate::data::clean::CANCELLATIONS_KEPT;
use crate::features::FEATURE_NAMES;
use crate::model::evaluate::{Evaluation, Recommender};
use crate::model::metrics::ItemPrecision;
use crate::model::split::Period;
use crate::pipeline::Analysis;

/// `2010-12-01 08:26` from seconds since 1970.
pub fn format_timestamp(seconds: i64) -> String {
    crate::data::dates::format_seconds(seconds, false)
}

/// `12,345` for counts.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Each segment's plain-language label, from its feature means against all inliers'.
fn segment_labels(analysis: &Analysis) -> Vec<String> {
    analysis.model.labels.to_vec()
}

pub fn json_report(analysis: &Analysis) -> Value {
    let p = &analysis.prepared;
    let m = &analysis.model;
    let missing: serde_json::Map<String, Value> = p
        .quality
        .missing
        .iter()
        .map(|(column, share)| (column.clone(), json!(share)))
        .collect();
    let timings: serde_json::Map<String, Value> = analysis
        .timings()
        .iter()
        .map(|(stage, ms)| (stage.key().to_string(), json!((ms * 10.0).round() / 10.0)))
        .collect();
    let sizes = m.segmentation.sizes();
    let labels = segment_labels(analysis);
    let clusters: Vec<Value> = (0..m.k)
        .map(|id| {
            json!({
                "id": id,
                "size": sizes[id],
                "with_outliers": m.segments.iter().filter(|&&s| s == id).count(),
                "label": labels[id],
                "profile": m.profiles[id].means,
            })
        })
        .collect();
    let correlation: Vec<Vec<Value>> = m
        .correlation
        .outer_iter()
        .map(|row| {
            row.iter()
                .map(|v| if v.is_finite() { json!(v) } else { Value::Null })
                .collect()
        })
        .collect();

    json!({
        "file": p.load.path.display().to_string(),
        "format": p.load.format,
        "encoding": p.load.encoding,
        "date_order": p.load.date_order.label(),
        "columns": p.load.columns.iter().map(|(role, name)| (role.key().to_string(), json!(name))).collect::<serde_json::Map<_, _>>(),
        "rows": { "raw": p.quality.rows, "clean": p.cleaned.frame.height() },
        "cleaning": p.cleaned.rules,
        "cancellations_kept": p.cleaned.cancellations_kept,
        "cancellation_rows_clean": p.cleaned.cancellations_clean,
        "missing": missing,
        "quality": {
            "duplicate_rows": p.quality.duplicate_rows,
            "cancellation_rows": p.quality.cancellation_rows,
            "non_product_rows": p.quality.non_product_rows,
            "non_product_codes": p.quality.non_product_codes,
            "non_positive_price_rows": p.quality.non_positive_price_rows,
            "first_date": format_timestamp(p.quality.first_timestamp),
            "last_date": format_timestamp(p.quality.last_timestamp),
            "invoices": p.quality.invoices,
            "stock_codes": p.quality.stock_codes,
            "countries": p.quality.countries,
            "top_stock_codes": p.quality.top_stock_codes,
            "top_descriptions": p.quality.top_descriptions,
        },
        "customers": {
            "total": p.features.len(),
            "outliers": m.outliers.count(),
            "inliers": m.inliers.len(),
            "home_market": p.features.home_market,
        },
        "features": FEATURE_NAMES,
        "correlation": correlation,
        "pca": {
            "explained_variance_ratio": m.reduction.explained_variance_ratio,
            "components": m.reduction.components,
            "kept_variance": m.reduction.kept_variance(),
        },
        "silhouette": m.silhouette(),
        "silhouette_sample": m.silhouette_sample(),
        "k": m.k,
        "clusters": clusters,
        "agreement": m.agreement,
        "params": m.params,
        "seed": m.params.seed,
        "timings_ms": timings,
    })
}

pub fn text_report(analysis: &Analysis) -> String {
    let p = &analysis.prepared;
    let m = &analysis.model;
    let q = &p.quality;
    let mut out = String::new();

    let _ = writeln!(out, "aisle report: {}", p.load.path.display());
    let _ = writeln!(
        out,
        "{} · {} · dates {} · {} rows · {} to {}\n",
        p.load.format,
        p.load.encoding,
        p.load.date_order.label(),
        thousands(q.rows),
        format_timestamp(q.first_timestamp),
        format_timestamp(q.last_timestamp)
    );

    let _ = writeln!(out, "Data quality");
    for (column, share) in &q.missing {
        let _ = writeln!(out, "  missing {:<12} {:>7.2} %", column, share * 100.0);
    }
    let _ = writeln!(
        out,
        "  duplicate rows       {:>9}",
        thousands(q.duplicate_rows)
    );
    let _ = writeln!(
        out,
        "  cancellation rows    {:>9}",
        thousands(q.cancellation_rows)
    );
    let _ = writeln!(
        out,
        "  non-product rows     {:>9}  ({})",
        thousands(q.non_product_rows),
        q.non_product_codes.join(", ")
    );
    let _ = writeln!(
        out,
        "  unit price 0 or less {:>9}",
        thousands(q.non_positive_price_rows)
    );
    let _ = writeln!(
        out,
        "  top stock codes      {}\n",
        q.top_stock_codes
            .iter()
            .take(5)
            .map(|(c, n)| format!("{c} ({})", thousands(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let _ = writeln!(
        out,
        "Cleaning                                  rows removed"
    );
    for rule in &p.cleaned.rules {
        // Cancellations are flagged, not removed: the column shows how many were kept.
        let count = if rule.rule == CANCELLATIONS_KEPT {
            format!("{} kept", thousands(p.cleaned.cancellations_kept))
        } else {
            thousands(rule.removed)
        };
        let _ = writeln!(out, "  {:<40} {:>10}", rule.rule, count);
    }
    let _ = writeln!(
        out,
        "  {} rows left; {} cancellation rows kept and flagged, {} of them still in the clean rows\n",
        thousands(p.cleaned.frame.height()),
        thousands(p.cleaned.cancellations_kept),
        thousands(p.cleaned.cancellations_clean)
    );

    let _ = writeln!(
        out,
        "Customers: {} with features, {} outliers ({:.0} %, isolation forest, seed {}), {} segmented\n",
        thousands(p.features.len()),
        thousands(m.outliers.count()),
        m.outliers.count() as f64 * 100.0 / p.features.len().max(1) as f64,
        m.params.seed,
        thousands(m.inliers.len())
    );

    let cumulative = m.reduction.cumulative();
    let _ = writeln!(
        out,
        "Principal components: {} kept, explaining {:.3} of the variance",
        m.reduction.components,
        m.reduction.kept_variance()
    );
    let points: Vec<(f32, f32)> = cumulative
        .iter()
        .enumerate()
        .map(|(i, v)| ((i + 1) as f32, *v as f32))
        .collect();
    out.push_str(&chart(&points, 1.0, cumulative.len() as f32, 0.0, 1.0));

    let scores = m.silhouette();
    let sample = m.silhouette_sample().map_or(String::new(), |n| {
        format!(" (on a seeded sample of {})", thousands(n))
    });
    let chosen = if m.params.k.is_some() {
        "forced"
    } else {
        "best silhouette"
    };
    let _ = writeln!(
        out,
        "\nMean silhouette by K{sample}; K = {} ({chosen})",
        m.k
    );
    for s in &scores {
        let mark = if s.k == m.k { "  ◀" } else { "" };
        let _ = writeln!(out, "  K={:<3} {:.4}{mark}", s.k, s.score);
    }
    let points: Vec<(f32, f32)> = scores
        .iter()
        .map(|s| (s.k as f32, s.score as f32))
        .collect();
    let low = scores.iter().map(|s| s.score).fold(f64::INFINITY, f64::min);
    let high = scores
        .iter()
        .map(|s| s.score)
        .fold(f64::NEG_INFINITY, f64::max);
    if let (Some(first), Some(last)) = (scores.first(), scores.last()) {
        out.push_str(&chart(
            &points,
            first.k as f32,
            last.k as f32,
            (low - 0.02) as f32,
            (high + 0.02) as f32,
        ));
    }

    let _ = writeln!(out, "\nSegments (K = {})", m.k);
    let total = m.inliers.len().max(1);
    let labels = segment_labels(analysis);
    for (id, size) in m.segmentation.sizes().iter().enumerate() {
        let bar = "█".repeat((size * 40).div_ceil(total));
        let _ = writeln!(
            out,
            "  {id:>2} {:>7} {:>5.1} % {bar:<40} {}",
            thousands(*size),
            *size as f64 * 100.0 / total as f64,
            labels[id]
        );
    }

    let a = &m.agreement;
    let _ = writeln!(
        out,
        "\nRecommendations (top {}, KNN on {} with {} neighbours): {:.1} % of customers have an item on both lists; mean Jaccard {:.3}",
        m.params.top_n,
        m.params.space.label(),
        m.params.neighbours,
        a.customers_with_agreement * 100.0,
        a.mean_jaccard
    );

    let _ = writeln!(out, "\nTimings");
    let timings = analysis.timings();
    for (stage, ms) in &timings {
        let _ = writeln!(out, "  {:<12} {:>8.1} ms", stage.key(), ms);
    }
    let _ = writeln!(
        out,
        "  {:<12} {:>8.1} ms",
        "total",
        timings.iter().map(|(_, ms)| ms).sum::<f64>()
    );
    out
}

/// The evaluation as text: the split, who was scored, one table per cut-off and the
/// agreement check.
pub fn evaluation_text(evaluation: &Evaluation, file: &str) -> String {
    let e = evaluation;
    let p = &e.params;
    let mut out = String::new();
    let how = if e.split_automatic {
        "the last quarter of the trading days is the test period"
    } else {
        "given"
    };
    let _ = writeln!(out, "aisle evaluate: {file}");
    let _ = writeln!(out, "Split at {} ({how})", e.split);
    let _ = writeln!(out, "  train  {}", period(&e.train));
    let _ = writeln!(out, "  test   {}", period(&e.test));
    let _ = writeln!(
        out,
        "Fitted on the training period only: K = {}, KNN on {} with {} neighbours scored by {}, \
         seed {}",
        e.k,
        p.space.label(),
        p.neighbours,
        p.score.label(),
        p.seed
    );
    let _ = writeln!(
        out,
        "Customers: {} in training, {} active in both periods, {} scored (bought a product new \
         to them)",
        thousands(e.customers_train),
        thousands(e.customers_active),
        thousands(e.customers_scored)
    );
    let _ = writeln!(
        out,
        "  {} purchases to predict (customer × product), {} of them of products new to the shop",
        thousands(e.purchases_to_predict),
        thousands(e.purchases_of_new_products)
    );

    for &n in &e.cutoffs {
        let _ = writeln!(
            out,
            "\nTop {n:<10} precision  recall  hit rate    NDCG     MAP  coverage  customers"
        );
        for recommender in Recommender::ALL {
            let Some(s) = e.scores(recommender, n) else {
                continue;
            };
            let m = &s.mean;
            let _ = writeln!(
                out,
                "  {:<12} {:>8.4} {:>7.4} {:>9.4} {:>7.4} {:>7.4} {:>9.4} {:>10}",
                recommender.key(),
                m.precision,
                m.recall,
                m.hit,
                m.ndcg,
                m.average_precision,
                s.coverage,
                thousands(s.customers)
            );
        }
    }

    let _ = writeln!(
        out,
        "\nAgreement: are items on both lists bought more often than items on one list only?"
    );
    let _ = writeln!(
        out,
        "  top     both (items, bought, precision)    KNN only                 K-Means only"
    );
    for check in &e.agreement {
        let _ = writeln!(
            out,
            "  {:<5} {}  {}  {}",
            check.n,
            item_precision(&check.both),
            item_precision(&check.knn_only),
            item_precision(&check.kmeans_only)
        );
    }
    out
}

fn period(p: &Period) -> String {
    format!(
        "{} to {} · {} trading day{} · {} rows",
        p.first_day,
        p.last_day,
        p.days,
        if p.days == 1 { "" } else { "s" },
        thousands(p.rows)
    )
}

fn item_precision(p: &ItemPrecision) -> String {
    format!(
        "{:>7} {:>6} {:.4}",
        thousands(p.items),
        thousands(p.hits),
        p.precision
    )
}

fn chart(points: &[(f32, f32)], x_min: f32, x_max: f32, y_min: f32, y_max: f32) -> String {
    if points.len() < 2 || x_max <= x_min {
        return String::new();
    }
    let shape = Shape::Lines(points);
    let mut chart = Chart::new_with_y_range(100, 30, x_min, x_max, y_min, y_max);
    let drawn = chart.lineplot(&shape);
    drawn.axis();
    drawn.figures();
    drawn.to_string()
}
