//! Ranking metrics: how one customer's list fared against what the customer went on to buy
//! (precision, recall, hit, NDCG and average precision at a cut-off), and their means over
//! many customers.

use serde::Serialize;

/// One ranked list scored against one customer's later purchases.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ListScore {
    /// Items among the first `n` that the customer bought.
    pub hits: usize,
    /// Hits / `n`: a list shorter than `n` counts its empty places as misses.
    pub precision: f64,
    /// Hits / number of products the customer bought.
    pub recall: f64,
    /// 1 if at least one item was bought, else 0.
    pub hit: f64,
    /// Discounted cumulative gain (gain 1 per bought item, discount log2(rank + 1)) over
    /// the best gain possible with that many bought products and `n` places.
    pub ndcg: f64,
    /// Mean of the precision at the rank of every hit, over min(bought, `n`).
    pub average_precision: f64,
}

/// Scores the first `n` items of `list` (best first, no repeats) against `relevant`, the
/// bought items that a list could contain, sorted ascending. `relevant_total` counts every
/// bought product, including ones no list can contain (products new to the shop), so that
/// recall and NDCG are not flattered by leaving them out.
pub fn score_list(list: &[u32], relevant: &[u32], relevant_total: usize, n: usize) -> ListScore {
    let relevant_total = relevant_total.max(relevant.len());
    if n == 0 || relevant_total == 0 {
        return ListScore::default();
    }
    let mut hits = 0;
    let mut gain = 0.0;
    let mut precision_sum = 0.0;
    for (position, item) in list.iter().take(n).enumerate() {
        if relevant.binary_search(item).is_ok() {
            hits += 1;
            gain += discount(position);
            precision_sum += hits as f64 / (position + 1) as f64;
        }
    }
    let best_places = relevant_total.min(n);
    let best_gain: f64 = (0..best_places).map(discount).sum();
    ListScore {
        hits,
        precision: hits as f64 / n as f64,
        recall: hits as f64 / relevant_total as f64,
        hit: if hits > 0 { 1.0 } else { 0.0 },
        ndcg: gain / best_gain,
        average_precision: precision_sum / best_places as f64,
    }
}

/// The gain discount of the 0-based `position`: 1 / log2(position + 2).
fn discount(position: usize) -> f64 {
    1.0 / ((position + 2) as f64).log2()
}

/// Means of [`ListScore`]s over customers.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeanScore {
    sum: ListScore,
    customers: usize,
}

impl MeanScore {
    /// Adds one customer's score.
    pub fn add(&mut self, score: &ListScore) {
        self.sum.hits += score.hits;
        self.sum.precision += score.precision;
        self.sum.recall += score.recall;
        self.sum.hit += score.hit;
        self.sum.ndcg += score.ndcg;
        self.sum.average_precision += score.average_precision;
        self.customers += 1;
    }

    /// Customers added so far.
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// The mean of every metric; `hits` stays the total. All zero when nothing was added.
    pub fn mean(&self) -> ListScore {
        let n = self.customers.max(1) as f64;
        ListScore {
            hits: self.sum.hits,
            precision: self.sum.precision / n,
            recall: self.sum.recall / n,
            hit: self.sum.hit / n,
            ndcg: self.sum.ndcg / n,
            average_precision: self.sum.average_precision / n,
        }
    }
}

/// Items recommended and how many of them were bought.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ItemPrecision {
    /// Items recommended, counted once per customer.
    pub items: usize,
    /// Of those, the ones the customer bought.
    pub hits: usize,
    /// Hits / items; 0 when there are no items.
    pub precision: f64,
}

impl ItemPrecision {
    /// Counts one recommended item.
    pub fn add(&mut self, hit: bool) {
        self.items += 1;
        self.hits += usize::from(hit);
        self.precision = self.hits as f64 / self.items as f64;
    }
}
