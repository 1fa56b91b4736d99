//! The stages in order, with progress: load → quality → clean → features (`prepare`), then
//! outliers → correlation → reduce → choose K → segment → recommend (`fit`). `fit` can reuse
//! the stages of an earlier fit that a parameter change does not affect.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::clean::{clean, Cleaned, CleaningRules, CUSTOMER_RANK};
use crate::data::load::{load, LoadOptions, LoadReport, Loaded};
use crate::data::quality::{quality_report, QualityReport};
use crate::data::Groups;
use crate::error::{AisleError, Result};
use crate::features::{customer_features, CustomerFeatures, DAY_OF_WEEK, IS_HOME};
use crate::model::cluster::{self, best_k, Profile, Segmentation, SilhouetteScore};
use crate::model::knn::{self, Neighbour, SimilaritySpace};
use crate::model::outliers::{isolation_forest, Outliers};
use crate::model::purchases::Purchases;
use crate::model::recommend::{self, Agreement, CustomerRecommendations, KnnScore};
use crate::model::reduce::{reduce, Reduction};
use crate::model::silhouette::Distances;
use crate::model::stats::{correlation, Standardiser};

/// Everything a user can tune without reloading the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Number of segments; `None` picks the K with the best mean silhouette.
    pub k: Option<usize>,
    pub neighbours: usize,
    pub top_n: usize,
    pub outlier_share: f64,
    pub seed: u64,
    pub space: SimilaritySpace,
    pub score: KnnScore,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            k: None,
            neighbours: 100,
            top_n: 10,
            outlier_share: 0.05,
            seed: 0,
            space: SimilaritySpace::Purchases,
            score: KnnScore::Similarity,
        }
    }
}

impl Params {
    pub fn validate(&self) -> Result<()> {
        if self.neighbours == 0 {
            return Err(AisleError::Parameter(
                "neighbours must be at least 1".into(),
            ));
        }
        if self.top_n == 0 {
            return Err(AisleError::Parameter(
                "the list length (--top) must be at least 1".into(),
            ));
        }
        if !(0.0..0.5).contains(&self.outlier_share) {
            return Err(AisleError::Parameter(format!(
                "outlier share {} must be at least 0 and below 0.5",
                self.outlier_share
            )));
        }
        match self.k {
            Some(k) if k < 2 => {
                return Err(AisleError::Parameter(format!(
                    "K = {k}: K must be at least 2"
                )))
            }
            Some(k) if k > cluster::MAX_K => {
                return Err(AisleError::Parameter(format!(
                    "K = {k}: aisle fits from 2 to {} segments, and at most one per customer",
                    cluster::MAX_K
                )))
            }
            _ => {}
        }
        Ok(())
    }
}

/// The stages users see, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Load,
    Quality,
    Clean,
    Features,
    Outliers,
    Correlation,
    Reduce,
    ChooseK,
    Segment,
    /// The three lists per customer. The purchase-neighbour search they start from runs
    /// beside the stages from outliers to segment.
    Recommend,
    Evaluate,
}

impl Stage {
    /// The stages of an analysis, in order; an evaluation adds [`Stage::Evaluate`].
    pub const ALL: [Stage; 10] = [
        Stage::Load,
        Stage::Quality,
        Stage::Clean,
        Stage::Features,
        Stage::Outliers,
        Stage::Correlation,
        Stage::Reduce,
        Stage::ChooseK,
        Stage::Segment,
        Stage::Recommend,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Stage::Load => "load",
            Stage::Quality => "quality",
            Stage::Clean => "clean",
            Stage::Features => "features",
            Stage::Outliers => "outliers",
            Stage::Correlation => "correlation",
            Stage::Reduce => "reduce",
            Stage::ChooseK => "choose_k",
            Stage::Segment => "segment",
            Stage::Recommend => "recommend",
            Stage::Evaluate => "evaluate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Load => "reading the file",
            Stage::Quality => "checking data quality",
            Stage::Clean => "cleaning",
            Stage::Features => "computing customer features",
            Stage::Outliers => "finding outliers",
            Stage::Correlation => "correlating features",
            Stage::Reduce => "principal components",
            Stage::ChooseK => "choosing K by silhouette",
            Stage::Segment => "segmenting customers",
            Stage::Recommend => "recommending",
            Stage::Evaluate => "scoring the lists against the test period",
        }
    }

    /// 1-based position among all stages; the evaluation comes last.
    pub fn number(self) -> usize {
        Stage::ALL
            .iter()
            .position(|&s| s == self)
            .map_or(Stage::ALL.len() + 1, |i| i + 1)
    }
}

