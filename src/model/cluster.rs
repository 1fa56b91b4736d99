//! Segments: K-Means (k-means++ start, several seeded runs) for every K of the sweep, the
//! mean silhouette of each, and the chosen K's sizes and feature profiles.

use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit};
use linfa_nn::distance::Distance;
use ndarray::{Array1, Array2, ArrayView, Axis, Dimension};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;
use serde::Serialize;

use super::silhouette::Distances;
use crate::error::{AisleError, Result};

/// The Ks whose silhouettes are compared when K is not given.
pub const K_RANGE: std::ops::RangeInclusive<usize> = 2..=12;
/// The largest K a user may ask for: beyond it K-Means runs for minutes and the segments
/// are too small to rank products by.
pub const MAX_K: usize = 50;
/// Runs of the chosen K; the one with the least inertia is kept.
const RUNS: usize = 10;
/// Runs of every K while the sweep looks for the best one; beyond 3 the curve on the
/// bundled log moves by less than 0.01.
const SWEEP_RUNS: usize = 3;
const MAX_ITERATIONS: u64 = 100;
/// A run stops when the centroids' summed squared shift falls below this share of the
/// data's mean variance (the stopping rule scikit-learn uses).
const RELATIVE_TOLERANCE: f64 = 1e-4;

/// Euclidean distance over contiguous rows, read as plain slices.
///
/// It gives the same values as linfa's `L2Dist`, which goes through ndarray's general
/// element-wise zip for every point-to-centroid distance; on the few dimensions left after
/// PCA that per-call work was most of each K-Means iteration.
#[derive(Debug, Clone, Copy)]
struct Euclidean;

impl Distance<f64> for Euclidean {
    fn distance<D: Dimension>(&self, a: ArrayView<f64, D>, b: ArrayView<f64, D>) -> f64 {
        self.rdistance(a, b).sqrt()
    }

    #[inline]
    fn rdistance<D: Dimension>(&self, a: ArrayView<f64, D>, b: ArrayView<f64, D>) -> f64 {
        assert_eq!(a.shape(), b.shape(), "points of different dimensions");
        let squared = |(x, y): (&f64, &f64)| (x - y) * (x - y);
        match (a.as_slice(), b.as_slice()) {
            (Some(a), Some(b)) => a.iter().zip(b).map(squared).sum(),
            _ => a.iter().zip(b.iter()).map(squared).sum(),
        }
    }

    fn rdist_to_dist(&self, rdist: f64) -> f64 {
        rdist.sqrt()
    }

    fn dist_to_rdist(&self, dist: f64) -> f64 {
        dist * dist
    }
}

/// One fitted K-Means, labels renumbered so that segment 0 is the smallest.
#[derive(Debug, Clone)]
pub struct Segmentation {
    pub k: usize,
    /// Segment of each clustered customer.
    pub labels: Vec<usize>,
    /// `k × dimensions`, in the renumbered order.
    pub centroids: Array2<f64>,
    pub inertia: f64,
}

impl Segmentation {
    /// The segment whose centroid is nearest to each point.
    pub fn nearest(&self, points: &Array2<f64>) -> Vec<usize> {
        points
            .outer_iter()
            .map(|p| {
                (0..self.k)
                    .map(|c| {
                        let d: f64 = p
                            .iter()
                            .zip(self.centroids.row(c))
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum();
                        (c, d)
                    })
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map_or(0, |(c, _)| c)
            })
            .collect()
    }

    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.k];
        for &l in &self.labels {
            sizes[l] += 1;
        }
        sizes
    }
}

/// Mean silhouette for one K.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SilhouetteScore {
    pub k: usize,
    pub score: f64,
}

/// Fits K-Means with `k` segments on `points`, seeded, keeping the best of 10 runs.
pub fn kmeans(points: &Array2<f64>, k: usize, seed: u64) -> Result<Segmentation> {
    kmeans_runs(points, k, seed, RUNS)
}

