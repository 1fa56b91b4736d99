//! What each customer bought: the product catalogue and, per customer, the products they
//! touched, aggregated once by a group-by over the clean transactions.

use polars::prelude::*;

use crate::data::clean::{CODE_RANK, CUSTOMER_RANK};
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
            .group_by([col(CODE_RANK), col("description")])
            .agg([len().alias("n"), col("stock_code").first()])
            .sort_by_exprs(
                [col(CODE_RANK), col("n"), col("description")],
                SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
            )
            .group_by_stable([col(CODE_RANK)])
            .agg([col("stock_code").first(), col("description").first()])
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

        // Ranks are positions: customers in the order of the features, items in the order
        // of the catalogue.
        let lines = clean
            .clone()
            .lazy()
            .group_by([col(CUSTOMER_RANK), col(CODE_RANK)])
            .agg([
                col("quantity").sum().alias("quantity"),
                col("cancelled").not().any(true).alias("bought"),
            ])
            .collect()?;
        let mut histories: Vec<Vec<ItemLine>> = vec![Vec::new(); features.len()];
        let rows = lines
            .column(CUSTOMER_RANK)?
            .u32()?
            .iter()
            .zip(lines.column(CODE_RANK)?.u32()?.iter())
            .zip(f64_values(&lines, "quantity")?)
            .zip(lines.column("bought")?.bool()?.iter());
        for (((customer, item), quantity), bought) in rows {
            let (Some(customer), Some(item)) = (customer, item) else {
                continue;
            };
            let customer = customer as usize;
            if customer >= histories.len() || item as usize >= items.len() {
                continue;
            }
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
