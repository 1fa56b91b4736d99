//! What each customer bought: the product catalogue and, per customer, the products they
//! touched, aggregated once from the clean transactions grouped by customer and by product.

use polars::prelude::*;
use rayon::prelude::*;

use crate::data::clean::CODE_RANK;
use crate::data::{bool_values, f64_values, key_values, Groups, TextColumn};
use crate::error::Result;

/// A product as customers see it.
#[derive(Debug, Clone)]
pub struct Item {
    pub code: String,
    /// The description it most often carries.
    pub description: String,
    /// Customers who bought it at least once (not counting cancellations).
    pub buyers: u32,
}

/// One customer's history with one product.
#[derive(Debug, Clone, Copy)]
pub struct ItemLine {
    pub item: u32,
    /// Net quantity, returns subtracted.
    pub quantity: f64,
    /// At least one line that was not a cancellation.
    pub bought: bool,
}

/// Purchase histories, customers in the same order as [`CustomerFeatures`].
#[derive(Debug, Clone)]
pub struct Purchases {
    /// Products in ascending stock-code order; an item id is a position here.
    pub items: Vec<Item>,
    /// Per customer, every product they have any line for, by item id.
    pub histories: Vec<Vec<ItemLine>>,
    /// The bought items of every customer, one after another (see [`Purchases::bought`]).
    bought_items: Vec<u32>,
    /// Where each customer's bought items start in `bought_items`, plus the end.
    bought_start: Vec<usize>,
}

impl Purchases {
    /// Histories for every customer of `by_customer`, which groups the clean rows by
    /// customer rank (the order of [`crate::features::CustomerFeatures`]).
    pub fn from_clean(clean: &DataFrame, by_customer: &Groups) -> Result<Purchases> {
        let descriptions = TextColumn::new(clean, "description")?;
        let codes = TextColumn::new(clean, "stock_code")?;
        let by_code = Groups::by_key(clean, CODE_RANK)?;
        let mut items: Vec<Item> = (0..by_code.len())
            .into_par_iter()
            .map(|code| {
                let rows = by_code.rows(code);
                Item {
                    code: rows
                        .first()
                        .and_then(|&r| codes.get(r as usize))
                        .unwrap_or_default()
                        .to_string(),
                    description: usual_description(rows, &descriptions).to_string(),
                    buyers: 0,
                }
            })
            .collect();

        // Ranks are positions: customers in the order of the features, items in the order
        // of the catalogue.
        let item_of_row = key_values(clean, CODE_RANK)?;
        let quantity = f64_values(clean, "quantity")?;
        let cancelled = bool_values(clean, "cancelled")?;
        let histories: Vec<Vec<ItemLine>> = (0..by_customer.len())
            .into_par_iter()
            .map(|customer| {
                let mut lines: Vec<(u32, usize)> = by_customer
                    .rows(customer)
                    .iter()
                    .map(|&r| (item_of_row[r as usize], r as usize))
                    .filter(|&(item, _)| (item as usize) < items.len())
                    .collect();
                lines.sort_unstable();
                let mut history: Vec<ItemLine> = Vec::new();
                for (item, row) in lines {
                    let bought = !cancelled[row];
                    match history.last_mut() {
                        Some(line) if line.item == item => {
                            line.quantity += quantity[row];
                            line.bought |= bought;
                        }
                        _ => history.push(ItemLine {
                            item,
                            quantity: quantity[row],
                            bought,
                        }),
                    }
                }
                history
            })
            .collect();
        let mut buyers = vec![0u32; items.len()];
        for history in &histories {
            for line in history.iter().filter(|l| l.bought) {
                buyers[line.item as usize] += 1;
            }
        }
        for (item, buyers) in items.iter_mut().zip(buyers) {
            item.buyers = buyers;
        }
        Ok(Purchases::new(items, histories))
    }

    pub(crate) fn new(items: Vec<Item>, histories: Vec<Vec<ItemLine>>) -> Purchases {
        let mut bought_start = Vec::with_capacity(histories.len() + 1);
        let mut bought_items = Vec::new();
        for history in &histories {
            bought_start.push(bought_items.len());
            bought_items.extend(history.iter().filter(|l| l.bought).map(|l| l.item));
        }
        bought_start.push(bought_items.len());
        Purchases {
            items,
            histories,
            bought_items,
            bought_start,
        }
    }

    /// Items the customer bought (not only cancelled), ascending item id.
    pub fn bought(&self, customer: usize) -> &[u32] {
        &self.bought_items[self.bought_start[customer]..self.bought_start[customer + 1]]
    }

    /// Whether the customer has any line for the item.
    pub fn touched(&self, customer: usize, item: u32) -> bool {
        self.histories[customer]
            .binary_search_by_key(&item, |l| l.item)
            .is_ok()
    }

    /// The customer's products by net quantity, largest first.
    pub fn top_items(&self, customer: usize, n: usize) -> Vec<ItemLine> {
        let mut lines: Vec<ItemLine> = self.histories[customer]
            .iter()
            .filter(|l| l.bought)
            .copied()
            .collect();
        lines.sort_by(|a, b| b.quantity.total_cmp(&a.quantity).then(a.item.cmp(&b.item)));
        lines.truncate(n);
        lines
    }
}

/// The description a product's rows most often carry, spaces around it trimmed (exports pad
/// some, as in `PAPER CHAIN KIT 50'S CHRISTMAS `); ties to the first in text order.
fn usual_description<'a>(rows: &[u32], descriptions: &'a TextColumn) -> &'a str {
    // Counted as written, which a product's rows mostly share, then merged once trimmed.
    let mut written: Vec<(&str, usize)> = Vec::new();
    for &row in rows {
        let Some(description) = descriptions.get(row as usize) else {
            continue;
        };
        match written.iter_mut().find(|(d, _)| *d == description) {
            Some((_, n)) => *n += 1,
            None => written.push((description, 1)),
        }
    }
    let mut counts: Vec<(&str, usize)> = Vec::with_capacity(written.len());
    for (description, n) in written {
        let description = description.trim();
        match counts.iter_mut().find(|(d, _)| *d == description) {
            Some((_, total)) => *total += n,
            None => counts.push((description, n)),
        }
    }
    counts
        .into_iter()
        .min_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)))
        .map_or("", |(d, _)| d)
}
