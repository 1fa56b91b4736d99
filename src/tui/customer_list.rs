//! The customer list's state: precomputed rows, the search and filters, and the
//! selection. Filtering walks the precomputed rows only, so a keystroke stays cheap with
//! tens of thousands of customers.

use crate::features::{TOTAL_SPEND, TRANSACTIONS};
use crate::pipeline::{Model, Prepared};

/// One customer as the list shows it.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    /// Position in the feature matrix and recommendation lists.
    pub index: usize,
    pub id: String,
    pub country: String,
    pub segment: usize,
    pub spend: f64,
    pub transactions: u32,
    pub outlier: bool,
    pub agreed: usize,
    /// `id country`, lower-cased, for searching.
    haystack: String,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerList {
    /// Rows the last drawing showed at once, for PageUp/PageDown; a display hint only.
    pub page: std::cell::Cell<usize>,
    pub rows: Vec<CustomerRow>,
    /// Positions in `rows` that pass the search and filters.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub search: String,
    pub segment: Option<usize>,
    pub agreed_only: bool,
}

impl CustomerList {
    pub fn rebuild(&mut self, prepared: &Prepared, model: &Model) {
        let features = &prepared.features;
        let previous = self.selected_row().map(|r| r.id.clone());
        self.rows = (0..features.len())
            .map(|i| CustomerRow {
                index: i,
                id: features.customers[i].clone(),
                country: features.countries[i].clone(),
                segment: model.segments[i],
                spend: features.values[[i, TOTAL_SPEND]],
                transactions: features.values[[i, TRANSACTIONS]] as u32,
                outlier: model.outliers.is_outlier[i],
                agreed: model.recommendations[i].both.len(),
                haystack: format!("{} {}", features.customers[i], features.countries[i])
                    .to_lowercase(),
            })
            .collect();
        if self.segment.is_some_and(|s| s >= model.k) {
            self.segment = None;
        }
        self.refilter();
        if let Some(id) = previous {
            if let Some(pos) = self.visible.iter().position(|&r| self.rows[r].id == id) {
                self.selected = pos;
            }
        }
    }

    pub fn selected_row(&self) -> Option<&CustomerRow> {
        self.visible.get(self.selected).map(|&r| &self.rows[r])
    }

    fn refilter(&mut self) {
        let needle = self.search.to_lowercase();
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| self.segment.is_none_or(|s| r.segment == s))
            .filter(|(_, r)| !self.agreed_only || r.agreed > 0)
            .filter(|(_, r)| needle.is_empty() || r.haystack.contains(&needle))
            .map(|(i, _)| i)
            .collect();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    pub fn set_search(&mut self, text: String) {
        self.search = text;
        self.selected = 0;
        self.refilter();
    }

    pub fn push_search(&mut self, c: char) {
        let mut text = std::mem::take(&mut self.search);
        text.push(c);
        self.set_search(text);
    }

    pub fn pop_search(&mut self) {
        let mut text = std::mem::take(&mut self.search);
        text.pop();
        self.set_search(text);
    }

    /// All → segment 0 → … → segment k−1 → all.
    pub fn cycle_segment(&mut self, k: usize) {
        self.segment = match self.segment {
            None if k > 0 => Some(0),
            Some(s) if s + 1 < k => Some(s + 1),
            _ => None,
        };
        self.selected = 0;
        self.refilter();
    }

    pub fn toggle_agreed(&mut self) {
        self.agreed_only = !self.agreed_only;
        self.selected = 0;
        self.refilter();
    }

    pub fn clear_filters(&mut self) {
        self.search.clear();
        self.segment = None;
        self.agreed_only = false;
        self.refilter();
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.visible.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn move_to(&mut self, position: usize) {
        self.selected = position.min(self.visible.len().saturating_sub(1));
    }
}
