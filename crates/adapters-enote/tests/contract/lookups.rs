//! The happy paths and 1C's quirks: what the client sends, and what it makes of the answers.

use crate::support::*;
use domain::ports::{DirectoryError, PracticeDirectory};
use serde_json::json;
use wiremock::ResponseTemplate;

#[tokio::test]
async fn fixture_expectations_hold_against_the_recorded_shapes() {
    let (server, dir) = start().await;
    mount_fixture_enote(&server).await;
    fixture_expectations(&dir).await;
}

#[tokio::test]
async fn on_the_wire_names_are_percent_encoded_utf8_and_dollar_is_kept() {
    let (server, dir) = start().await;
    mount_fixture_enote(&server).await;
    let o1 = dir.owner_by_contract(&contract("1001")).await.unwrap();
    dir.owner_profile(&o1).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let odata = &requests[0];
    assert_eq!(
        odata.url.path(),
        "/enote/odata/standard.odata/Catalog_%D0%9A%D0%B0%D1%80%D1%82%D0%BE%D1%87%D0%BA%D0%B8"
    );
    let query = odata.url.query().unwrap();
    assert!(query.starts_with("$format=json&$filter="), "{query}");
    assert!(
        query.contains(
            "$filter=%D0%9D%D0%BE%D0%BC%D0%B5%D1%80%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%D0%B0%20eq%201001"
        ),
        "{query}"
    );
    assert!(!query.contains('+') && !query.contains("%24"), "{query}");
    assert_eq!(
        odata.headers["authorization"].to_str().unwrap(),
        format!("Basic {BASIC_TOKEN}")
    );
    assert!(
        odata.headers.get("apikey").is_none(),
        "API key sent to OData"
    );

    let api = &requests[1];
    assert_eq!(api.url.path(), "/enote/hs/api/v2/GetClient");
    assert_eq!(api.url.query(), Some(format!("id={OWNER_1}").as_str()));
    assert_eq!(api.headers["apikey"].to_str().unwrap(), KEY);
    assert!(
        api.headers.get("authorization").is_none(),
        "OData credentials sent to hs/api"
    );
}

#[tokio::test]
async fn owner_filter_uses_a_lowercase_guid_literal() {
    let (server, dir) = start().await;
    mount_fixture_enote(&server).await;
    let pets = dir
        .pets_of_owner(&owner("0A000001-1A2B-11F0-8A00-0A1B2C3D4E5F"))
        .await
        .unwrap();
    assert_eq!(labels(&pets), ["Барсік (1001)", "Рекс (1002)"]);
    let q = server.received_requests().await.unwrap()[0]
        .url
        .query()
        .unwrap()
        .to_owned();
    assert!(
        q.contains("guid%270a000001-1a2b-11f0-8a00-0a1b2c3d4e5f%27"),
        "{q}"
    );
}

#[tokio::test]
async fn a_contract_whose_only_card_is_deleted_is_not_found() {
    let (server, dir) = start().await;
    odata_query("НомерДоговора eq 1003")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(cards_where(|c| c["НомерДоговора"] == 1003)),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        dir.owner_by_contract(&contract("1003")).await,
        Err(DirectoryError::NotFound)
    );
}

#[tokio::test]
async fn an_empty_owner_reference_is_not_found() {
    let (server, dir) = start().await;
    let mut doc = cards_where(|c| c["НомерДоговора"] == 1001);
    doc["value"][0]["Хозяин_Key"] = json!("00000000-0000-0000-0000-000000000000");
    odata_query("НомерДоговора eq 1001")
        .respond_with(ResponseTemplate::new(200).set_body_json(doc))
        .mount(&server)
        .await;
    assert_eq!(
        dir.owner_by_contract(&contract("1001")).await,
        Err(DirectoryError::NotFound)
    );
}

#[tokio::test]
async fn a_malformed_owner_reference_is_a_bad_response() {
    let (server, dir) = start().await;
    let mut doc = cards_where(|c| c["НомерДоговора"] == 1001);
    doc["value"][0]["Хозяин_Key"] = json!("not-a-guid");
    odata_query("НомерДоговора eq 1001")
        .respond_with(ResponseTemplate::new(200).set_body_json(doc))
        .mount(&server)
        .await;
    assert!(matches!(
        dir.owner_by_contract(&contract("1001")).await,
        Err(DirectoryError::BadResponse(_))
    ));
}

