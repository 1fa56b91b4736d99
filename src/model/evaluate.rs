//! Offline evaluation on a time split: every stage (cleaning, features, outliers, PCA, K,
//! K-Means, KNN) is fitted on the transactions before the cut date, and each method's lists
//! are scored against what customers bought after it.
//!
//! Scored customers are those known from training who bought, in the test period, at least
//! one product (not a cancellation, not a non-product code) they had no line for in
//! training. Those products are what a list should have named; products new to the shop
//! count too, though no list can name them.

use std::path::Path;

use chrono::NaiveDate;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::metrics::{score_list, ItemPrecision, ListScore, MeanScore};
use super::purchases::Purchases;
use super::recommend::{self, Recommendation};
use super::split::{holdout, iso_date, Holdout, Later, Period};
use crate::data::clean::CleaningRules;
use crate::data::load::{load, LoadOptions, Loaded};
use crate::error::Result;
use crate::pipeline::{self, Model, Observer, Params, Stage, Timings};

/// The list lengths every evaluation reports; `Params::top_n` is added when it is not one.
pub const CUTOFFS: [usize; 3] = [3, 10, 20];

/// The list lengths to evaluate for a chosen list length, ascending.
pub fn cutoffs(top_n: usize) -> Vec<usize> {
    let mut all = CUTOFFS.to_vec();
    if !all.contains(&top_n) {
        all.push(top_n);
        all.sort_unstable();
    }
    all
}

/// The ways a list is made, from the simplest baseline to aisle's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Recommender {
    /// The shop's best sellers by number of distinct buyers in training.
    Popularity,
    /// The segment's best sellers (K-Means list).
    Kmeans,
    /// What the nearest customers bought (KNN list).
    Knn,
    /// Items on both the K-Means and the KNN list.
    Both,
    /// The KNN list, filled from the K-Means list where the neighbours bought too little.
    Hybrid,
}

impl Recommender {
    /// Every method, in the order tables list them.
    pub const ALL: [Recommender; 5] = [
        Recommender::Popularity,
        Recommender::Kmeans,
        Recommender::Knn,
        Recommender::Both,
        Recommender::Hybrid,
    ];

    /// The name used in JSON and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Recommender::Popularity => "popularity",
            Recommender::Kmeans => "kmeans",
            Recommender::Knn => "knn",
            Recommender::Both => "both",
            Recommender::Hybrid => "hybrid",
        }
    }
}

/// The evaluation of one fitted model on one split.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// First day of the test period.
    #[serde(serialize_with = "iso_date")]
    pub split: NaiveDate,
    /// Whether the split date was chosen by the default rule.
    pub split_automatic: bool,
    /// The transactions the models were fitted on.
    pub train: Period,
    /// The transactions the lists are scored against.
    pub test: Period,
    /// The settings of the fitted models.
    pub params: Params,
    /// Number of segments of the fitted K-Means.
    pub k: usize,
    /// Customers with features in the training period.
    pub customers_train: usize,
    /// Customers known from training with a clean line in the test period.
    pub customers_active: usize,
    /// Active customers who bought at least one product new to them.
    pub customers_scored: usize,
    /// (customer, product) pairs to predict.
    pub purchases_to_predict: usize,
    /// Of those, the ones of products the training period never sold.
    pub purchases_of_new_products: usize,
    /// Products in the training catalogue (the denominator of coverage).
    pub catalogue: usize,
    /// The list lengths scored, ascending.
    pub cutoffs: Vec<usize>,
    /// Per method, its scores at every cut-off; as JSON `name → metric@N → value`.
    #[serde(serialize_with = "methods_as_map")]
    pub methods: Vec<MethodScores>,
    /// The precision of items on both lists against items on one list only.
    pub agreement: Vec<AgreementCheck>,
    /// Milliseconds per stage, loading to scoring.
    pub timings: Timings,
}

/// One method's scores at every cut-off.
#[derive(Debug, Clone, Serialize)]
pub struct MethodScores {
    /// Which method.
    pub recommender: Recommender,
    /// Its scores at each cut-off, ascending.
    pub at: Vec<CutoffScores>,
}

/// Means over the scored customers of one method's lists cut at `n`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CutoffScores {
    /// List length.
    pub n: usize,
    /// `hits` is the total; the rest are means over scored customers (an empty list scores 0).
    pub mean: ListScore,
    /// Share of the training catalogue recommended to at least one scored customer.
    pub coverage: f64,
    /// Scored customers the method gave a non-empty list.
    pub customers: usize,
}

