//! Recommendation lists for every customer: the segment's best sellers not yet bought
//! (K-Means), what the nearest customers bought (KNN), and the items on both lists.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::knn::Neighbour;
use super::purchases::Purchases;

/// How a KNN candidate is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum KnnScore {
    /// Sum of the similarities of the neighbours who bought it.
    Similarity,
    /// Number of neighbours who bought it.
    Count,
}

impl KnnScore {
    pub fn label(self) -> &'static str {
        match self {
            KnnScore::Similarity => "similarity",
            KnnScore::Count => "count",
        }
    }
}

/// Which list a recommendation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Kmeans,
    Knn,
    Both,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Kmeans => "kmeans",
            Method::Knn => "knn",
            Method::Both => "both",
        }
    }
}

/// Why an item is on a list, in words a person can read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    Neighbours { buyers: u32, of: u32 },
    Segment { rank: u32, segment: u32 },
    Both { knn_rank: u32, kmeans_rank: u32 },
}

impl Reason {
    /// The same in a few words, for narrow screens.
    pub fn short(&self) -> String {
        match *self {
            Reason::Neighbours { buyers, of } => format!("{buyers} of {of} neighbours"),
            Reason::Segment { rank, segment } => format!("#{rank} in segment {segment}"),
            Reason::Both {
                knn_rank,
                kmeans_rank,
            } => format!("KNN #{knn_rank}, seg #{kmeans_rank}"),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::Neighbours { buyers, of } => {
                write!(f, "bought by {buyers} of your {of} nearest customers")
            }
            Reason::Segment { rank, segment } => {
                write!(f, "#{rank} best seller in segment {segment}")
            }
            Reason::Both {
                knn_rank,
                kmeans_rank,
            } => write!(f, "KNN #{knn_rank} and segment #{kmeans_rank}"),
        }
    }
}

/// One recommended item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommendation {
    pub item: u32,
    pub rank: u32,
    pub score: f64,
    pub reason: Reason,
}

/// A customer's three lists.
#[derive(Debug, Clone, Default)]
pub struct CustomerRecommendations {
    pub kmeans: Vec<Recommendation>,
    pub knn: Vec<Recommendation>,
    pub both: Vec<Recommendation>,
}

impl CustomerRecommendations {
    pub fn list(&self, method: Method) -> &[Recommendation] {
        match method {
            Method::Kmeans => &self.kmeans,
            Method::Knn => &self.knn,
            Method::Both => &self.both,
        }
    }
}

/// Each segment's products by summed net quantity over its members, best first; products
/// with no net sales are left out. Ties by stock code (item id order).
pub fn segment_rankings(
    purchases: &Purchases,
    segments: &[usize],
    members: &[bool],
    k: usize,
) -> Vec<Vec<(u32, f64)>> {
    let mut totals = vec![vec![0.0f64; purchases.items.len()]; k];
    for (customer, history) in purchases.histories.iter().enumerate() {
        if !members[customer] {
            continue;
        }
        for line in history {
            totals[segments[customer]][line.item as usize] += line.quantity;
        }
    }
    totals
        .into_iter()
        .map(|quantity| {
            let mut ranked: Vec<(u32, f64)> = quantity
                .into_iter()
                .enumerate()
                .filter(|(_, q)| *q > 0.0)
                .map(|(item, q)| (item as u32, q))
                .collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            ranked
        })
        .collect()
}

/// The first `n` of the customer's segment ranking that they have never touched.
pub fn kmeans_list(
    purchases: &Purchases,
    customer: usize,
    segment: usize,
    ranking: &[(u32, f64)],
    n: usize,
) -> Vec<Recommendation> {
    ranking
        .iter()
        .enumerate()
        .filter(|(_, (item, _))| !purchases.touched(customer, *item))
        .take(n)
        .enumerate()
        .map(|(i, (position, &(item, quantity)))| Recommendation {
            item,
            rank: i as u32 + 1,
            score: quantity,
            reason: Reason::Segment {
                rank: position as u32 + 1,
                segment: segment as u32,
            },
        })
        .collect()
}

/// Per item: summed weight and number of neighbours who bought it. Kept between customers
/// and filled without a branch: the neighbours' items are added up first, then one pass over
/// the catalogue collects the candidates and clears the tally for the next customer.
pub struct KnnTally {
    sums: Vec<f64>,
    buyers: Vec<u32>,
}

impl KnnTally {
    pub fn new(purchases: &Purchases) -> KnnTally {
        KnnTally {
            sums: vec![0.0; purchases.items.len()],
            buyers: vec![0; purchases.items.len()],
        }
    }

    /// Items the neighbours bought and the customer never touched, scored by the neighbours
    /// who bought them; ties by number of such neighbours, then by buyers overall, then by
    /// stock code. Never padded: an item needs at least one neighbour who bought it.
    pub fn list(
        &mut self,
        purchases: &Purchases,
        customer: usize,
        neighbours: &[Neighbour],
        score: KnnScore,
        n: usize,
    ) -> Vec<Recommendation> {
        let (sums, buyers) = (&mut self.sums, &mut self.buyers);
        for neighbour in neighbours {
            let weight = match score {
                KnnScore::Similarity => neighbour.similarity,
                KnnScore::Count => 1.0,
            };
            for &item in purchases.bought(neighbour.customer as usize) {
                sums[item as usize] += weight;
                buyers[item as usize] += 1;
            }
        }
        for line in &purchases.histories[customer] {
            buyers[line.item as usize] = 0;
            sums[line.item as usize] = 0.0;
        }
        // Written whether or not a neighbour bought the item, and kept by moving on: many
        // items are and many are not, and a branch on it would often be mispredicted.
        let mut candidates: Vec<(u32, f64, u32)> = vec![(0, 0.0, 0); buyers.len()];
        let mut kept = 0;
        for (item, (count, sum)) in buyers.iter_mut().zip(sums.iter_mut()).enumerate() {
            candidates[kept] = (item as u32, *sum, *count);
            kept += usize::from(*count > 0);
            (*count, *sum) = (0, 0.0);
        }
        candidates.truncate(kept);
        rank_candidates(purchases, &mut candidates, n);
        candidates
            .into_iter()
            .enumerate()
            .map(|(i, (item, value, buyers))| Recommendation {
                item,
                rank: i as u32 + 1,
                score: value,
                reason: Reason::Neighbours {
                    buyers,
                    of: neighbours.len() as u32,
                },
            })
            .collect()
    }
}