fn kmeans_runs(points: &Array2<f64>, k: usize, seed: u64, runs: usize) -> Result<Segmentation> {
    if k < 2 || k > points.nrows() {
        return Err(AisleError::KTooLarge {
            k,
            customers: points.nrows(),
            max: points.nrows().clamp(2, MAX_K),
        });
    }
    let rng = Xoshiro256Plus::seed_from_u64(seed.wrapping_add(k as u64));
    // linfa compares the Euclidean (not squared) shift with its tolerance.
    let mean_variance = points.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
    let tolerance = (RELATIVE_TOLERANCE * mean_variance)
        .sqrt()
        .max(f64::EPSILON);
    let dataset = DatasetBase::from(points.clone());
    let model = KMeans::params_with(k, rng, Euclidean)
        .n_runs(runs)
        .max_n_iterations(MAX_ITERATIONS)
        .tolerance(tolerance)
        .init_method(KMeansInit::KMeansPlusPlus)
        .fit(&dataset)
        .map_err(|e| AisleError::Model {
            context: "K-Means",
            message: e.to_string(),
        })?;
    let raw: Array1<usize> = model.predict(points);

    // Renumber by ascending size, ties by the original label, so output is stable.
    let mut sizes = vec![0usize; k];
    for &l in raw.iter() {
        sizes[l] += 1;
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&c| (sizes[c], c));
    let mut renumber = vec![0; k];
    for (new, &old) in order.iter().enumerate() {
        renumber[old] = new;
    }
    let centroids = ndarray::stack(
        Axis(0),
        &order
            .iter()
            .map(|&old| model.centroids().row(old))
            .collect::<Vec<_>>(),
    )
    .expect("centroid rows share one width");
    Ok(Segmentation {
        k,
        labels: raw.iter().map(|&l| renumber[l]).collect(),
        centroids,
        inertia: model.inertia(),
    })
}

/// Mean silhouette of K-Means for every K in [`K_RANGE`] that the data allows, in
/// parallel, with fewer runs per K than the final fit.
///
/// When the silhouette is computed on a sample (past [`super::silhouette::EXACT_LIMIT`]
/// customers), K-Means is fitted on that sample too.
pub fn silhouette_sweep(
    points: &Array2<f64>,
    distances: &Distances,
    seed: u64,
) -> Result<Vec<SilhouetteScore>> {
    let sampled = distances.is_sampled(points.nrows());
    let sample = sampled.then(|| points.select(Axis(0), &distances.rows));
    let fitted = sample.as_ref().unwrap_or(points);
    let top = (*K_RANGE.end()).min(fitted.nrows().saturating_sub(1));
    let ks: Vec<usize> = (*K_RANGE.start()..=top).collect();
    let labels = ks
        .par_iter()
        // The fitted customers are the ones the silhouette is computed on.
        .map(|&k| Ok(kmeans_runs(fitted, k, seed, SWEEP_RUNS)?.labels))
        .collect::<Result<Vec<Vec<usize>>>>()?;
    let labellings: Vec<(&[usize], usize)> = labels
        .iter()
        .zip(&ks)
        .map(|(labels, &k)| (labels.as_slice(), k))
        .collect();
    let scores = distances.mean_silhouettes_of_sample(&labellings);
    Ok(ks
        .into_iter()
        .zip(scores)
        .map(|(k, score)| SilhouetteScore { k, score })
        .collect())
}

/// The K with the highest mean silhouette (the smaller K on a tie).
pub fn best_k(scores: &[SilhouetteScore]) -> Option<usize> {
    scores
        .iter()
        .max_by(|a, b| a.score.total_cmp(&b.score).then(b.k.cmp(&a.k)))
        .map(|s| s.k)
}

/// Mean of every feature per segment, next to the overall mean.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub segment: usize,
    pub size: usize,
    pub means: Vec<f64>,
}

pub fn profiles(features: &Array2<f64>, labels: &[usize], k: usize) -> Vec<Profile> {
    (0..k)
        .map(|segment| {
            let rows: Vec<usize> = (0..labels.len())
                .filter(|&i| labels[i] == segment)
                .collect();
            let means = features
                .select(Axis(0), &rows)
                .mean_axis(Axis(0))
                .map_or_else(|| vec![0.0; features.ncols()], |m| m.to_vec());
            Profile {
                segment,
                size: rows.len(),
                means,
            }
        })
        .collect()
}

/// Every segment's label ([`describe`]) against the mean and spread of the customers the
/// segments were fitted on.
pub fn describe_all(profiles: &[Profile], mean: &[f64], sd: &[f64]) -> Vec<String> {
    profiles
        .iter()
        .map(|p| describe(&p.means, mean, sd))
        .collect()
}

