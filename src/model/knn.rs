//! Each customer's nearest neighbours, self excluded, in one of two spaces: what they
//! bought (cosine over sparse purchase vectors, never a dense customer × product matrix)
//! or the engineered features (the PCA space, searched with a linfa-nn k-d tree).

use linfa_nn::distance::L2Dist;
use linfa_nn::{CommonNearestNeighbour, NearestNeighbour};
use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::purchases::Purchases;
use crate::error::{AisleError, Result};

/// Where "near" is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SimilaritySpace {
    /// Cosine similarity of the sets of products bought.
    Purchases,
    /// Euclidean distance in the principal-component space of the 15 features.
    Features,
}

impl SimilaritySpace {
    pub fn label(self) -> &'static str {
        match self {
            SimilaritySpace::Purchases => "purchases",
            SimilaritySpace::Features => "features",
        }
    }
}

/// A neighbour and how similar it is (higher is closer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    pub customer: u32,
    pub similarity: f64,
}

/// Up to `k` neighbours per customer by cosine similarity of bought products, similarity
/// above 0, ties by ascending customer position.
pub fn purchase_neighbours(purchases: &Purchases, k: usize) -> Vec<Vec<Neighbour>> {
    let n = purchases.histories.len();
    let mut buyers: Vec<Vec<u32>> = vec![Vec::new(); purchases.items.len()];
    let mut degree = vec![0u32; n];
    for (customer, count) in degree.iter_mut().enumerate() {
        for item in purchases.bought(customer) {
            buyers[item as usize].push(customer as u32);
            *count += 1;
        }
    }

    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::<u32>::new()),
            |(common, seen), customer| {
                for item in purchases.bought(customer) {
                    for &other in &buyers[item as usize] {
                        if common[other as usize] == 0 {
                            seen.push(other);
                        }
                        common[other as usize] += 1;
                    }
                }
                let mut found: Vec<Neighbour> = seen
                    .iter()
                    .filter(|&&other| other as usize != customer)
                    .map(|&other| Neighbour {
                        customer: other,
                        similarity: common[other as usize] as f64
                            / ((degree[customer] as f64) * (degree[other as usize] as f64)).sqrt(),
                    })
                    .collect();
                for &other in seen.iter() {
                    common[other as usize] = 0;
                }
                seen.clear();
                closest(&mut found, k);
                found
            },
        )
        .collect()
}

/// Up to `k` neighbours per customer in the PCA space; similarity = 1 / (1 + distance).
pub fn feature_neighbours(points: &Array2<f64>, k: usize) -> Result<Vec<Vec<Neighbour>>> {
    let index = CommonNearestNeighbour::KdTree
        .from_batch(points, L2Dist)
        .map_err(|e| AisleError::Model {
            context: "nearest-neighbour index",
            message: e.to_string(),
        })?;
    (0..points.nrows())
        .into_par_iter()
        .map(|customer| {
            let hits =
                index
                    .k_nearest(points.row(customer), k + 1)
                    .map_err(|e| AisleError::Model {
                        context: "nearest-neighbour search",
                        message: e.to_string(),
                    })?;
            let point = points.row(customer);
            let mut found: Vec<Neighbour> = hits
                .into_iter()
                .filter(|(_, other)| *other != customer)
                .map(|(p, other)| {
                    let distance: f64 = point
                        .iter()
                        .zip(p.iter())
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt();
                    Neighbour {
                        customer: other as u32,
                        similarity: 1.0 / (1.0 + distance),
                    }
                })
                .collect();
            closest(&mut found, k);
            Ok(found)
        })
        .collect()
}

/// Keeps the `k` most similar, most similar first, ties by ascending position.
fn closest(found: &mut Vec<Neighbour>, k: usize) {
    let order = |a: &Neighbour, b: &Neighbour| {
        b.similarity
            .total_cmp(&a.similarity)
            .then(a.customer.cmp(&b.customer))
    };
    if found.len() > k && k > 0 {
        found.select_nth_unstable_by(k - 1, order);
        found.truncate(k);
    }
    found.retain(|n| n.similarity > 0.0);
    found.sort_by(order);
    found.truncate(k);
}