/// Told when each stage starts; asked between stages whether to stop.
pub trait Observer: Sync {
    fn stage(&self, _stage: Stage) {}
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// Milliseconds per stage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings(pub Vec<(Stage, f64)>);

impl Timings {
    /// Runs one stage: stops first if the observer asks to, tells it the stage started, and
    /// records how long the work took.
    pub fn time<T>(
        &mut self,
        stage: Stage,
        observer: &dyn Observer,
        work: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        if observer.cancelled() {
            return Err(AisleError::Cancelled);
        }
        observer.stage(stage);
        let start = Instant::now();
        let out = work().inspect_err(|error| match error {
            AisleError::Cancelled => tracing::info!("{} stopped: cancelled", stage.key()),
            _ => tracing::error!("{} failed: {error}", stage.key()),
        })?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        tracing::info!("{} took {ms:.1} ms", stage.key());
        self.0.push((stage, ms));
        Ok(out)
    }

    pub fn total(&self) -> f64 {
        self.0.iter().map(|(_, ms)| ms).sum()
    }
}

/// The data side: the file read, checked, cleaned and summarised per customer.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub load: LoadReport,
    pub quality: QualityReport,
    pub cleaned: Cleaned,
    pub features: CustomerFeatures,
    pub purchases: Purchases,
    pub timings: Timings,
}

/// Reads the file at `path` and prepares its transactions.
pub fn prepare(
    path: &Path,
    options: &LoadOptions,
    rules: &CleaningRules,
    observer: &dyn Observer,
) -> Result<Prepared> {
    let mut timings = Timings::default();
    let loaded = timings.time(Stage::Load, observer, || load(path, options))?;
    log_load(&loaded.report);
    let mut prepared = prepare_frame(loaded, rules, observer)?;
    timings.0.append(&mut prepared.timings.0);
    prepared.timings = timings;
    Ok(prepared)
}

/// One log line for how the file was read.
fn log_load(report: &LoadReport) {
    let columns: Vec<String> = report
        .columns
        .iter()
        .map(|(role, name)| format!("{}={name}", role.key()))
        .collect();
    tracing::info!(
        "read {}: {}, {}, delimiter {}, {} dates, {} rows; columns {}",
        report.path.display(),
        report.format,
        report.encoding,
        report
            .delimiter
            .map_or("none".to_string(), |d| format!("{d:?}")),
        report.date_order.label(),
        crate::report::thousands(report.rows),
        columns.join(", ")
    );
}

/// Checks, cleans and summarises transactions that are already loaded (a whole log, or the
/// training part of a time split).
pub fn prepare_frame(
    loaded: Loaded,
    rules: &CleaningRules,
    observer: &dyn Observer,
) -> Result<Prepared> {
    let mut timings = Timings::default();
    let Loaded { frame, report } = loaded;
    let (quality, checks) = timings.time(Stage::Quality, observer, || quality_report(&frame))?;
    // Cleaning frees the raw rows as it copies what it keeps: on a large log they are most of
    // the memory.
    let cleaned = timings.time(Stage::Clean, observer, || clean(frame, &checks, rules))?;
    drop(checks);
    let (features, purchases) = timings.time(Stage::Features, observer, || {
        let by_customer = Groups::by_key(&cleaned.frame, CUSTOMER_RANK)?;
        // Side by side: each has serial steps that leave a core for the other.
        let (features, purchases) = rayon::join(
            || customer_features(&cleaned.frame, &by_customer),
            || Purchases::from_clean(&cleaned.frame, &by_customer),
        );
        Ok((features?, purchases?))
    })?;
    Ok(Prepared {
        load: report,
        quality,
        cleaned,
        features,
        purchases,
        timings,
    })
}

