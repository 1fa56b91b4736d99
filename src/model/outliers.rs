//! Isolation-forest outlier detection on the unscaled customer features.
//!
//! The published isolation-forest crates draw from thread-local randomness and cannot be
//! seeded, so aisle grows its own forest (Liu, Ting & Zhou, 2008) from a seeded generator:
//! the same seed always flags the same customers.

use ndarray::{Array2, ArrayView1};
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

const TREES: usize = 100;
const SAMPLE_SIZE: usize = 256;

/// Which customers are outliers, and how anomalous every customer is.
#[derive(Debug, Clone, Serialize)]
pub struct Outliers {
    /// `true` for the customers flagged as outliers.
    pub is_outlier: Vec<bool>,
    /// Anomaly score in (0, 1]; above 0.5 leans anomalous.
    pub scores: Vec<f64>,
    pub share: f64,
    pub seed: u64,
}

impl Outliers {
    pub fn count(&self) -> usize {
        self.is_outlier.iter().filter(|&&o| o).count()
    }

    pub fn inlier_indices(&self) -> Vec<usize> {
        (0..self.is_outlier.len())
            .filter(|&i| !self.is_outlier[i])
            .collect()
    }
}

enum Node {
    Leaf {
        size: usize,
    },
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

struct Tree {
    nodes: Vec<Node>,
}

/// Flags the `share` of customers with the highest anomaly scores (ties by position).
pub fn isolation_forest(features: &Array2<f64>, share: f64, seed: u64) -> Outliers {
    let n = features.nrows();
    let sample_size = SAMPLE_SIZE.min(n);
    let depth_limit = (sample_size.max(2) as f64).log2().ceil() as usize;
    let trees: Vec<Tree> = (0..TREES)
        .into_par_iter()
        .map(|t| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed.wrapping_add(t as u64 * 7919));
            let rows: Vec<usize> = sample(&mut rng, n, sample_size).into_vec();
            let mut tree = Tree { nodes: Vec::new() };
            grow(&mut tree, features, rows, 0, depth_limit, &mut rng);
            tree
        })
        .collect();

    let normaliser = average_path(sample_size);
    let scores: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let row = features.row(i);
            let mean_depth = trees.iter().map(|t| path_length(t, row)).sum::<f64>() / TREES as f64;
            2f64.powf(-mean_depth / normaliser)
        })
        .collect();

    let flagged = ((n as f64) * share.clamp(0.0, 0.5)).round() as usize;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut is_outlier = vec![false; n];
    for &i in order.iter().take(flagged) {
        is_outlier[i] = true;
    }
    Outliers {
        is_outlier,
        scores,
        share,
        seed,
    }
}

fn grow(
    tree: &mut Tree,
    x: &Array2<f64>,
    rows: Vec<usize>,
    depth: usize,
    limit: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> usize {
    let index = tree.nodes.len();
    tree.nodes.push(Node::Leaf { size: rows.len() });
    if depth >= limit || rows.len() <= 1 {
        return index;
    }
    let ranges: Vec<(usize, f64, f64)> = (0..x.ncols())
        .filter_map(|f| {
            let (lo, hi) = rows
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                    (lo.min(x[[r, f]]), hi.max(x[[r, f]]))
                });
            (hi > lo).then_some((f, lo, hi))
        })
        .collect();
    if ranges.is_empty() {
        return index;
    }
    let (feature, lo, hi) = ranges[rng.gen_range(0..ranges.len())];
    let threshold = rng.gen_range(lo..hi);
    let (left_rows, right_rows): (Vec<usize>, Vec<usize>) =
        rows.into_iter().partition(|&r| x[[r, feature]] < threshold);
    let left = grow(tree, x, left_rows, depth + 1, limit, rng);
    let right = grow(tree, x, right_rows, depth + 1, limit, rng);
    tree.nodes[index] = Node::Split {
        feature,
        threshold,
        left,
        right,
    };
    index
}

fn path_length(tree: &Tree, row: ArrayView1<f64>) -> f64 {
    let mut node = 0;
    let mut depth = 0.0;
    loop {
        match tree.nodes[node] {
            Node::Leaf { size } => return depth + average_path(size),
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                node = if row[feature] < threshold {
                    left
                } else {
                    right
                };
                depth += 1.0;
            }
        }
    }
}

/// Average path length of an unsuccessful search in a binary search tree of `n` points.
fn average_path(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        n => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_point_is_the_outlier_and_seeds_repeat() {
        let mut x = Array2::<f64>::zeros((201, 2));
        for i in 0..200 {
            x[[i, 0]] = (i % 20) as f64 * 0.1;
            x[[i, 1]] = (i / 20) as f64 * 0.1;
        }
        x[[200, 0]] = 50.0;
        x[[200, 1]] = 50.0;
        let found = isolation_forest(&x, 0.005, 7);
        assert_eq!(found.count(), 1);
        assert!(found.is_outlier[200]);
        assert_eq!(found.scores, isolation_forest(&x, 0.005, 7).scores);
    }
}
