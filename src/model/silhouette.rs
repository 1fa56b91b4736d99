//! Mean silhouette without per-pair allocation. The pairwise distances do not depend on K,
//! so they are computed once and shared by every K of the sweep. Past
//! [`EXACT_LIMIT`] customers the silhouette is computed on a seeded random sample of that
//! many (the clustering itself still uses everyone).

use ndarray::Array2;
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Up to this many customers the silhouette is exact.
pub const EXACT_LIMIT: usize = 5_000;

/// Condensed pairwise Euclidean distances of the customers the silhouette is computed on.
pub struct Distances {
    /// Which rows of the original matrix are in the sample, ascending.
    pub rows: Vec<usize>,
    /// Upper triangle, row by row: `d(i, j)` for `i < j`.
    condensed: Vec<f32>,
}

impl Distances {
    pub fn new(points: &Array2<f64>, seed: u64) -> Distances {
        let n = points.nrows();
        let rows: Vec<usize> = if n > EXACT_LIMIT {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut rows = sample(&mut rng, n, EXACT_LIMIT).into_vec();
            rows.sort_unstable();
            rows
        } else {
            (0..n).collect()
        };
        let m = rows.len();
        let dims = points.ncols();
        let flat: Vec<f64> = rows.iter().flat_map(|&r| points.row(r).to_vec()).collect();
        let point = |i: usize| &flat[i * dims..(i + 1) * dims];

        // One slice of the triangle per row, filled in parallel.
        let mut condensed = vec![0.0f32; m * m.saturating_sub(1) / 2];
        let mut row_slices = Vec::with_capacity(m);
        let mut rest = condensed.as_mut_slice();
        for i in 0..m {
            let (row, tail) = rest.split_at_mut(m - i - 1);
            row_slices.push(row);
            rest = tail;
        }
        row_slices.into_par_iter().enumerate().for_each(|(i, out)| {
            let a = point(i);
            for (step, distance) in out.iter_mut().enumerate() {
                let b = point(i + 1 + step);
                let squared: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
                *distance = squared.sqrt() as f32;
            }
        });
        Distances { rows, condensed }
    }

    pub fn is_sampled(&self, total: usize) -> bool {
        self.rows.len() < total
    }

    /// Silhouette of every sampled customer under `labels` (labels of all customers).
    pub fn silhouettes(&self, labels: &[usize], k: usize) -> Vec<f64> {
        let label: Vec<usize> = self.rows.iter().map(|&r| labels[r]).collect();
        self.sample_silhouettes(&label, k)
    }

    /// Silhouette of every sampled customer, given the labels of the sample alone.
    fn sample_silhouettes(&self, label: &[usize], k: usize) -> Vec<f64> {
        self.sample_silhouettes_of_all(&[(label, k)]).remove(0)
    }

    /// [`Self::sample_silhouettes`] of several labellings (labels of the sample, number of
    /// segments) in one pass over the distances: a block of rows is read from memory once
    /// and summed for every labelling while it is in cache.
    fn sample_silhouettes_of_all(&self, labellings: &[(&[usize], usize)]) -> Vec<Vec<f64>> {
        const BLOCK: usize = 32;
        let m = self.rows.len();
        // Where row i of the triangle starts: rows 0..i hold m − 1, m − 2, … values.
        let start = |i: usize| i * (2 * m - i - 1) / 2;
        let mut sums: Vec<Sums> = labellings.iter().map(|&(_, k)| Sums::new(m, k)).collect();
        for block in (0..m).step_by(BLOCK) {
            for (sum, &(label, _)) in sums.iter_mut().zip(labellings) {
                for i in block..(block + BLOCK).min(m) {
                    let row = &self.condensed[start(i)..start(i) + (m - i - 1)];
                    sum.add_row(i, row, label);
                }
            }
        }
        sums.into_iter()
            .zip(labellings)
            .map(|(sum, &(label, _))| sum.silhouettes(label))
            .collect()
    }

    /// Mean silhouette of each labelling of the sampled customers (labels of the sample, in
    /// sample order; number of segments), the labellings shared out among the cores.
    pub fn mean_silhouettes_of_sample(&self, labellings: &[(&[usize], usize)]) -> Vec<f64> {
        let per_core = labellings
            .len()
            .div_ceil(rayon::current_num_threads())
            .max(1);
        labellings
            .par_chunks(per_core)
            .flat_map_iter(|part| {
                self.sample_silhouettes_of_all(part)
                    .into_iter()
                    .map(|s| mean(&s))
            })
            .collect()
    }
}

/// Sums of distances by segment for one labelling, split in two so that both halves are
/// summed in order: `after[i·k + c]` over j > i, `before[c·m + j]` over i < j with label c.
struct Sums {
    m: usize,
    k: usize,
    after: Vec<f64>,
    before: Vec<f64>,
    lanes: Vec<f64>,
}

impl Sums {
    fn new(m: usize, k: usize) -> Sums {
        Sums {
            m,
            k,
            after: vec![0.0; m * k],
            before: vec![0.0; k * m],
            lanes: vec![0.0; 4 * k],
        }
    }

    /// Adds row `i` of the triangle, `d(i, j)` for j > i.
    fn add_row(&mut self, i: usize, row: &[f32], label: &[usize]) {
        let (m, k) = (self.m, self.k);
        let column = &mut self.before[label[i] * m + i + 1..(label[i] + 1) * m];
        for (sum, &d) in column.iter_mut().zip(row) {
            *sum += f64::from(d);
        }
        // Four sets of sums, so that consecutive equal labels do not wait on each other.
        let lanes = &mut self.lanes;
        lanes.fill(0.0);
        for (step, (&d, &l)) in row.iter().zip(&label[i + 1..]).enumerate() {
            lanes[(step & 3) * k + l] += f64::from(d);
        }
        for (c, sum) in self.after[i * k..(i + 1) * k].iter_mut().enumerate() {
            *sum = lanes[c] + lanes[k + c] + lanes[2 * k + c] + lanes[3 * k + c];
        }
    }

    fn silhouettes(&self, label: &[usize]) -> Vec<f64> {
        let (m, k) = (self.m, self.k);
        let sum = |i: usize, c: usize| self.after[i * k + c] + self.before[c * m + i];
        let mut sizes = vec![0usize; k];
        for &l in label {
            sizes[l] += 1;
        }
        (0..m)
            .map(|i| {
                let own = label[i];
                if sizes[own] <= 1 {
                    return 0.0;
                }
                let a = sum(i, own) / (sizes[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own && sizes[c] > 0)
                    .map(|c| sum(i, c) / sizes[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                if !b.is_finite() || a.max(b) == 0.0 {
                    0.0
                } else {
                    (b - a) / a.max(b)
                }
            })
            .collect()
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn matches_a_hand_computed_value() {
        // Two tight pairs far apart: a = 1, b = mean distance to the other pair.
        let x = array![[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]];
        let d = Distances::new(&x, 0);
        let s = d.silhouettes(&[0, 0, 1, 1], 2);
        // Point 0: a = 1, b = (10 + 11) / 2 = 10.5 → 1 − 1/10.5.
        assert!((s[0] - (1.0 - 1.0 / 10.5)).abs() < 1e-6);
        // Point 1: a = 1, b = (9 + 10) / 2 = 9.5.
        assert!((s[1] - (1.0 - 1.0 / 9.5)).abs() < 1e-6);
    }
}
