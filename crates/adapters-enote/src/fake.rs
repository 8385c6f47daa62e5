//! An in-process fake Enote for end-to-end tests (feature `fake-server`).
//!
//! It serves the fixture files of this crate (`fixtures/`, the same ones the contract tests
//! read) the way a real base does: OData with basic auth and `$filter` by contract or owner,
//! 1C's 500 `odata.error` for a literal of the wrong type, deleted cards included in answers,
//! `GetClient` with the `apikey` header and `null` for an unknown id. Knobs switch it into the
//! failures staff must be told about.
//!
//! ```no_run
//! # use adapters_enote::{EnoteDirectory, fake::FakeEnote};
//! # use domain::{contract::ContractNumber, ports::{DirectoryError, PracticeDirectory}};
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let enote = FakeEnote::start().await;
//! let directory = EnoteDirectory::new(enote.config())?;
//! let contract = ContractNumber::parse("1001")?;
//! enote.fail_with(503).await; // a proxy's error page on every request
//! let failed = directory.owner_by_contract(&contract).await;
//! assert!(matches!(failed, Err(DirectoryError::Unavailable(_))));
//! assert_eq!(enote.request_count().await, 3); // one attempt, two retries
//! enote.heal().await; // back to the fixtures
//! assert!(directory.owner_by_contract(&contract).await.is_ok());
//! # Ok(())
//! # }
//! ```

use crate::config::EnoteConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use wiremock::matchers::{any, basic_auth, header};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

/// The fixture files, embedded.
pub mod fixtures {
    /// `Catalog_Карточки`: four cards of two owners, one deleted, contracts as JSON numbers.
    pub const CARDS: &str = include_str!("../fixtures/odata-Catalog_Карточки.json");
    /// 1C's answer to a quoted literal against a numeric field.
    pub const ODATA_ERROR_500: &str = include_str!("../fixtures/odata-error-500.json");
    /// `GetClient` for owner `0a000001-…` (Шевченко Олена Петрівна, two phones).
    pub const CLIENT_1: &str =
        include_str!("../fixtures/api-GetClient-0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f.json");
    /// `GetClient` for owner `0a000002-…` (Коваленко Андрій, one phone).
    pub const CLIENT_2: &str =
        include_str!("../fixtures/api-GetClient-0a000002-1a2b-11f0-8a00-0a1b2c3d4e5f.json");
    /// Owner of contracts 1001, 1002 (and the deleted 1003).
    pub const OWNER_1: &str = "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f";
    /// Owner of contract 2001.
    pub const OWNER_2: &str = "0a000002-1a2b-11f0-8a00-0a1b2c3d4e5f";
}

/// The basic-auth user the fake accepts.
pub const FAKE_ODATA_USER: &str = "fake-bot";
/// The basic-auth password the fake accepts.
pub const FAKE_ODATA_PASS: &str = "fake-odata-Pa55";
/// The `apikey` the fake accepts.
pub const FAKE_API_KEY: &str = "fake-api-K3y";
/// The per-attempt timeout in [`FakeEnote::config`].
pub const FAKE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long [`FakeEnote::slow`] holds each answer: far beyond [`FAKE_TIMEOUT`].
pub const SLOW_DELAY: Duration = Duration::from_secs(10);

const ODATA_PATH: &str = "/enote/odata/standard.odata";
const API_PATH: &str = "/enote/hs/api/v2";

/// A running fake Enote. Dropping it stops the server.
pub struct FakeEnote {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    failure: Option<Failure>,
    string_contracts: bool,
}

#[derive(Clone, Copy)]
enum Failure {
    Status(u16),
    Slow,
    Garbage,
}

impl FakeEnote {
    /// Starts a fake on a free local port, serving the fixtures.
    pub async fn start() -> FakeEnote {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Responder {
                state: Arc::clone(&state),
                data: Data::load(),
            })
            .mount(&server)
            .await;
        FakeEnote { server, state }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The fake's `ENOTE_ODATA_URL`.
    pub fn odata_url(&self) -> String {
        format!("{}{ODATA_PATH}", self.uri())
    }

