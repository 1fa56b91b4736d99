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

/// Where the user named a column for a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceSource {
    CommandLine,
    ConfigFile,
}

/// A header name the user gave for a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnChoice {
    pub name: String,
    pub source: ChoiceSource,
}

impl ColumnChoice {
    /// The choice as the user wrote it: `--col customer=client_id`, or
    /// `customer = "client_id"` in the config file.
    pub fn written(&self, role: Role) -> String {
        match self.source {
            ChoiceSource::CommandLine => format!("`--col {}={}`", role.key(), self.name),
            ChoiceSource::ConfigFile => {
                format!("`{} = \"{}\"` in the config file", role.key(), self.name)
            }
        }
    }
}

/// Which header column (by index) plays each role.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    pub columns: BTreeMap<Role, usize>,
}

impl ColumnMap {
    /// Finds every role among `headers`. `overrides` maps a role to the header name the user
    /// gave; an override that names no column, or a column another role already has, is an
    /// error, as is a missing required role. A column the user gave to one role is never
    /// given to another by its name.
    pub fn resolve(
        path: &Path,
        headers: &[String],
        overrides: &BTreeMap<Role, ColumnChoice>,
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

        let already_used = |map: &ColumnMap, role: Role, index: usize| AisleError::ColumnTaken {
            path: path.to_path_buf(),
            column: headers[index].clone(),
            used_for: map.role_of(index).map_or("", Role::key),
            role: role.key(),
        };

        for (&role, choice) in overrides {
            let name = &choice.name;
            let index = headers
                .iter()
                .position(|h| h == name)
                .or_else(|| normalised.iter().position(|h| *h == normalise(name)))
                .ok_or_else(|| AisleError::UnknownColumn {
                    path: path.to_path_buf(),
                    role: role.key(),
                    name: name.clone(),
                    chosen_in: choice.source,
                    found: found(),
                })?;
            if map.role_of(index).is_some() {
                return Err(already_used(&map, role, index));
            }
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
            let named_but_taken = || {
                role.aliases()
                    .iter()
                    .find_map(|alias| (0..headers.len()).find(|&i| normalised[i] == *alias))
            };
            match index {
                Some(i) => {
                    map.columns.insert(role, i);
                }
                None if role.required() => {
                    if let Some(i) = named_but_taken() {
                        return Err(already_used(&map, role, i));
                    }
                    return Err(AisleError::MissingColumn {
                        path: path.to_path_buf(),
                        role: role.label(),
                        flag: role.key(),
                        looked_for: role.aliases().join(", "),
                        found: found(),
                    });
                }
                None => {}
            }
        }
        Ok(map)
    }

    pub fn get(&self, role: Role) -> Option<usize> {
        self.columns.get(&role).copied()
    }

    /// The role a column already plays, if any.
    pub fn role_of(&self, index: usize) -> Option<Role> {
        self.columns
            .iter()
            .find(|(_, &i)| i == index)
            .map(|(&role, _)| role)
    }
}

/// Parses `ROLE=NAME` pairs from the command line (`--col`).
pub fn parse_overrides<'a>(
    pairs: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<Role, ColumnChoice>> {
    parse_overrides_from(pairs, ChoiceSource::CommandLine)
}

/// Parses `ROLE=NAME` pairs; a role given twice is an error, not a silent last-wins.
pub fn parse_overrides_from<'a>(
    pairs: impl IntoIterator<Item = &'a str>,
    source: ChoiceSource,
) -> Result<BTreeMap<Role, ColumnChoice>> {
    let mut overrides: BTreeMap<Role, ColumnChoice> = BTreeMap::new();
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
        let choice = ColumnChoice {
            name: name.trim().to_string(),
            source,
        };
        if let Some(earlier) = overrides.get(&role) {
            return Err(AisleError::Parameter(format!(
                "{} and {} both name the {} column; give each role once",
                earlier.written(role),
                choice.written(role),
                role.key()
            )));
        }
        overrides.insert(role, choice);
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

    #[test]
    fn a_role_given_twice_is_refused() {
        let err = parse_overrides(["customer=A", "customer=B"]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`--col customer=A` and `--col customer=B` both name the customer"),
            "{text}"
        );
    }

    #[test]
    fn a_column_taken_by_an_override_is_named() {
        let h = headers(&[
            "InvoiceNo",
            "StockCode",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country",
        ]);
        let overrides = parse_overrides(["invoice=StockCode"]).unwrap();
        let err = ColumnMap::resolve(Path::new("x.csv"), &h, &overrides).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(
                "`StockCode` is already used for invoice; name another column for stock_code \
                 with --col"
            ),
            "{text}"
        );

        let overrides = parse_overrides(["invoice=InvoiceNo", "customer=InvoiceNo"]).unwrap();
        let err = ColumnMap::resolve(Path::new("x.csv"), &h, &overrides).unwrap_err();
        assert!(
            err.to_string()
                .contains("`InvoiceNo` is already used for invoice"),
            "{err}"
        );
    }

    #[test]
    fn a_column_given_to_one_role_is_not_taken_by_another() {
        let h = headers(&[
            "InvoiceNo",
            "StockCode",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country",
        ]);
        let overrides = parse_overrides(["customer=Country"]).unwrap();
        let map = ColumnMap::resolve(Path::new("x.csv"), &h, &overrides).unwrap();
        assert_eq!(map.get(Role::Customer), Some(6));
        assert_eq!(map.get(Role::Country), None);
    }
}
