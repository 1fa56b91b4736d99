//! Plain statistics over the customer feature matrix: Pearson correlation and
//! standardisation.

use ndarray::{Array1, Array2, Axis};
use serde::Serialize;

/// Pearson correlation between every pair of columns; NaN where a column is constant.
pub fn correlation(x: &Array2<f64>) -> Array2<f64> {
    let n = x.nrows() as f64;
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let centred = x - &mean;
    let covariance = centred.t().dot(&centred) / n.max(1.0);
    let sd: Array1<f64> = covariance.diag().mapv(f64::sqrt);
    let mut r = covariance.clone();
    for ((i, j), value) in r.indexed_iter_mut() {
        let denominator = sd[i] * sd[j];
        *value = if denominator > 0.0 {
            *value / denominator
        } else {
            f64::NAN
        };
    }
    r
}

/// Column means and standard deviations (population), fitted on one set of customers and
/// applied to any. Columns listed as unscaled pass through untouched.
#[derive(Debug, Clone, Serialize)]
pub struct Standardiser {
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    pub scaled: Vec<bool>,
}

impl Standardiser {
    pub fn fit(x: &Array2<f64>, unscaled: &[usize]) -> Standardiser {
        let mean = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let sd = x.std_axis(Axis(0), 0.0);
        Standardiser {
            mean: mean.to_vec(),
            sd: sd.to_vec(),
            scaled: (0..x.ncols()).map(|c| !unscaled.contains(&c)).collect(),
        }
    }

    pub fn transform(&self, x: &Array2<f64>) -> Array2<f64> {
        let mut out = x.clone();
        for (c, mut column) in out.axis_iter_mut(Axis(1)).enumerate() {
            if self.scaled[c] {
                let sd = if self.sd[c] > 0.0 { self.sd[c] } else { 1.0 };
                column.mapv_inplace(|v| (v - self.mean[c]) / sd);
            }
        }
        out
    }
}

/// The strongest correlations among distinct pairs, by absolute value.
pub fn strongest_pairs(r: &Array2<f64>, n: usize) -> Vec<(usize, usize, f64)> {
    let mut pairs: Vec<(usize, usize, f64)> = (0..r.nrows())
        .flat_map(|i| (0..i).map(move |j| (i, j)))
        .map(|(i, j)| (i, j, r[[i, j]]))
        .filter(|(_, _, v)| v.is_finite())
        .collect();
    pairs.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
    pairs.truncate(n);
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn perfectly_related_columns() {
        let x = array![[1.0, 2.0, 5.0], [2.0, 4.0, 5.0], [3.0, 6.0, 5.0]];
        let r = correlation(&x);
        assert!((r[[0, 1]] - 1.0).abs() < 1e-12);
        assert!(r[[0, 2]].is_nan());
        let s = Standardiser::fit(&x, &[1]);
        let t = s.transform(&x);
        assert!((t[[0, 0]] + 1.224_744_871).abs() < 1e-6);
        assert_eq!(t[[0, 1]], 2.0);
    }
}
