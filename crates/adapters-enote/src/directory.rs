//! The [`PracticeDirectory`] implementations: [`EnoteDirectory`] (the real one) and
//! [`NotConfiguredDirectory`] (no `ENOTE_*` settings).

use crate::config::{EnoteConfig, EnoteSetupError, MAX_RETRIES};
use crate::error::{EnoteError, Secrets};
use crate::http::{Auth, Http, endpoint};
use crate::{api, odata};
use async_trait::async_trait;
use domain::contract::ContractNumber;
use domain::owner::{OwnerKey, OwnerProfile, Pet};
use domain::ports::{DirectoryError, PracticeDirectory};
use reqwest::Url;
use reqwest::header::HeaderValue;
use std::fmt;
use std::time::Duration;

/// Connection set-up gets at most this long, inside the overall timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Enote over HTTP: OData for animal cards, `hs/api/v2` for owners.
pub struct EnoteDirectory {
    http: Http,
    odata_base: Url,
    api_base: Url,
    odata_user: String,
    odata_pass: String,
    api_key: HeaderValue,
}

impl EnoteDirectory {
    /// Validates the configuration and builds the HTTP client (rustls, no redirects).
    pub fn new(config: EnoteConfig) -> Result<EnoteDirectory, EnoteSetupError> {
        let odata_base = base_url("ENOTE_ODATA_URL", &config.odata_url)?;
        let api_base = base_url("ENOTE_API_URL", &config.api_url)?;
        if config.timeout.is_zero() {
            return Err(EnoteSetupError::ZeroTimeout);
        }
        // A ':' would split the basic-auth pair in the wrong place; control characters cannot
        // travel in a header.
        if config.odata_user.contains(':') || config.odata_user.chars().any(char::is_control) {
            return Err(EnoteSetupError::InvalidCredential {
                setting: "ENOTE_ODATA_USER",
            });
        }
        if config.odata_pass.chars().any(char::is_control) {
            return Err(EnoteSetupError::InvalidCredential {
                setting: "ENOTE_ODATA_PASS",
            });
        }
        let mut api_key = HeaderValue::from_str(&config.api_key).map_err(|_| {
            EnoteSetupError::InvalidCredential {
                setting: "ENOTE_API_KEY",
            }
        })?;
        api_key.set_sensitive(true);

        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(MAX_CONNECT_TIMEOUT))
            // A redirect to another host would carry the `apikey` header along (reqwest strips
            // only Authorization); the configured URL must be the final one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("petwealth-parents/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EnoteSetupError::Client(e.without_url().to_string()))?;

        let basic_token = basic_token(&config.odata_user, &config.odata_pass);
        let secrets = Secrets::new([
            config.odata_pass.clone(),
            config.api_key.clone(),
            basic_token,
        ]);
        Ok(Self {
            http: Http {
                client,
                timeout: config.timeout,
                max_retries: config.max_retries.min(MAX_RETRIES),
                backoff: config.retry_backoff,
                secrets,
            },
            odata_base,
            api_base,
            odata_user: config.odata_user,
            odata_pass: config.odata_pass,
            api_key,
        })
    }

    /// Reachability and credentials of the OData interface: one `$top=1` card query.
    pub async fn ping(&self) -> Result<(), DirectoryError> {
        let url = odata::url(
            &self.odata_base,
            odata::CARDS,
            &[("$format", "json"), ("$top", "1"), ("$select", "Ref_Key")],
        );
        let body = self.odata_get(&url).await.map_err(|e| self.boundary(e))?;
        odata::parse_list(&body, &endpoint(&url), &self.http.secrets)
            .map_err(|e| self.boundary(e))?;
        Ok(())
    }

    async fn odata_get(&self, url: &Url) -> Result<Vec<u8>, EnoteError> {
        let auth = Auth::Basic {
            user: &self.odata_user,
            pass: &self.odata_pass,
        };
        self.http.get(url, &auth).await
    }

    /// The live cards matching `filter`.
    async fn cards(&self, filter: &str) -> Result<Vec<odata::Card>, EnoteError> {
        let url = odata::url(
            &self.odata_base,
            odata::CARDS,
            &[
                ("$format", "json"),
                ("$filter", filter),
                ("$select", odata::CARD_FIELDS),
            ],
        );
        let body = self.odata_get(&url).await?;
        let cards = odata::parse_list(&body, &endpoint(&url), &self.http.secrets)?;
        Ok(cards.into_iter().filter(odata::Card::is_live).collect())
    }

    async fn owner_of_contract(&self, contract: &ContractNumber) -> Result<OwnerKey, EnoteError> {
        let cards = if contract.is_numeric() {
            match self.cards(&odata::contract_filter_unquoted(contract)).await {
                // 1C rejects a numeric literal against a string field (and vice versa) with its
                // error document: this base keeps contract numbers as strings.
                Err(EnoteError::OData { .. }) => {
                    tracing::info!(
                        "Enote rejected the numeric contract filter; trying the quoted form"
                    );
                    self.cards(&odata::contract_filter_quoted(contract)).await?
                }
                other => other?,
            }
        } else {
            match self.cards(&odata::contract_filter_quoted(contract)).await {
                // 1C's type error for a text literal: this base keeps contract numbers as
                // numbers, so a contract with letters in it cannot exist there.
                Err(EnoteError::OData { .. }) => return Err(EnoteError::NotFound),
                other => other?,
            }
        };
        owner_of(&cards)
    }

    fn boundary(&self, e: EnoteError) -> DirectoryError {
        DirectoryError::from(e.scrubbed(&self.http.secrets))
    }
}