/// The fitted models and every customer's lists.
#[derive(Clone)]
pub struct Model {
    pub params: Params,
    pub outliers: Arc<Outliers>,
    /// Pearson correlation of the inliers' features.
    pub correlation: Arc<Array2<f64>>,
    pub reduction: Arc<Reduction>,
    /// Every customer in the kept principal components.
    pub points: Arc<Array2<f64>>,
    /// Positions of the inliers, who are clustered.
    pub inliers: Arc<Vec<usize>>,
    pub distances: Arc<Distances>,
    /// Every K of the sweep with its mean silhouette.
    pub sweep: Arc<Vec<SilhouetteScore>>,
    pub k: usize,
    pub segmentation: Arc<Segmentation>,
    /// Segment of every customer; outliers get their nearest segment.
    pub segments: Arc<Vec<usize>>,
    pub profiles: Arc<Vec<Profile>>,
    /// Mean and standard deviation of each feature over the inliers, which profiles are
    /// read against.
    pub inlier_mean: Arc<Vec<f64>>,
    pub inlier_sd: Arc<Vec<f64>>,
    /// Each segment's plain-language label.
    pub labels: Arc<Vec<String>>,
    /// Silhouette of each sampled inlier under the chosen K, grouped by segment, descending.
    pub segment_silhouettes: Arc<Vec<Vec<f64>>>,
    pub neighbours: Arc<Vec<Vec<Neighbour>>>,
    pub recommendations: Arc<Vec<CustomerRecommendations>>,
    pub agreement: Agreement,
    pub timings: Timings,
}

impl Model {
    pub fn silhouette(&self) -> Vec<SilhouetteScore> {
        self.sweep.to_vec()
    }

    pub fn silhouette_sample(&self) -> Option<usize> {
        self.distances
            .is_sampled(self.inliers.len())
            .then_some(self.distances.rows.len())
    }
}

/// Fits every model stage on prepared data; stages whose inputs and parameters match
/// `previous` are reused rather than refitted.
pub fn fit(
    prepared: &Prepared,
    params: &Params,
    previous: Option<&Model>,
    observer: &dyn Observer,
) -> Result<Model> {
    params.validate()?;
    let features = &prepared.features;
    if features.len() < 3 {
        return Err(AisleError::Model {
            context: "segmentation",
            message: format!(
                "needs at least 3 customers with a clean row; this log has {}",
                features.len()
            ),
        });
    }
    let mut timings = Timings::default();
    let same_base = previous
        .filter(|p| p.params.outlier_share == params.outlier_share && p.params.seed == params.seed);

    let reuse_neighbours = previous.filter(|p| {
        p.params.neighbours == params.neighbours
            && p.params.space == params.space
            && (params.space == SimilaritySpace::Purchases || same_base.is_some())
    });
    // The purchase-neighbour search needs only the purchases: it runs beside the stages from
    // outliers to segment, whose serial steps (PCA above all) leave a core free.
    let search_early = reuse_neighbours.is_none() && params.space == SimilaritySpace::Purchases;
    let (segmented, early_neighbours) = rayon::join(
        || segment_customers(prepared, params, same_base, &mut timings, observer),
        || search_early.then(|| knn::purchase_neighbours(&prepared.purchases, params.neighbours)),
    );
    let segmented = segmented?;
    let (points, segments, inliers, k) = (
        &segmented.points,
        &segmented.segments,
        &segmented.inliers,
        segmented.k,
    );

    let (neighbours, recommendations, agreement) =
        timings.time(Stage::Recommend, observer, || {
            let neighbours = match (reuse_neighbours, early_neighbours) {
                (Some(p), _) => p.neighbours.clone(),
                (None, Some(found)) => Arc::new(found),
                (None, None) => Arc::new(knn::feature_neighbours(points, params.neighbours)?),
            };
            let recommendations =
                recommend_all(prepared, params, segments, inliers, k, &neighbours);
            let agreement = recommend::agreement(&recommendations);
            tracing::info!(
                "K = {k} ({}); {:.1} % of {} customers have an item on both lists, mean \
                 Jaccard {:.3}",
                if params.k.is_some() {
                    "forced"
                } else {
                    "best silhouette"
                },
                agreement.customers_with_agreement * 100.0,
                agreement.customers,
                agreement.mean_jaccard
            );
            Ok((neighbours, Arc::new(recommendations), agreement))
        })?;

    let labels = cluster::describe_all(
        &segmented.profiles,
        &segmented.inlier_mean,
        &segmented.inlier_sd,
    );
    Ok(Model {
        params: params.clone(),
        outliers: segmented.outliers,
        correlation: segmented.correlation,
        reduction: segmented.reduction,
        points: segmented.points,
        inliers: segmented.inliers,
        distances: segmented.distances,
        sweep: segmented.sweep,
        k,
        segmentation: segmented.segmentation,
        segments: segmented.segments,
        labels: Arc::new(labels),
        profiles: segmented.profiles,
        inlier_mean: Arc::new(segmented.inlier_mean),
        inlier_sd: Arc::new(segmented.inlier_sd),
        segment_silhouettes: segmented.segment_silhouettes,
        neighbours,
        recommendations,
        agreement,
        timings,
    })
}