    /// The fake's `ENOTE_API_URL`.
    pub fn api_url(&self) -> String {
        format!("{}{API_PATH}", self.uri())
    }

    /// A configuration pointing at the fake, with its credentials, a 1 s timeout and 20 ms
    /// backoff, so failure scenarios finish in a few seconds.
    pub fn config(&self) -> EnoteConfig {
        let mut c = EnoteConfig::new(
            self.odata_url(),
            FAKE_ODATA_USER,
            FAKE_ODATA_PASS,
            self.api_url(),
            FAKE_API_KEY,
        );
        c.timeout = FAKE_TIMEOUT;
        c.retry_backoff = Duration::from_millis(20);
        c
    }

    /// From now on every request gets `status`: 5xx with a proxy's HTML page (→ unavailable
    /// after retries), 401/403 (→ unauthorized), other codes with an empty body.
    pub async fn fail_with(&self, status: u16) {
        self.state().failure = Some(Failure::Status(status));
    }

    /// From now on every request gets 401.
    pub async fn unauthorized(&self) {
        self.fail_with(401).await;
    }

    /// From now on every answer comes after [`SLOW_DELAY`], beyond the configured timeout.
    pub async fn slow(&self) {
        self.state().failure = Some(Failure::Slow);
    }

    /// From now on every request gets 200 with a body that is not JSON (→ bad response).
    pub async fn answer_garbage(&self) {
        self.state().failure = Some(Failure::Garbage);
    }

    /// Behave like a base that keeps `НомерДоговора` as a string: an unquoted number in the
    /// filter gets 1C's 500, the quoted form finds the card, answers carry strings.
    pub async fn contracts_as_strings(&self) {
        self.state().string_contracts = true;
    }

    /// Back to normal answers (contract type unchanged).
    pub async fn heal(&self) {
        self.state().failure = None;
    }

    /// Requests received so far, failed ones included.
    pub async fn request_count(&self) -> usize {
        self.server
            .received_requests()
            .await
            .map(|r| r.len())
            .unwrap_or(0)
    }

    /// Requests received so far, decoded for reading, one line each, e.g.
    /// `/enote/odata/standard.odata/Catalog_Карточки $format=json $filter=НомерДоговора eq 1001`.
    pub async fn received(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let mut line = decoded_path(r);
                for (k, v) in r.url.query_pairs() {
                    line.push_str(&format!(" {k}={v}"));
                }
                line
            })
            .collect()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not take the fake down for the others.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn decoded_path(r: &Request) -> String {
    percent_encoding::percent_decode_str(r.url.path())
        .decode_utf8_lossy()
        .into_owned()
}

/// The fixture data, parsed once.
struct Data {
    catalog: serde_json::Value,
    clients: HashMap<String, String>,
}

impl Data {
    fn load() -> Data {
        let catalog = serde_json::from_str(fixtures::CARDS).expect("fixture cards are JSON");
        let clients = [fixtures::CLIENT_1, fixtures::CLIENT_2]
            .into_iter()
            .map(|body| {
                let v: serde_json::Value =
                    serde_json::from_str(body).expect("fixture client is JSON");
                let id = v["enoteId"]
                    .as_str()
                    .expect("fixture has enoteId")
                    .to_owned();
                (id, body.to_owned())
            })
            .collect();
        Data { catalog, clients }
    }
}

struct Responder {
    state: Arc<Mutex<State>>,
    data: Data,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (failure, string_contracts) = {
            let s = lock(&self.state);
            (s.failure, s.string_contracts)
        };
        match failure {
            Some(Failure::Status(status)) => return status_page(status),
            Some(Failure::Garbage) => {
                return ResponseTemplate::new(200)
                    .set_body_raw("{\"value\": [ this is not JSON", "application/json");
            }
            Some(Failure::Slow) => {
                return self.route(request, string_contracts).set_delay(SLOW_DELAY);
            }
            None => {}
        }
        self.route(request, string_contracts)
    }
}

