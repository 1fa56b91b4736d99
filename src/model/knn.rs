//! Each customer's nearest neighbours, self excluded, in one of two spaces: what they
//! bought (cosine over sparse purchase vectors, never a dense customer × product matrix)
//! or the engineered features (the PCA space, searched with a linfa-nn k-d tree).

use linfa_nn::distance::L2Dist;
use linfa_nn::{CommonNearestNeighbour, NearestNeighbour};
use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::purchases::Purchases;
use crate::data::FastMap;
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
///
/// Customers who bought exactly the same set of products are searched once, as one group:
/// the result is the same as searching each, and the cost follows the number of distinct
/// sets rather than the number of customers.
pub fn purchase_neighbours(purchases: &Purchases, k: usize) -> Vec<Vec<Neighbour>> {
    let n = purchases.histories.len();
    let groups = PurchaseGroups::new(purchases);
    let mut buyers: Vec<Vec<u32>> = vec![Vec::new(); purchases.items.len()];
    let mut degree = vec![0u32; groups.members.len()];
    for (group, count) in degree.iter_mut().enumerate() {
        for &item in purchases.bought(groups.members[group][0] as usize) {
            buyers[item as usize].push(group as u32);
            *count += 1;
        }
    }

    // A cheap stand-in for each similarity, to pass over the many groups that share an item
    // or two but are nowhere near the nearest: count × 1/√degree in f32, within a millionth
    // of the true value relative to it.
    let scale: Vec<f32> = degree.iter().map(|&d| 1.0 / (d as f32).sqrt()).collect();

    // Per group, the k + 1 nearest customers, the group's own members included: whichever
    // member asks, dropping itself leaves its k nearest.
    let per_group: Vec<Vec<Neighbour>> = (0..groups.members.len())
        .into_par_iter()
        .map_init(
            || (vec![0u32; groups.members.len()], Vec::new()),
            |(common, shared), group| {
                // Items in common with every other group, counted without a branch; one pass
                // over the groups then reads and clears the counts.
                let own = groups.members[group][0] as usize;
                for &item in purchases.bought(own) {
                    for &other in &buyers[item as usize] {
                        common[other as usize] += 1;
                    }
                }
                // Half the groups or so share something: written whether or not they do,
                // and kept by moving on, so the pass has no branch to mispredict.
                shared.resize(common.len(), (0, 0, 0.0));
                let mut kept = 0;
                for (other, count) in common.iter_mut().enumerate() {
                    shared[kept] = (other as u32, *count, *count as f32 * scale[other]);
                    kept += usize::from(*count > 0);
                    *count = 0;
                }
                shared.truncate(kept);
                // Only groups whose stand-in comes near the (k + 1)-th best stand-in can be
                // among the k + 1 nearest; a margin far above the stand-in's error keeps
                // every one of them, so the exact similarities below decide as before.
                let wanted = k + 1;
                if shared.len() > wanted {
                    shared.select_nth_unstable_by(wanted - 1, |a, b| b.2.total_cmp(&a.2));
                    let cutoff = shared[wanted - 1].2 * (1.0 - 1e-4);
                    shared.retain(|&(_, _, estimate)| estimate >= cutoff);
                }
                let similar = shared
                    .iter()
                    .map(|&(other, count, _)| {
                        let similarity = count as f64
                            / ((degree[group] as f64) * (degree[other as usize] as f64)).sqrt();
                        (other, similarity)
                    })
                    .collect();
                groups.nearest_members(similar, wanted)
            },
        )
        .collect();

    (0..n)
        .map(|customer| {
            per_group[groups.of[customer] as usize]
                .iter()
                .filter(|m| m.customer as usize != customer)
                .take(k)
                .copied()
                .collect()
        })
        .collect()
}

/// Customers partitioned by the exact set of products they bought.
struct PurchaseGroups {
    /// Group of each customer.
    of: Vec<u32>,
    /// Members of each group, ascending.
    members: Vec<Vec<u32>>,
}