/// The model stages from outliers to segment.
struct Segmented {
    outliers: Arc<Outliers>,
    inliers: Arc<Vec<usize>>,
    correlation: Arc<Array2<f64>>,
    reduction: Arc<Reduction>,
    points: Arc<Array2<f64>>,
    distances: Arc<Distances>,
    sweep: Arc<Vec<SilhouetteScore>>,
    inlier_mean: Vec<f64>,
    inlier_sd: Vec<f64>,
    k: usize,
    segmentation: Arc<Segmentation>,
    segments: Arc<Vec<usize>>,
    profiles: Arc<Vec<Profile>>,
    segment_silhouettes: Arc<Vec<Vec<f64>>>,
}

/// Outliers, correlation, PCA, the K sweep and the segments; the first four are taken from
/// `same_base` when it was fitted with the same outlier share and seed.
fn segment_customers(
    prepared: &Prepared,
    params: &Params,
    same_base: Option<&Model>,
    timings: &mut Timings,
    observer: &dyn Observer,
) -> Result<Segmented> {
    let features = &prepared.features;
    let (outliers, inliers) = match same_base {
        Some(p) => (p.outliers.clone(), p.inliers.clone()),
        None => timings.time(Stage::Outliers, observer, || {
            let outliers = isolation_forest(&features.values, params.outlier_share, params.seed);
            let inliers = outliers.inlier_indices();
            Ok((Arc::new(outliers), Arc::new(inliers)))
        })?,
    };
    let inlier_features = features.values.select(Axis(0), &inliers);

    let correlation = match same_base {
        Some(p) => p.correlation.clone(),
        None => timings.time(Stage::Correlation, observer, || {
            Ok(Arc::new(correlation(&inlier_features)))
        })?,
    };

    let (reduction, points) = match same_base {
        Some(p) => (p.reduction.clone(), p.points.clone()),
        None => timings.time(Stage::Reduce, observer, || {
            let scaler = Standardiser::fit(&inlier_features, &[IS_HOME, DAY_OF_WEEK]);
            let reduction = reduce(&scaler.transform(&inlier_features))?;
            let points = reduction.project(&scaler.transform(&features.values));
            Ok((Arc::new(reduction), Arc::new(points)))
        })?,
    };
    let inlier_points = points.select(Axis(0), &inliers);

    let (distances, sweep) = match same_base {
        Some(p) => (p.distances.clone(), p.sweep.clone()),
        None => timings.time(Stage::ChooseK, observer, || {
            let distances = Distances::new(&inlier_points, params.seed);
            let sweep = cluster::silhouette_sweep(&inlier_points, &distances, params.seed)?;
            Ok((Arc::new(distances), Arc::new(sweep)))
        })?,
    };

    let inlier_mean: Vec<f64> = inlier_features
        .mean_axis(Axis(0))
        .map_or_else(|| vec![0.0; inlier_features.ncols()], |m| m.to_vec());
    let inlier_sd = inlier_features.std_axis(Axis(0), 0.0).to_vec();
    let (k, segmentation, segments, profiles, segment_silhouettes) =
        timings.time(Stage::Segment, observer, || {
            let k = match params.k {
                Some(k) => k,
                None => best_k(&sweep).ok_or(AisleError::NoCustomers)?,
            };
            let segmentation = cluster::kmeans(&inlier_points, k, params.seed)?;
            let mut segments = segmentation.nearest(&points);
            for (position, &customer) in inliers.iter().enumerate() {
                segments[customer] = segmentation.labels[position];
            }
            let profiles = cluster::profiles(&inlier_features, &segmentation.labels, k);
            let per_point = distances.silhouettes(&segmentation.labels, k);
            let mut grouped = vec![Vec::new(); k];
            for (sample, &row) in distances.rows.iter().enumerate() {
                grouped[segmentation.labels[row]].push(per_point[sample]);
            }
            for group in &mut grouped {
                group.sort_by(|a, b| b.total_cmp(a));
            }
            Ok((
                k,
                Arc::new(segmentation),
                Arc::new(segments),
                Arc::new(profiles),
                Arc::new(grouped),
            ))
        })?;

    Ok(Segmented {
        outliers,
        inliers,
        correlation,
        reduction,
        points,
        distances,
        sweep,
        inlier_mean,
        inlier_sd,
        k,
        segmentation,
        segments,
        profiles,
        segment_silhouettes,
    })
}