impl Responder {
    fn route(&self, request: &Request, string_contracts: bool) -> ResponseTemplate {
        let path = decoded_path(request);
        if path == format!("{ODATA_PATH}/Catalog_Карточки") {
            if !basic_auth(FAKE_ODATA_USER, FAKE_ODATA_PASS).matches(request) {
                return ResponseTemplate::new(401);
            }
            self.cards(request, string_contracts)
        } else if path == format!("{API_PATH}/GetClient") {
            if !header("apikey", FAKE_API_KEY).matches(request) {
                return ResponseTemplate::new(401);
            }
            self.client(request)
        } else {
            ResponseTemplate::new(404)
        }
    }

    fn cards(&self, request: &Request, string_contracts: bool) -> ResponseTemplate {
        let params: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        if params.get("$format").map(String::as_str) != Some("json") {
            // 1C's default is Atom XML.
            return ResponseTemplate::new(200).set_body_raw(
                "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"/>",
                "application/atom+xml",
            );
        }
        let all = self.data.catalog["value"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let selected: Vec<serde_json::Value> = match params.get("$filter") {
            None => all,
            Some(filter) => match matching(filter, &all, string_contracts) {
                Some(cards) => cards,
                None => return odata_error(),
            },
        };
        let top = params
            .get("$top")
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        let value: Vec<serde_json::Value> = selected
            .into_iter()
            .take(top)
            .map(|mut card| {
                if string_contracts && let Some(n) = card.get("НомерДоговора").cloned()
                {
                    card["НомерДоговора"] = serde_json::Value::String(
                        n.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| n.to_string()),
                    );
                }
                card
            })
            .collect();
        let body = serde_json::json!({
            "odata.metadata": self.data.catalog["odata.metadata"],
            "value": value,
        });
        ResponseTemplate::new(200).set_body_json(body)
    }

    fn client(&self, request: &Request) -> ResponseTemplate {
        let id = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.to_lowercase());
        match id {
            None => ResponseTemplate::new(400),
            Some(id) => {
                let body = self.data.clients.get(&id).map_or("null", String::as_str);
                ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
            }
        }
    }
}

/// The cards a 1C base would return for `filter`, or `None` where 1C answers its 500.
fn matching(
    filter: &str,
    all: &[serde_json::Value],
    string_contracts: bool,
) -> Option<Vec<serde_json::Value>> {
    let keep = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        Some(all.iter().filter(|c| pred(c)).cloned().collect())
    };
    if let Some(literal) = filter.strip_prefix("НомерДоговора eq ") {
        let contract_text = |c: &serde_json::Value| match &c["НомерДоговора"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Some(quoted) = literal
            .strip_prefix('\'')
            .and_then(|l| l.strip_suffix('\''))
        {
            if !string_contracts {
                return None;
            }
            let wanted = quoted.replace("''", "'");
            return keep(&|c| contract_text(c) == wanted);
        }
        if string_contracts || literal.is_empty() || !literal.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let wanted: u64 = literal.parse().ok()?;
        return keep(&|c| c["НомерДоговора"].as_u64() == Some(wanted));
    }
    if let Some(guid) = filter
        .strip_prefix("Хозяин_Key eq guid'")
        .and_then(|g| g.strip_suffix('\''))
    {
        return keep(&|c| {
            c["Хозяин_Key"]
                .as_str()
                .is_some_and(|k| k.eq_ignore_ascii_case(guid))
        });
    }
    None
}

fn odata_error() -> ResponseTemplate {
    ResponseTemplate::new(500).set_body_raw(fixtures::ODATA_ERROR_500, "application/json")
}

fn status_page(status: u16) -> ResponseTemplate {
    let template = ResponseTemplate::new(status);
    if status >= 500 {
        template.set_body_raw(
            format!("<html><head><title>{status}</title></head><body><center><h1>{status} Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"),
            "text/html",
        )
    } else {
        template
    }
}