impl PurchaseGroups {
    fn new(purchases: &Purchases) -> PurchaseGroups {
        let n = purchases.histories.len();
        let mut index: FastMap<Vec<u32>, u32> = FastMap::default();
        let mut of = Vec::with_capacity(n);
        let mut members: Vec<Vec<u32>> = Vec::new();
        for customer in 0..n {
            let next = members.len() as u32;
            let group = *index
                .entry(purchases.bought(customer).to_vec())
                .or_insert(next);
            if group == next {
                members.push(Vec::new());
            }
            members[group as usize].push(customer as u32);
            of.push(group);
        }
        PurchaseGroups { of, members }
    }

    /// The `count` most similar customers among the groups' members (most similar first,
    /// ties by ascending position), given each group's similarity.
    fn nearest_members(&self, mut similar: Vec<(u32, f64)>, count: usize) -> Vec<Neighbour> {
        similar.retain(|&(_, s)| s > 0.0);
        // Every group has a member, so the `count` most similar groups hold at least
        // `count` customers; groups tied with the last of them may hold some of the nearest.
        if similar.len() > count && count > 0 {
            similar.select_nth_unstable_by(count - 1, |a, b| b.1.total_cmp(&a.1));
            let cutoff = similar[count - 1].1;
            similar.retain(|&(_, s)| s >= cutoff);
        }
        let mut found: Vec<Neighbour> = similar
            .iter()
            .flat_map(|&(group, similarity)| {
                self.members[group as usize]
                    .iter()
                    .map(move |&customer| Neighbour {
                        customer,
                        similarity,
                    })
            })
            .collect();
        closest(&mut found, count);
        found.shrink_to_fit();
        found
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::purchases::{Item, ItemLine};

    /// Every pair compared, no grouping: what the grouped search must reproduce.
    fn brute_force(purchases: &Purchases, k: usize) -> Vec<Vec<Neighbour>> {
        let n = purchases.histories.len();
        (0..n)
            .map(|a| {
                let mut found: Vec<Neighbour> = (0..n)
                    .filter(|&b| b != a)
                    .map(|b| {
                        let (x, y) = (purchases.bought(a), purchases.bought(b));
                        let common = x.iter().filter(|i| y.contains(i)).count() as f64;
                        Neighbour {
                            customer: b as u32,
                            similarity: common / ((x.len() * y.len()) as f64).sqrt(),
                        }
                    })
                    .filter(|n| n.similarity > 0.0)
                    .collect();
                closest(&mut found, k);
                found
            })
            .collect()
    }

    #[test]
    fn customers_with_the_same_basket_are_searched_once_with_the_same_result() {
        // Baskets over 6 products; several customers share a basket exactly, one bought
        // nothing (only a cancellation).
        let baskets: [&[u32]; 10] = [
            &[0, 1, 2],
            &[0, 1, 2],
            &[1, 2],
            &[3],
            &[0, 1, 2],
            &[3, 4],
            &[],
            &[1, 2],
            &[5],
            &[2, 3, 4, 5],
        ];
        let items = (0..6)
            .map(|i| Item {
                code: format!("P{i}"),
                description: String::new(),
                buyers: 0,
            })
            .collect();
        let mut histories: Vec<Vec<ItemLine>> = baskets
            .iter()
            .map(|b| {
                b.iter()
                    .map(|&item| ItemLine {
                        item,
                        quantity: 1.0,
                        bought: true,
                    })
                    .collect()
            })
            .collect();
        histories[6].push(ItemLine {
            item: 0,
            quantity: -1.0,
            bought: false,
        });
        let purchases = Purchases::new(items, histories);
        for k in [1, 2, 3, 5, 20] {
            assert_eq!(
                purchase_neighbours(&purchases, k),
                brute_force(&purchases, k),
                "k = {k}"
            );
        }
        // The three identical baskets are each other's nearest, self excluded.
        let first = &purchase_neighbours(&purchases, 2)[0];
        assert_eq!(first.iter().map(|n| n.customer).collect::<Vec<_>>(), [1, 4]);
    }
}