/// The three lists for every customer.
pub fn recommend_all(
    prepared: &Prepared,
    params: &Params,
    segments: &[usize],
    inliers: &[usize],
    k: usize,
    neighbours: &[Vec<Neighbour>],
) -> Vec<CustomerRecommendations> {
    let purchases = &prepared.purchases;
    let mut members = vec![false; segments.len()];
    for &i in inliers {
        members[i] = true;
    }
    let rankings = recommend::segment_rankings(purchases, segments, &members, k);
    (0..segments.len())
        .into_par_iter()
        .map_init(
            || recommend::KnnTally::new(purchases),
            |tally, customer| {
                let segment = segments[customer];
                let kmeans = recommend::kmeans_list(
                    purchases,
                    customer,
                    segment,
                    &rankings[segment],
                    params.top_n,
                );
                let knn = tally.list(
                    purchases,
                    customer,
                    &neighbours[customer],
                    params.score,
                    params.top_n,
                );
                let both = recommend::agreed_list(&knn, &kmeans);
                CustomerRecommendations { kmeans, knn, both }
            },
        )
        .collect()
}

/// A whole run: prepared data and fitted models.
pub struct Analysis {
    pub prepared: Prepared,
    pub model: Model,
}

impl Analysis {
    pub fn run(
        path: &Path,
        options: &LoadOptions,
        rules: &CleaningRules,
        params: &Params,
        observer: &dyn Observer,
    ) -> Result<Analysis> {
        params.validate()?;
        let prepared = prepare(path, options, rules, observer)?;
        let model = fit(&prepared, params, None, observer)?;
        Ok(Analysis { prepared, model })
    }

    /// Stage timings of the whole run, in order.
    pub fn timings(&self) -> Vec<(Stage, f64)> {
        let mut all = self.prepared.timings.0.clone();
        all.extend(self.model.timings.0.iter().copied());
        all
    }
}