/// A short plain-language label for a segment, from how far its feature means stand from
/// the overall mean (in overall standard deviations): "recent, frequent, high spend". A
/// segment where no trait stands out far enough gets its strongest trait in a milder word,
/// "average, a little more recent", so that segments keep distinct labels.
pub fn describe(profile: &[f64], overall_mean: &[f64], overall_sd: &[f64]) -> String {
    use crate::features::{IS_HOME, RECENCY, TOTAL_SPEND, TRANSACTIONS};
    const CANCELLATION_RATE: usize = 11;
    const TREND: usize = 14;
    const UNIQUE_PRODUCTS: usize = 5;

    let z = |f: usize| {
        if overall_sd[f] > 0.0 {
            (profile[f] - overall_mean[f]) / overall_sd[f]
        } else {
            0.0
        }
    };
    // Feature, threshold, then words for high and low: strong, and mild.
    let traits = [
        (
            RECENCY,
            0.4,
            ["lapsed", "recent"],
            ["a little less recent", "a little more recent"],
        ),
        (
            TRANSACTIONS,
            0.4,
            ["frequent", "occasional"],
            ["a little more frequent", "a little less frequent"],
        ),
        (
            TOTAL_SPEND,
            0.4,
            ["high spend", "low spend"],
            ["spending a little more", "spending a little less"],
        ),
        (
            UNIQUE_PRODUCTS,
            0.5,
            ["broad baskets", "narrow baskets"],
            ["slightly broader baskets", "slightly narrower baskets"],
        ),
        (
            CANCELLATION_RATE,
            0.5,
            ["returns often", "rarely returns"],
            ["returns a little more", "returns a little less"],
        ),
        (
            TREND,
            0.5,
            ["growing", "shrinking"],
            ["growing a little", "shrinking a little"],
        ),
    ];
    let word = |words: [&'static str; 2], strength: f64| words[usize::from(strength < 0.0)];

    let mut strong: Vec<(f64, &str)> = traits
        .iter()
        .map(|&(feature, threshold, words, _)| (z(feature), threshold, words))
        .filter(|&(strength, threshold, _)| strength.abs() >= threshold)
        .map(|(strength, _, words)| (strength.abs(), word(words, strength)))
        .collect();
    if profile[IS_HOME] < 0.5 {
        strong.push((1.0, "abroad"));
    }
    strong.sort_by(|a, b| b.0.total_cmp(&a.0));
    if !strong.is_empty() {
        let words: Vec<&str> = strong.iter().take(3).map(|t| t.1).collect();
        return words.join(", ");
    }

    // Nothing passes its threshold: the trait nearest to its threshold, said mildly.
    let mild = traits
        .iter()
        .map(|&(feature, threshold, _, words)| (z(feature), z(feature).abs() / threshold, words))
        .filter(|&(_, closeness, _)| closeness > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match mild {
        Some((strength, _, words)) => format!("average, {}", word(words, strength)),
        None => "typical customers".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FEATURE_NAMES, IS_HOME, RECENCY, TOTAL_SPEND};

    fn profile(changes: &[(usize, f64)]) -> Vec<f64> {
        let mut means = vec![0.0; FEATURE_NAMES.len()];
        means[IS_HOME] = 1.0;
        for &(feature, value) in changes {
            means[feature] = value;
        }
        means
    }

    #[test]
    fn strong_traits_are_named_strongest_first() {
        let (mean, sd) = (profile(&[]), vec![1.0; FEATURE_NAMES.len()]);
        let label = describe(&profile(&[(RECENCY, -0.5), (TOTAL_SPEND, 2.0)]), &mean, &sd);
        assert_eq!(label, "high spend, recent");
    }

    #[test]
    fn segments_near_the_mean_get_their_strongest_trait_mildly() {
        let (mean, sd) = (profile(&[]), vec![1.0; FEATURE_NAMES.len()]);
        let recent = describe(&profile(&[(RECENCY, -0.3), (TOTAL_SPEND, 0.1)]), &mean, &sd);
        assert_eq!(recent, "average, a little more recent");
        let spending = describe(&profile(&[(RECENCY, 0.1), (TOTAL_SPEND, -0.2)]), &mean, &sd);
        assert_eq!(spending, "average, spending a little less");
        assert_eq!(describe(&profile(&[]), &mean, &sd), "typical customers");
    }

    #[test]
    fn past_the_exact_limit_the_sweep_runs_on_a_sample_and_still_finds_the_groups() {
        // Three well separated groups of 2,100 customers each, jittered deterministically.
        let n = 6_300;
        let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let points = Array2::from_shape_fn((n, 2), |(i, j)| {
            centres[i % 3][j] + ((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0
        });
        let distances = Distances::new(&points, 0);
        assert!(distances.is_sampled(n));
        let scores = silhouette_sweep(&points, &distances, 0).unwrap();
        assert_eq!(scores.len(), K_RANGE.count());
        assert_eq!(best_k(&scores), Some(3));
        let three = scores.iter().find(|s| s.k == 3).unwrap().score;
        assert!(three > 0.8, "silhouette at K = 3 was {three}");
        assert_eq!(kmeans(&points, 3, 0).unwrap().sizes(), vec![2_100; 3]);
    }
}
