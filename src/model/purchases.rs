//! What each customer bought: the product catalogue and, per customer, the products they
//! touched, aggregated once by a group-by over the clean transactions.

use std::collections::HashMap;

use polars::prelude::*;

use crate::data::{f64_values, text_values};
use crate::error::Result;
use crate::features::CustomerFeatures;

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
    pub fn from_clean(clean: &DataFrame, features: &CustomerFeatures) -> Result<Purchases> {
        // Exports pad some descriptions with spaces (`PAPER CHAIN KIT 50'S CHRISTMAS `).
        let catalogue = clean
            .clone()
            .lazy()
            .with_column(col("description").str().strip_chars(lit(Null {})))
            .group_by([col("stock_code"), col("description")])
            .agg([len().alias("n")])
            .sort_by_exprs(
                [col("stock_code"), col("n"), col("description")],
                SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
            )
            .group_by_stable([col("stock_code")])
            .agg([col("description").first()])
            .collect()?;
        let mut items: Vec<Item> = text_values(&catalogue, "stock_code")?
            .into_iter()
            .zip(text_values(&catalogue, "description")?)
            .map(|(code, description)| Item {
                buyers: 0,
                code,
                description,
            })
            .collect();

        let lines = clean
            .clone()
            .lazy()
            .group_by([col("customer"), col("stock_code")])
            .agg([
                col("quantity").sum().alias("quantity"),
                col("cancelled").not().any(true).alias("bought"),
            ])
            .collect()?;
        let position: HashMap<&str, usize> = features
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let item_of: HashMap<&str, u32> = items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.code.as_str(), i as u32))
            .collect();
        let mut histories: Vec<Vec<ItemLine>> = vec![Vec::new(); features.len()];
        let rows = lines
            .column("customer")?
            .str()?
            .iter()
            .zip(lines.column("stock_code")?.str()?.iter())
            .zip(f64_values(&lines, "quantity")?)
            .zip(lines.column("bought")?.bool()?.iter());
        for (((customer, code), quantity), bought) in rows {
            let (Some(&customer), Some(&item)) = (
                customer.and_then(|c| position.get(c)),
                code.and_then(|c| item_of.get(c)),
            ) else {
                continue;
            };
            let bought = bought.unwrap_or(false);
            histories[customer].push(ItemLine {
                item,
                quantity,
                bought,
            });
        }
        let mut buyers = vec![0u32; items.len()];
        for history in &mut histories {
            history.sort_unstable_by_key(|line| line.item);
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