/// The owner of the first live card that has one. Cards of several owners under one contract
/// are a data error in Enote; the first wins, as in Enote's own list.
fn owner_of(cards: &[odata::Card]) -> Result<OwnerKey, EnoteError> {
    let mut owners = Vec::new();
    let mut malformed = None;
    for card in cards {
        match card.owner() {
            Ok(Some(k)) if !owners.contains(&k) => owners.push(k),
            Ok(_) => {}
            Err(raw) => malformed = Some(raw),
        }
    }
    if owners.len() > 1 {
        tracing::warn!(
            owners = owners.len(),
            "one contract number, several owners in Enote; using the first"
        );
    }
    match (owners.into_iter().next(), malformed) {
        (Some(k), _) => Ok(k),
        (None, Some(raw)) => Err(EnoteError::BadResponse {
            endpoint: format!("GET {}", odata::CARDS),
            reason: format!("Хозяин_Key is not a GUID: {raw:?}"),
        }),
        (None, None) => Err(EnoteError::NotFound),
    }
}

#[async_trait]
impl PracticeDirectory for EnoteDirectory {
    async fn owner_by_contract(
        &self,
        contract: &ContractNumber,
    ) -> Result<OwnerKey, DirectoryError> {
        self.owner_of_contract(contract)
            .await
            .map_err(|e| self.boundary(e))
    }

    async fn pets_of_owner(&self, owner: &OwnerKey) -> Result<Vec<Pet>, DirectoryError> {
        let cards = self
            .cards(&odata::owner_filter(owner))
            .await
            .map_err(|e| self.boundary(e))?;
        Ok(cards.iter().map(odata::Card::to_pet).collect())
    }

    async fn owner_profile(&self, owner: &OwnerKey) -> Result<OwnerProfile, DirectoryError> {
        let url = odata::url(&self.api_base, "GetClient", &[("id", owner.as_str())]);
        let body = self
            .http
            .get(&url, &Auth::ApiKey(&self.api_key))
            .await
            .map_err(|e| self.boundary(e))?;
        api::parse_client(&body, &endpoint(&url), &self.http.secrets).map_err(|e| self.boundary(e))
    }
}

impl fmt::Debug for EnoteDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnoteDirectory")
            .field("odata_url", &self.odata_base.as_str())
            .field("odata_user", &self.odata_user)
            .field("odata_pass", &"<redacted>")
            .field("api_url", &self.api_base.as_str())
            .field("api_key", &"<redacted>")
            .field("timeout", &self.http.timeout)
            .field("max_retries", &self.http.max_retries)
            .finish()
    }
}

/// Enote without settings: every lookup says so, and staff read that Enote is not configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotConfiguredDirectory;

#[async_trait]
impl PracticeDirectory for NotConfiguredDirectory {
    async fn owner_by_contract(&self, _: &ContractNumber) -> Result<OwnerKey, DirectoryError> {
        Err(DirectoryError::NotConfigured)
    }

    async fn pets_of_owner(&self, _: &OwnerKey) -> Result<Vec<Pet>, DirectoryError> {
        Err(DirectoryError::NotConfigured)
    }

    async fn owner_profile(&self, _: &OwnerKey) -> Result<OwnerProfile, DirectoryError> {
        Err(DirectoryError::NotConfigured)
    }
}

fn base_url(setting: &'static str, raw: &str) -> Result<Url, EnoteSetupError> {
    let invalid = |reason: &str| EnoteSetupError::InvalidUrl {
        setting,
        reason: reason.to_owned(),
    };
    // The parse error text never repeats the input, so a password in it cannot leak here.
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EnoteSetupError::CredentialsInUrl { setting });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query (?…) or fragment (#…)"));
    }
    if url.cannot_be_a_base() {
        return Err(invalid("it cannot be a base for paths"));
    }
    Ok(url)
}

/// The base64 part of `Authorization: Basic …`, only to scrub it from texts.
fn basic_token(user: &str, pass: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{pass}");
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_token_is_base64() {
        assert_eq!(
            basic_token("Aladdin", "open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_token("a", "b"), "YTpi");
        assert_eq!(basic_token("ab", "c"), "YWI6Yw==");
    }

    #[test]
    fn base_urls_are_checked() {
        assert!(base_url("X", "https://h/base/odata/standard.odata").is_ok());
        assert!(base_url("X", "http://10.0.0.5:8080/base/hs/api/v2/").is_ok());
        for bad in [
            "",
            "host/base",
            "ftp://h/x",
            "https://h/x?a=1",
            "mailto:x@y",
        ] {
            assert!(
                matches!(base_url("X", bad), Err(EnoteSetupError::InvalidUrl { .. })),
                "{bad}"
            );
        }
        let e = base_url("ENOTE_ODATA_URL", "https://bot:Pa55@h/x").unwrap_err();
        assert_eq!(
            e,
            EnoteSetupError::CredentialsInUrl {
                setting: "ENOTE_ODATA_URL"
            }
        );
        assert!(!e.to_string().contains("Pa55"));
    }
}