/// Items on both top-`n` lists against items on only one of them, pooled over customers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AgreementCheck {
    /// List length.
    pub n: usize,
    /// Items on both lists.
    pub both: ItemPrecision,
    /// Items on the KNN list and not the K-Means list.
    pub knn_only: ItemPrecision,
    /// Items on the K-Means list and not the KNN list.
    pub kmeans_only: ItemPrecision,
}

impl Evaluation {
    /// The scores of one method at one cut-off, if evaluated.
    pub fn scores(&self, recommender: Recommender, n: usize) -> Option<&CutoffScores> {
        self.methods
            .iter()
            .find(|m| m.recommender == recommender)?
            .at
            .iter()
            .find(|s| s.n == n)
    }
}

/// Reads the file at `path` and evaluates `params` on a time split of it.
pub fn evaluate_file(
    path: &Path,
    options: &LoadOptions,
    rules: &CleaningRules,
    params: &Params,
    split: Option<NaiveDate>,
    observer: &dyn Observer,
) -> Result<Evaluation> {
    params.validate()?;
    let mut timings = Timings::default();
    let loaded = timings.time(Stage::Load, observer, || load(path, options))?;
    let mut evaluation = evaluate(loaded, rules, params, split, observer)?;
    timings.0.append(&mut evaluation.timings.0);
    evaluation.timings = timings;
    Ok(evaluation)
}

/// Splits loaded transactions at `split` (default: the last quarter of the trading days is
/// the test period), fits every stage on the training part and scores every method.
pub fn evaluate(
    loaded: Loaded,
    rules: &CleaningRules,
    params: &Params,
    split: Option<NaiveDate>,
    observer: &dyn Observer,
) -> Result<Evaluation> {
    params.validate()?;
    let holdout = holdout(loaded, rules, split, observer)?;
    let model = pipeline::fit(&holdout.prepared, params, None, observer)?;
    score(&holdout, &model, observer)
}

/// Scores the lists of a model fitted on `holdout.prepared` at every cut-off.
pub fn score(holdout: &Holdout, model: &Model, observer: &dyn Observer) -> Result<Evaluation> {
    let mut timings = holdout.prepared.timings.clone();
    timings.0.extend(model.timings.0.iter().copied());
    let cutoffs = cutoffs(model.params.top_n);
    let longest = cutoffs.last().copied().unwrap_or(model.params.top_n);
    let (methods, agreement) = timings.time(Stage::Evaluate, observer, || {
        Ok(score_lists(holdout, model, &cutoffs, longest))
    })?;
    let purchases_to_predict = holdout.scored.iter().map(Later::total).sum();
    let purchases_of_new_products = holdout.scored.iter().map(|l| l.new_products).sum();
    Ok(Evaluation {
        split: holdout.split,
        split_automatic: holdout.automatic,
        train: holdout.train.clone(),
        test: holdout.test.clone(),
        params: model.params.clone(),
        k: model.k,
        customers_train: holdout.prepared.features.len(),
        customers_active: holdout.active,
        customers_scored: holdout.scored.len(),
        purchases_to_predict,
        purchases_of_new_products,
        catalogue: holdout.prepared.purchases.items.len(),
        cutoffs,
        methods,
        agreement,
        timings,
    })
}

/// Running totals of one method at one cut-off.
struct Tally {
    mean: MeanScore,
    recommended: Vec<bool>,
    customers: usize,
}

