//! Shared pieces: credentials, the fixture files, matchers on what the client sends, and the
//! fixture expectations as one suite run against every fake.

use adapters_enote::{EnoteConfig, EnoteDirectory};
use domain::contract::ContractNumber;
use domain::owner::{OwnerKey, Pet};
use domain::ports::{DirectoryError, PracticeDirectory};
use serde_json::Value;
use std::time::Duration;
use wiremock::matchers::{basic_auth, header, method, query_param};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

pub const USER: &str = "clinic-bot";
pub const PASS: &str = "Odata-Pa55-S3cret";
pub const KEY: &str = "api-K3y-S3cret-7781";
/// `base64("clinic-bot:Odata-Pa55-S3cret")`: the Authorization header's secret part.
pub const BASIC_TOKEN: &str = "Y2xpbmljLWJvdDpPZGF0YS1QYTU1LVMzY3JldA==";

pub const ODATA_PATH: &str = "/enote/odata/standard.odata";
pub const API_PATH: &str = "/enote/hs/api/v2";
pub const OWNER_1: &str = "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f";
pub const OWNER_2: &str = "0a000002-1a2b-11f0-8a00-0a1b2c3d4e5f";

// The same files the `fake-server` feature embeds.
pub const CARDS: &str = include_str!("../../fixtures/odata-Catalog_Карточки.json");
pub const ODATA_ERROR: &str = include_str!("../../fixtures/odata-error-500.json");
pub const CLIENT_1: &str =
    include_str!("../../fixtures/api-GetClient-0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f.json");
pub const CLIENT_2: &str =
    include_str!("../../fixtures/api-GetClient-0a000002-1a2b-11f0-8a00-0a1b2c3d4e5f.json");

pub fn config(server: &MockServer) -> EnoteConfig {
    let mut c = EnoteConfig::new(
        format!("{}{ODATA_PATH}", server.uri()),
        USER,
        PASS,
        format!("{}{API_PATH}", server.uri()),
        KEY,
    );
    // Generous: only the timeout test shortens it. Short backoff keeps retry tests fast.
    c.timeout = Duration::from_secs(5);
    c.retry_backoff = Duration::from_millis(5);
    c
}

pub async fn start() -> (MockServer, EnoteDirectory) {
    let server = MockServer::start().await;
    let dir = EnoteDirectory::new(config(&server)).expect("valid config");
    (server, dir)
}

pub fn contract(s: &str) -> ContractNumber {
    ContractNumber::parse(s).unwrap()
}

pub fn owner(s: &str) -> OwnerKey {
    OwnerKey::parse(s).unwrap()
}

pub fn labels(pets: &[Pet]) -> Vec<String> {
    pets.iter().map(Pet::label_part).collect()
}

pub async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// A list answer holding the fixture cards that satisfy `keep`, as 1C would filter them.
pub fn cards_where(keep: impl Fn(&Value) -> bool) -> Value {
    let mut doc: Value = serde_json::from_str(CARDS).unwrap();
    let value: Vec<Value> = doc["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| keep(c))
        .cloned()
        .collect();
    doc["value"] = Value::Array(value);
    doc
}

/// The same answer with `НомерДоговора` as strings, as some bases hold it.
pub fn with_string_contracts(mut doc: Value) -> Value {
    for card in doc["value"].as_array_mut().unwrap() {
        let n = card["НомерДоговора"].to_string();
        card["НомерДоговора"] = Value::String(n);
    }
    doc
}

pub fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
}

pub fn odata_error(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(ODATA_ERROR, "application/json")
}

fn decoded_path(r: &Request) -> String {
    percent_encoding::percent_decode_str(r.url.path())
        .decode_utf8_lossy()
        .into_owned()
}

/// A GET of `Catalog_Карточки` with basic auth, `$format=json` and this (decoded) `$filter`.
pub fn odata_query(filter: &str) -> MockBuilder {
    odata_any().and(query_param("$filter", filter))
}

