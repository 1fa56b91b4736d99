//! Column roles: which column of a shop's export plays which part, found by name and
//! overridable by the user.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{AisleError, Result};

/// The part a column plays in a sales log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Invoice,
    StockCode,
    Description,
    Quantity,
    Timestamp,
    UnitPrice,
    Customer,
    Country,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Invoice,
        Role::StockCode,
        Role::Description,
        Role::Quantity,
        Role::Timestamp,
        Role::UnitPrice,
        Role::Customer,
        Role::Country,
    ];

    /// The canonical column name inside aisle, also the `--col` flag key.
    pub fn key(self) -> &'static str {
        match self {
            Role::Invoice => "invoice",
            Role::StockCode => "stock_code",
            Role::Description => "description",
            Role::Quantity => "quantity",
            Role::Timestamp => "timestamp",
            Role::UnitPrice => "unit_price",
            Role::Customer => "customer",
            Role::Country => "country",
        }
    }

    /// How a person names the role in a sentence.
    pub fn label(self) -> &'static str {
        match self {
            Role::Invoice => "invoice number",
            Role::StockCode => "stock code",
            Role::Description => "product description",
            Role::Quantity => "quantity",
            Role::Timestamp => "invoice date",
            Role::UnitPrice => "unit price",
            Role::Customer => "customer id",
            Role::Country => "country",
        }
    }

    pub fn required(self) -> bool {
        !matches!(self, Role::Description | Role::Country)
    }

    /// Header names this role is recognised by, already normalised (see [`normalise`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Role::Invoice => &[
                "invoiceno",
                "invoice",
                "invoicenumber",
                "orderid",
                "order",
                "ordernumber",
                "transactionid",
            ],
            Role::StockCode => &[
                "stockcode",
                "sku",
                "productid",
                "itemid",
                "productcode",
                "itemcode",
                "product",
            ],
            Role::Description => &["description", "productname", "title", "itemname", "name"],
            Role::Quantity => &["quantity", "qty", "units", "amount"],
            Role::Timestamp => &[
                "invoicedate",
                "orderdate",
                "date",
                "timestamp",
                "createdat",
                "datetime",
                "time",
            ],
            Role::UnitPrice => &["unitprice", "price", "priceeach", "unitcost"],
            Role::Customer => &[
                "customerid",
                "customer",
                "clientid",
                "userid",
                "customerno",
                "buyerid",
            ],
            Role::Country => &["country", "countrycode", "region"],
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        let key = normalise(key);
        Role::ALL.into_iter().find(|r| normalise(r.key()) == key)
    }
}

/// Lower-case, with spaces, underscores, dashes and dots removed: `Customer ID` → `customerid`.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which header column (by index) plays each role.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    pub columns: BTreeMap<Role, usize>,
}

impl ColumnMap {
    /// Finds every role among `headers`. `overrides` maps a role to the exact header name
    /// the user gave; an override that names no column is an error, as is a missing required
    /// role.
    pub fn resolve(
        path: &Path,
        headers: &[String],
        overrides: &BTreeMap<Role, String>,
    ) -> Result<ColumnMap> {
        let found = || {
            headers
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        let mut map = ColumnMap::default();

        for (&role, name) in overrides {
            let index = headers
                .iter()
                .position(|h| h == name)
                .or_else(|| normalised.iter().position(|h| *h == normalise(name)))
                .ok_or_else(|| AisleError::UnknownColumn {
                    path: path.to_path_buf(),
                    flag: role.key().to_string(),
                    name: name.clone(),
                    found: found(),
                })?;
            map.columns.insert(role, index);
        }

        for role in Role::ALL {
            if map.columns.contains_key(&role) {
                continue;
            }
            let taken: Vec<usize> = map.columns.values().copied().collect();
            let index = role.aliases().iter().find_map(|alias| {
                (0..headers.len()).find(|&i| normalised[i] == *alias && !taken.contains(&i))
            });
            match index {
                Some(i) => {
                    map.columns.insert(role, i);
                }
                None if role.required() => {
                    return Err(AisleError::MissingColumn {
                        path: path.to_path_buf(),
                        role: role.label(),
                        flag: role.key(),
                        looked_for: role.aliases().join(", "),
                        found: found(),
                    })
                }
                None => {}
            }
        }
        Ok(map)
    }

    pub fn get(&self, role: Role) -> Option<usize> {
        self.columns.get(&role).copied()
    }
}

/// Parses `ROLE=NAME` pairs from the command line or the config file.
pub fn parse_overrides<'a>(
    pairs: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<Role, String>> {
    let mut overrides = BTreeMap::new();
    for pair in pairs {
        let (key, name) = pair.split_once('=').ok_or_else(|| {
            AisleError::Parameter(format!(
                "`--col {pair}` should read ROLE=NAME, e.g. customer=client_id"
            ))
        })?;
        let role = Role::from_key(key).ok_or_else(|| {
            let roles: Vec<&str> = Role::ALL.iter().map(|r| r.key()).collect();
            AisleError::Parameter(format!(
                "`{key}` is not a column role; roles are {}",
                roles.join(", ")
            ))
        })?;
        overrides.insert(role, name.trim().to_string());
    }
    Ok(overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_roles_by_normalised_name() {
        let h = headers(&[
            "Invoice",
            "SKU",
            "Qty",
            "order_date",
            "Price",
            "Customer ID",
            "Country",
        ]);
        let map = ColumnMap::resolve(Path::new("x.csv"), &h, &BTreeMap::new()).unwrap();
        assert_eq!(map.get(Role::Customer), Some(5));
        assert_eq!(map.get(Role::Timestamp), Some(3));
        assert_eq!(map.get(Role::Description), None);
    }

    #[test]
    fn missing_required_column_names_the_role_and_the_flag() {
        let h = headers(&["Invoice", "SKU", "Qty", "order_date", "Price"]);
        let err = ColumnMap::resolve(Path::new("x.csv"), &h, &BTreeMap::new()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("customer id"), "{text}");
        assert!(text.contains("--col customer=NAME"), "{text}");
        assert!(text.contains("`Price`"), "{text}");
    }

    #[test]
    fn override_wins() {
        let h = headers(&["Invoice", "SKU", "Qty", "when", "Price", "buyer"]);
        let overrides = parse_overrides(["timestamp=when", "customer=buyer"]).unwrap();
        let map = ColumnMap::resolve(Path::new("x.csv"), &h, &overrides).unwrap();
        assert_eq!(map.get(Role::Timestamp), Some(3));
        assert_eq!(map.get(Role::Customer), Some(5));
    }
}