/// Keeps the best `n` candidates (item, score, neighbours who bought it), best first.
///
/// One pass with the best so far kept in order: most candidates lose to the last of them
/// at the first comparison, which is cheaper than partitioning them all.
fn rank_candidates(purchases: &Purchases, candidates: &mut Vec<(u32, f64, u32)>, n: usize) {
    let items = &purchases.items;
    let order = |a: &(u32, f64, u32), b: &(u32, f64, u32)| {
        b.1.total_cmp(&a.1)
            .then(b.2.cmp(&a.2))
            .then(items[b.0 as usize].buyers.cmp(&items[a.0 as usize].buyers))
            .then(a.0.cmp(&b.0))
    };
    let mut best: Vec<(u32, f64, u32)> = Vec::with_capacity(n + 1);
    for &candidate in candidates.iter() {
        if best.len() == n
            && best
                .last()
                .is_none_or(|last| order(&candidate, last).is_ge())
        {
            continue;
        }
        let at = best.partition_point(|kept| order(kept, &candidate).is_lt());
        best.insert(at, candidate);
        best.truncate(n);
    }
    *candidates = best;
}

/// Items on both lists, scored by the reciprocal-rank sum 1/KNN rank + 1/K-Means rank and
/// ordered by that score, highest first, so that rank and score always agree; ties by the
/// better KNN rank, then by stock code (item id order).
pub fn agreed_list(knn: &[Recommendation], kmeans: &[Recommendation]) -> Vec<Recommendation> {
    let mut both: Vec<(u32, u32, u32, f64)> = knn
        .iter()
        .filter_map(|a| {
            kmeans.iter().find(|b| b.item == a.item).map(|b| {
                let score = 1.0 / a.rank as f64 + 1.0 / b.rank as f64;
                (a.item, a.rank, b.rank, score)
            })
        })
        .collect();
    both.sort_by(|a, b| b.3.total_cmp(&a.3).then(a.1.cmp(&b.1)).then(a.0.cmp(&b.0)));
    both.into_iter()
        .enumerate()
        .map(|(i, (item, knn_rank, kmeans_rank, score))| Recommendation {
            item,
            rank: i as u32 + 1,
            score,
            reason: Reason::Both {
                knn_rank,
                kmeans_rank,
            },
        })
        .collect()
}

/// How often the two methods agree.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Agreement {
    /// Share of customers with at least one item on both lists.
    pub customers_with_agreement: f64,
    /// Mean Jaccard index of the two lists (0 where both are empty).
    pub mean_jaccard: f64,
    pub customers: usize,
}

pub fn agreement(lists: &[CustomerRecommendations]) -> Agreement {
    let n = lists.len();
    // Summed in customer order, so the mean is the same to the last digit on every run.
    let (with, jaccard) = lists
        .iter()
        .map(|r| {
            let common = r.both.len();
            let union = r.knn.len() + r.kmeans.len() - common;
            let j = if union > 0 {
                common as f64 / union as f64
            } else {
                0.0
            };
            (usize::from(common > 0), j)
        })
        .fold((0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    Agreement {
        customers_with_agreement: with as f64 / n.max(1) as f64,
        mean_jaccard: jaccard / n.max(1) as f64,
        customers: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[u32]) -> Vec<Recommendation> {
        items
            .iter()
            .enumerate()
            .map(|(i, &item)| Recommendation {
                item,
                rank: i as u32 + 1,
                score: 1.0,
                reason: Reason::Neighbours { buyers: 1, of: 1 },
            })
            .collect()
    }

    #[test]
    fn agreed_items_are_ranked_by_their_score() {
        // Item 7 is KNN #1 and K-Means #10 (score 1.1), item 8 #3 and #4 (0.583), item 9 #5
        // and #3 (0.533). By the sum of ranks the order would be 8 (7), 9 (8), 7 (11).
        let knn = list(&[7, 1, 8, 2, 9]);
        let kmeans = list(&[3, 4, 9, 8, 5, 6, 10, 11, 12, 7]);
        let both = agreed_list(&knn, &kmeans);
        let items: Vec<u32> = both.iter().map(|r| r.item).collect();
        assert_eq!(items, vec![7, 8, 9]);
        assert_eq!(
            both.iter().map(|r| r.rank).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert!(both.windows(2).all(|w| w[0].score >= w[1].score));
        assert!((both[0].score - 1.1).abs() < 1e-12);
    }

    #[test]
    fn equal_scores_go_to_the_better_knn_rank_then_the_stock_code() {
        // 1/1 + 1/2 for both items 5 and 6; item 5 is KNN #2, item 6 KNN #1.
        let both = agreed_list(&list(&[6, 5]), &list(&[5, 6]));
        assert_eq!(both.iter().map(|r| r.item).collect::<Vec<_>>(), vec![6, 5]);
    }
}