/// A GET of `Catalog_Карточки` with basic auth and `$format=json`, any filter.
pub fn odata_any() -> MockBuilder {
    let wanted = format!("{ODATA_PATH}/Catalog_Карточки");
    Mock::given(method("GET"))
        .and(move |r: &Request| decoded_path(r) == wanted)
        .and(basic_auth(USER, PASS))
        .and(query_param("$format", "json"))
}

/// A GET of `GetClient?id=<owner>` with the `apikey` header.
pub fn get_client(owner: &str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(wiremock::matchers::path(format!("{API_PATH}/GetClient")))
        .and(header("apikey", KEY))
        .and(query_param("id", owner))
}

/// Mocks answering every query the fixture expectations make, like a real base would.
pub async fn mount_fixture_enote(server: &MockServer) {
    for n in [1001, 2001, 9999] {
        odata_query(&format!("НомерДоговора eq {n}"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(cards_where(|c| c["НомерДоговора"] == n)),
            )
            .mount(server)
            .await;
    }
    for owner in [OWNER_1, OWNER_2] {
        odata_query(&format!("Хозяин_Key eq guid'{owner}'"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(cards_where(|c| c["Хозяин_Key"] == owner)),
            )
            .mount(server)
            .await;
    }
    get_client(OWNER_1)
        .respond_with(json(CLIENT_1))
        .mount(server)
        .await;
    get_client(OWNER_2)
        .respond_with(json(CLIENT_2))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path(format!("{API_PATH}/GetClient")))
        .and(header("apikey", KEY))
        .respond_with(json("null"))
        .with_priority(10)
        .mount(server)
        .await;
}

/// Everything `fixtures/README.md` expects, against any directory serving those fixtures.
pub async fn fixture_expectations(dir: &dyn PracticeDirectory) {
    // Contract 1001 → owner 0a000001-…, with live pets only.
    let o1 = dir.owner_by_contract(&contract("1001")).await.unwrap();
    assert_eq!(o1.as_str(), OWNER_1);
    let pets = dir.pets_of_owner(&o1).await.unwrap();
    assert_eq!(labels(&pets), ["Барсік (1001)", "Рекс (1002)"]);
    assert!(!pets.iter().any(|p| p.name == "Бім"), "deleted card shown");

    let p1 = dir.owner_profile(&o1).await.unwrap();
    let phones: Vec<&str> = p1.phones.iter().map(|p| p.digits()).collect();
    assert_eq!(phones, ["380671234567", "380501234567"]);
    assert!(p1.unparsed_phones.is_empty());
    assert_eq!(p1.given_name(), "Олена");
    assert_eq!(p1.full_name(), "Шевченко Олена Петрівна");

    // Contract 2001 → owner 0a000002-….
    let o2 = dir.owner_by_contract(&contract("№ 2001")).await.unwrap();
    assert_eq!(o2.as_str(), OWNER_2);
    assert_eq!(
        labels(&dir.pets_of_owner(&o2).await.unwrap()),
        ["Мурка (2001)"]
    );
    let p2 = dir.owner_profile(&o2).await.unwrap();
    let phones: Vec<&str> = p2.phones.iter().map(|p| p.digits()).collect();
    assert_eq!(phones, ["380931112233"]);
    assert_eq!(p2.full_name(), "Коваленко Андрій");

    // Unknown contract, and GetClient's `null`.
    assert_eq!(
        dir.owner_by_contract(&contract("9999")).await,
        Err(DirectoryError::NotFound)
    );
    assert_eq!(
        dir.owner_profile(&owner("0a000009-1a2b-11f0-8a00-0a1b2c3d4e5f"))
            .await,
        Err(DirectoryError::NotFound)
    );
}

/// Neither the password, the API key, nor the basic-auth token in an error's texts.
pub fn assert_no_secrets(what: &str, text: &str) {
    for secret in [PASS, KEY, BASIC_TOKEN] {
        assert!(!text.contains(secret), "{what} leaks a secret: {text}");
    }
}