#[tokio::test]
async fn contract_numbers_may_come_as_strings() {
    let (server, dir) = start().await;
    odata_query(&format!("Хозяин_Key eq guid'{OWNER_1}'"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(with_string_contracts(cards_where(|c| {
                c["Хозяин_Key"] == OWNER_1
            }))),
        )
        .mount(&server)
        .await;
    let pets = dir.pets_of_owner(&owner(OWNER_1)).await.unwrap();
    assert_eq!(labels(&pets), ["Барсік (1001)", "Рекс (1002)"]);
}

#[tokio::test]
async fn an_owner_without_pets_has_an_empty_list() {
    let (server, dir) = start().await;
    odata_any()
        .respond_with(ResponseTemplate::new(200).set_body_json(cards_where(|_| false)))
        .mount(&server)
        .await;
    assert_eq!(
        dir.pets_of_owner(&owner("0a000009-1a2b-11f0-8a00-0a1b2c3d4e5f"))
            .await,
        Ok(vec![])
    );
}

/// A base holding contracts as strings answers 1C's error (500, or 400 on some setups) to the
/// unquoted number; the client retries once with the quoted literal and reads string numbers.
#[tokio::test]
async fn numeric_contract_falls_back_to_the_quoted_literal_on_1c_error() {
    for status in [500, 400] {
        let (server, dir) = start().await;
        odata_query("НомерДоговора eq 1001")
            .respond_with(odata_error(status))
            .expect(1)
            .mount(&server)
            .await;
        odata_query("НомерДоговора eq '1001'")
            .respond_with(
                ResponseTemplate::new(200).set_body_json(with_string_contracts(cards_where(|c| {
                    c["НомерДоговора"] == 1001
                }))),
            )
            .expect(1)
            .mount(&server)
            .await;
        let found = dir.owner_by_contract(&contract("1001")).await;
        assert_eq!(
            found.map(|o| o.to_string()),
            Ok(OWNER_1.to_owned()),
            "{status}"
        );
        assert_eq!(
            request_count(&server).await,
            2,
            "{status}: no retries, one fallback"
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn a_failing_fallback_is_a_bad_response() {
    let (server, dir) = start().await;
    odata_any()
        .respond_with(odata_error(500))
        .mount(&server)
        .await;
    let err = dir.owner_by_contract(&contract("1001")).await.unwrap_err();
    assert!(
        matches!(&err, DirectoryError::BadResponse(t) if t.contains("-1")),
        "{err:?}"
    );
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn non_numeric_contracts_go_quoted_directly_with_inner_quotes_doubled() {
    for (typed, filter) in [
        ("АБ-17", "НомерДоговора eq 'АБ-17'"),
        ("O'Neil-1", "НомерДоговора eq 'O''Neil-1'"),
    ] {
        let (server, dir) = start().await;
        let mut doc = with_string_contracts(cards_where(|c| c["НомерДоговора"] == 2001));
        doc["value"][0]["НомерДоговора"] = json!(typed);
        odata_query(filter)
            .respond_with(ResponseTemplate::new(200).set_body_json(doc))
            .expect(1)
            .mount(&server)
            .await;
        let found = dir.owner_by_contract(&contract(typed)).await;
        assert_eq!(
            found.map(|o| o.to_string()),
            Ok(OWNER_2.to_owned()),
            "{typed}"
        );
        assert_eq!(request_count(&server).await, 1, "{typed}");
    }
}

#[tokio::test]
async fn profile_skips_other_contact_types_and_keeps_garbage_aside() {
    let (server, dir) = start().await;
    let body = json!({
        "enoteId": OWNER_1,
        "lastName": "Шевченко",
        "firstName": "",
        "middleName": null,
        "contact_information": [
            {"type": "EMAIL", "value": "olena@example.com"},
            {"type": "PHONE_NUMBER", "value": "0671234567"},
            {"type": "PHONE_NUMBER", "value": "+38 (067) 123-45-67"},
            {"type": "PHONE_NUMBER", "value": "немає"},
            {"type": "ADDRESS", "value": "Київ"}
        ]
    });
    get_client(OWNER_1)
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let p = dir.owner_profile(&owner(OWNER_1)).await.unwrap();
    let phones: Vec<&str> = p.phones.iter().map(|p| p.digits()).collect();
    assert_eq!(phones, ["380671234567"]);
    assert_eq!(p.unparsed_phones, ["немає"]);
    assert_eq!(p.full_name(), "Шевченко");
}

#[tokio::test]
async fn ping_asks_for_one_card() {
    let (server, dir) = start().await;
    odata_any()
        .and(wiremock::matchers::query_param("$top", "1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(cards_where(|c| c["НомерДоговора"] == 1001)),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(dir.ping().await, Ok(()));
}