fn score_lists(
    holdout: &Holdout,
    model: &Model,
    cutoffs: &[usize],
    longest: usize,
) -> (Vec<MethodScores>, Vec<AgreementCheck>) {
    let purchases = &holdout.prepared.purchases;
    let params = Params {
        top_n: longest,
        ..model.params.clone()
    };
    let lists = pipeline::recommend_all(
        &holdout.prepared,
        &params,
        &model.segments,
        &model.inliers,
        model.k,
        &model.neighbours,
    );
    let best_sellers = popularity_ranking(purchases);

    let catalogue = purchases.items.len();
    let mut tallies: Vec<Vec<Tally>> = Recommender::ALL
        .iter()
        .map(|_| {
            cutoffs
                .iter()
                .map(|_| Tally {
                    mean: MeanScore::default(),
                    recommended: vec![false; catalogue],
                    customers: 0,
                })
                .collect()
        })
        .collect();
    let mut agreement: Vec<AgreementCheck> = cutoffs
        .iter()
        .map(|&n| AgreementCheck {
            n,
            both: ItemPrecision::default(),
            knn_only: ItemPrecision::default(),
            kmeans_only: ItemPrecision::default(),
        })
        .collect();

    for later in &holdout.scored {
        let customer = later.customer;
        let popular = popularity_list(purchases, customer, &best_sellers, longest);
        let own = &lists[customer];
        for (c, &n) in cutoffs.iter().enumerate() {
            let knn = &own.knn[..own.knn.len().min(n)];
            let kmeans = &own.kmeans[..own.kmeans.len().min(n)];
            for (r, recommender) in Recommender::ALL.iter().enumerate() {
                let items: Vec<u32> = match recommender {
                    Recommender::Popularity => popular[..popular.len().min(n)].to_vec(),
                    Recommender::Kmeans => ids(kmeans),
                    Recommender::Knn => ids(knn),
                    Recommender::Both => ids(&recommend::agreed_list(knn, kmeans)),
                    Recommender::Hybrid => hybrid_list(knn, kmeans, n),
                };
                let tally = &mut tallies[r][c];
                tally
                    .mean
                    .add(&score_list(&items, &later.known, later.total(), n));
                tally.customers += usize::from(!items.is_empty());
                for &item in &items {
                    tally.recommended[item as usize] = true;
                }
            }
            let bought = |item: u32| later.known.binary_search(&item).is_ok();
            let check = &mut agreement[c];
            for r in knn {
                let on_both = kmeans.iter().any(|m| m.item == r.item);
                let side = if on_both {
                    &mut check.both
                } else {
                    &mut check.knn_only
                };
                side.add(bought(r.item));
            }
            for r in kmeans {
                if !knn.iter().any(|k| k.item == r.item) {
                    check.kmeans_only.add(bought(r.item));
                }
            }
        }
    }

    let methods = Recommender::ALL
        .iter()
        .zip(tallies)
        .map(|(&recommender, per_cutoff)| MethodScores {
            recommender,
            at: cutoffs
                .iter()
                .zip(per_cutoff)
                .map(|(&n, tally)| CutoffScores {
                    n,
                    mean: tally.mean.mean(),
                    coverage: tally.recommended.iter().filter(|&&r| r).count() as f64
                        / catalogue.max(1) as f64,
                    customers: tally.customers,
                })
                .collect(),
        })
        .collect();
    (methods, agreement)
}

fn ids(list: &[Recommendation]) -> Vec<u32> {
    list.iter().map(|r| r.item).collect()
}

/// Items by number of distinct buyers in training, most first, ties by item id; items
/// nobody bought are left out.
pub fn popularity_ranking(purchases: &Purchases) -> Vec<u32> {
    let mut ranked: Vec<u32> = (0..purchases.items.len() as u32)
        .filter(|&i| purchases.items[i as usize].buyers > 0)
        .collect();
    ranked.sort_by_key(|&i| (std::cmp::Reverse(purchases.items[i as usize].buyers), i));
    ranked
}

/// The first `n` best sellers the customer has no line for.
pub fn popularity_list(
    purchases: &Purchases,
    customer: usize,
    ranking: &[u32],
    n: usize,
) -> Vec<u32> {
    ranking
        .iter()
        .copied()
        .filter(|&item| !purchases.touched(customer, item))
        .take(n)
        .collect()
}

/// The KNN list, its empty places filled from the K-Means list, first `n`: the neighbours'
/// ranking where they bought enough, the segment's best sellers where they did not.
/// (Moving the items on both lists to the front instead ranks worse: they are bought less
/// often than the KNN list's first items.)
pub fn hybrid_list(knn: &[Recommendation], kmeans: &[Recommendation], n: usize) -> Vec<u32> {
    let mut items = ids(&knn[..knn.len().min(n)]);
    for item in kmeans.iter().map(|r| r.item) {
        if items.len() >= n {
            break;
        }
        if !items.contains(&item) {
            items.push(item);
        }
    }
    items
}

/// Writes the methods as `name → metric@N → value`.
fn methods_as_map<S: Serializer>(
    methods: &[MethodScores],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    struct Metrics<'a>(&'a [CutoffScores]);
    impl Serialize for Metrics<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.0.len() * 7))?;
            for s in self.0 {
                let n = s.n;
                map.serialize_entry(&format!("precision@{n}"), &s.mean.precision)?;
                map.serialize_entry(&format!("recall@{n}"), &s.mean.recall)?;
                map.serialize_entry(&format!("hit_rate@{n}"), &s.mean.hit)?;
                map.serialize_entry(&format!("ndcg@{n}"), &s.mean.ndcg)?;
                map.serialize_entry(&format!("map@{n}"), &s.mean.average_precision)?;
                map.serialize_entry(&format!("coverage@{n}"), &s.coverage)?;
                map.serialize_entry(&format!("customers@{n}"), &s.customers)?;
            }
            map.end()
        }
    }
    let mut map = serializer.serialize_map(Some(methods.len()))?;
    for method in methods {
        map.serialize_entry(method.recommender.key(), &Metrics(&method.at))?;
    }
    map.end()
}
