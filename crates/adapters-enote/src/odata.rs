//! 1C's standard OData interface: building `Catalog_Карточки` queries and reading the answers.
//!
//! On the wire 1C wants `$format`/`$filter` with a literal `$` and the values percent-encoded
//! UTF-8 with spaces as `%20`. reqwest's `.query()` is form encoding (`%24filter`, `+` for
//! spaces), so the query string is built here by hand.

use crate::error::{EnoteError, Secrets, json_problem, truncate};
use crate::http::FRAGMENT_LEN;
use domain::contract::ContractNumber;
use domain::owner::{OwnerKey, OwnerKeyError, Pet};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use serde::Deserialize;

/// The animal card catalog.
pub(crate) const CARDS: &str = "Catalog_Карточки";
/// Only the fields we read: smaller answers from bases with many cards.
pub(crate) const CARD_FIELDS: &str = "Description,Хозяин_Key,НомерДоговора,DeletionMark";

/// Everything but RFC 3986 unreserved characters is escaped in a query value, so `'`, `=`,
/// `&`, `+` and spaces can never be misread.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `{base}/{entity}?k=v&…`, keys as given (`$filter`), values percent-encoded.
pub(crate) fn url(base: &Url, entity: &str, query: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    // Validated in `EnoteDirectory::new`: an http(s) base always has path segments.
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().push(entity);
    }
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
        .collect::<Vec<_>>()
        .join("&");
    url.set_query(Some(&query));
    url
}

/// `НомерДоговора eq 1001`: for an all-digit contract against a numeric field.
pub(crate) fn contract_filter_unquoted(contract: &ContractNumber) -> String {
    format!("НомерДоговора eq {}", contract.as_str())
}

/// `НомерДоговора eq 'АБ-17'`, with an inner `'` doubled as OData wants.
pub(crate) fn contract_filter_quoted(contract: &ContractNumber) -> String {
    format!(
        "НомерДоговора eq '{}'",
        contract.as_str().replace('\'', "''")
    )
}

/// `Хозяин_Key eq guid'0a000001-…'` (an [`OwnerKey`] is lowercase already).
pub(crate) fn owner_filter(owner: &OwnerKey) -> String {
    format!("Хозяин_Key eq guid'{}'", owner.as_str())
}

/// One animal card, as far as we read it. Every field is optional: a base with an odd card
/// must not break the whole list.
#[derive(Debug, Deserialize)]
pub(crate) struct Card {
    #[serde(rename = "Description", default)]
    description: Option<String>,
    #[serde(rename = "Хозяин_Key", default)]
    owner: Option<String>,
    #[serde(rename = "НомерДоговора", default)]
    contract: Option<serde_json::Value>,
    #[serde(rename = "DeletionMark", default)]
    deletion_mark: Option<bool>,
}

#[derive(Deserialize)]
struct List {
    value: Vec<Card>,
}

/// The `value` array of a list answer.
pub(crate) fn parse_list(
    body: &[u8],
    endpoint: &str,
    secrets: &Secrets,
) -> Result<Vec<Card>, EnoteError> {
    serde_json::from_slice::<List>(body)
        .map(|l| l.value)
        .map_err(|e| bad_body(body, endpoint, &json_problem(&e), secrets))
}

/// A body we cannot read: logged (truncated) for the administrator, summarized in the error.
pub(crate) fn bad_body(body: &[u8], endpoint: &str, why: &str, secrets: &Secrets) -> EnoteError {
    let fragment = secrets.scrub(&truncate(&String::from_utf8_lossy(body), FRAGMENT_LEN));
    tracing::warn!(%endpoint, %why, %fragment, "Enote answered something unexpected");
    EnoteError::BadResponse {
        endpoint: endpoint.to_owned(),
        reason: format!("{why}; the answer begins {}", truncate(&fragment, 80)),
    }
}

impl Card {
    /// Not marked deleted.
    pub(crate) fn is_live(&self) -> bool {
        !self.deletion_mark.unwrap_or(false)
    }

    /// The owner reference: `Ok(None)` for 1C's empty reference or no field.
    pub(crate) fn owner(&self) -> Result<Option<OwnerKey>, String> {
        match self.owner.as_deref() {
            None => Ok(None),
            Some(raw) => match OwnerKey::parse(raw) {
                Ok(k) => Ok(Some(k)),
                Err(OwnerKeyError::EmptyReference) => Ok(None),
                Err(OwnerKeyError::Malformed(_)) => Err(truncate(raw, 64)),
            },
        }
    }

    /// The card as the domain's [`Pet`].
    pub(crate) fn to_pet(&self) -> Pet {
        Pet {
            name: self.description.clone().unwrap_or_default(),
            contract: self.contract.as_ref().and_then(contract_number),
        }
    }
}

/// `НомерДоговора` as a JSON number (most bases) or a string. 0 and "" are 1C's empty values.
fn contract_number(value: &serde_json::Value) -> Option<ContractNumber> {
    let text = match value {
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                // 1C serializes whole numbers without a fraction, but "1001.0" is still 1001.
                let f = n.as_f64()?;
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{f:.0}")
                } else {
                    n.to_string()
                }
            }
        }
        serde_json::Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    if text.is_empty() || text == "0" {
        return None;
    }
    match ContractNumber::parse(&text) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(contract = %truncate(&text, 80), error = %e, "Enote card with an unusable contract number");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_values_are_percent_encoded_and_dollar_kept() {
        let base = Url::parse("https://h/base/odata/standard.odata/").unwrap();
        let c = ContractNumber::parse("1001").unwrap();
        let u = url(
            &base,
            CARDS,
            &[
                ("$format", "json"),
                ("$filter", &contract_filter_unquoted(&c)),
            ],
        );
        assert_eq!(
            u.as_str(),
            "https://h/base/odata/standard.odata/Catalog_%D0%9A%D0%B0%D1%80%D1%82%D0%BE%D1%87%D0%BA%D0%B8\
             ?$format=json&$filter=%D0%9D%D0%BE%D0%BC%D0%B5%D1%80%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%D0%B0%20eq%201001"
        );
    }

    #[test]
    fn filters() {
        let c = ContractNumber::parse("O'Neil-1").unwrap();
        assert_eq!(contract_filter_quoted(&c), "НомерДоговора eq 'O''Neil-1'");
        let k = OwnerKey::parse("0A000001-1A2B-11F0-8A00-0A1B2C3D4E5F").unwrap();
        assert_eq!(
            owner_filter(&k),
            "Хозяин_Key eq guid'0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f'"
        );
    }

    #[test]
    fn contract_numbers_of_either_type() {
        for (v, want) in [
            (json!(1001), Some("1001")),
            (json!(1001.0), Some("1001")),
            (json!("1001"), Some("1001")),
            (json!(" АБ-17 "), Some("АБ-17")),
            (json!(0), None),
            (json!(""), None),
            (json!(null), None),
            (json!(true), None),
        ] {
            assert_eq!(
                contract_number(&v).map(|c| c.as_str().to_owned()),
                want.map(str::to_owned),
                "{v}"
            );
        }
    }

    #[test]
    fn cards_tolerate_missing_fields() {
        let cards = parse_list(
            br#"{"value":[{"Description":"X"},{"Description":null,"DeletionMark":true}]}"#,
            "GET x",
            &Secrets::default(),
        )
        .unwrap();
        assert!(cards[0].is_live());
        assert_eq!(cards[0].owner(), Ok(None));
        assert!(!cards[1].is_live());
        assert_eq!(cards[1].to_pet().name, "");
    }
}
