//! Principal components of the standardised features: the explained-variance curve and the
//! fewest components that keep a target share of the variance.

use linfa::prelude::*;
use linfa_reduction::Pca;
use ndarray::{s, Array1, Array2};
use serde::Serialize;

use crate::error::{AisleError, Result};

/// Share of variance the kept components must explain.
pub const VARIANCE_TARGET: f64 = 0.80;

/// A fitted projection and how much each component explains.
#[derive(Debug, Clone, Serialize)]
pub struct Reduction {
    /// Explained variance ratio of every component, largest first.
    pub explained_variance_ratio: Vec<f64>,
    /// Components kept.
    pub components: usize,
    #[serde(skip)]
    mean: Array1<f64>,
    /// `components × features` loadings.
    #[serde(skip)]
    pub loadings: Array2<f64>,
}

impl Reduction {
    pub fn cumulative(&self) -> Vec<f64> {
        self.explained_variance_ratio
            .iter()
            .scan(0.0, |sum, v| {
                *sum += v;
                Some(*sum)
            })
            .collect()
    }

    pub fn kept_variance(&self) -> f64 {
        self.explained_variance_ratio[..self.components]
            .iter()
            .sum()
    }

    /// Coordinates of any customers in the kept components.
    pub fn project(&self, x: &Array2<f64>) -> Array2<f64> {
        (x - &self.mean).dot(&self.loadings.t())
    }
}

/// Fits PCA on `x` (already standardised) and keeps the fewest components reaching
/// [`VARIANCE_TARGET`].
pub fn reduce(x: &Array2<f64>) -> Result<Reduction> {
    let features = x.ncols();
    if x.nrows() < 2 {
        return Err(AisleError::Model {
            context: "principal components",
            message: format!("needs at least 2 customers, found {}", x.nrows()),
        });
    }
    let dataset = DatasetBase::from(x.clone());
    let pca = Pca::params(features.min(x.nrows()))
        .fit(&dataset)
        .map_err(|e| AisleError::Model {
            context: "principal components",
            message: e.to_string(),
        })?;
    let ratio: Vec<f64> = pca
        .explained_variance_ratio()
        .iter()
        .map(|v| if v.is_finite() { *v } else { 0.0 })
        .collect();
    let mut sum = 0.0;
    let components = ratio
        .iter()
        .position(|v| {
            sum += v;
            sum >= VARIANCE_TARGET
        })
        .map_or(ratio.len(), |i| i + 1);
    Ok(Reduction {
        explained_variance_ratio: ratio,
        components,
        mean: pca.mean().clone(),
        loadings: pca.components().slice(s![..components, ..]).to_owned(),
    })
}
