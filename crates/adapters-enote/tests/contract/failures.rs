//! Failures: statuses, retries, timeouts, unreadable answers, and secrets kept out of errors.

use crate::support::*;
use adapters_enote::EnoteDirectory;
use domain::ports::{DirectoryError, PracticeDirectory};
use std::time::Duration;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROXY_PAGE: &str = "<html><head><title>503 Service Temporarily Unavailable</title></head>\
<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>";

fn html(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(PROXY_PAGE, "text/html")
}

/// Every port method against a server answering `response` to everything; the errors and
/// how many requests each call made.
async fn every_call(response: ResponseTemplate) -> Vec<(DirectoryError, usize)> {
    let (server, dir) = start().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    let mut out = Vec::new();
    let mut before = 0;
    for call in 0..3 {
        let err = match call {
            0 => dir.owner_by_contract(&contract("АБ-17")).await.unwrap_err(),
            1 => dir.pets_of_owner(&owner(OWNER_1)).await.unwrap_err(),
            _ => dir.owner_profile(&owner(OWNER_1)).await.unwrap_err(),
        };
        let now = request_count(&server).await;
        out.push((err, now - before));
        before = now;
    }
    out
}

#[tokio::test]
async fn status_401_and_403_are_unauthorized_without_retry() {
    for status in [401, 403] {
        for (err, requests) in every_call(ResponseTemplate::new(status)).await {
            assert_eq!(err, DirectoryError::Unauthorized, "{status}");
            assert_eq!(requests, 1, "{status}: a 4xx is never retried");
        }
    }
}

#[tokio::test]
async fn status_404_is_a_bad_response_without_retry() {
    for (err, requests) in every_call(ResponseTemplate::new(404)).await {
        assert!(
            matches!(&err, DirectoryError::BadResponse(t) if t.contains("404")),
            "{err:?}"
        );
        assert_eq!(requests, 1);
    }
}

#[tokio::test]
async fn proxy_html_503_is_unavailable_after_two_retries() {
    for (err, requests) in every_call(html(503)).await {
        assert!(
            matches!(&err, DirectoryError::Unavailable(t) if t.contains("503")),
            "{err:?}"
        );
        assert_eq!(requests, 3, "1 attempt + 2 retries");
    }
}

#[tokio::test]
async fn server_errors_without_an_odata_error_are_retried() {
    for response in [
        ResponseTemplate::new(500),
        html(502),
        ResponseTemplate::new(500).set_body_raw("{\"error\":\"boom\"}", "application/json"),
    ] {
        let (err, requests) = every_call(response).await.remove(1);
        assert!(matches!(err, DirectoryError::Unavailable(_)), "{err:?}");
        assert_eq!(requests, 3);
    }
}

#[tokio::test]
async fn odata_error_500_is_a_bad_response_without_retry() {
    let (server, dir) = start().await;
    odata_any()
        .respond_with(odata_error(500))
        .mount(&server)
        .await;
    let err = dir.pets_of_owner(&owner(OWNER_1)).await.unwrap_err();
    assert!(
        matches!(&err, DirectoryError::BadResponse(t) if t.contains("Произошла внутренняя ошибка")),
        "{err:?}"
    );
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn a_transient_failure_is_retried_to_success() {
    let (server, dir) = start().await;
    odata_any()
        .respond_with(html(502))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    odata_any()
        .respond_with(
            ResponseTemplate::new(200).set_body_json(cards_where(|c| c["Хозяин_Key"] == OWNER_1)),
        )
        .mount(&server)
        .await;
    let pets = dir.pets_of_owner(&owner(OWNER_1)).await.unwrap();
    assert_eq!(labels(&pets), ["Барсік (1001)", "Рекс (1002)"]);
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn a_slow_server_times_out_and_is_retried() {
    let server = MockServer::start().await;
    let mut config = config(&server);
    config.timeout = Duration::from_millis(300);
    let dir = EnoteDirectory::new(config).unwrap();
    Mock::given(any())
        .respond_with(json(CLIENT_1).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let err = dir.owner_profile(&owner(OWNER_1)).await.unwrap_err();
    assert!(
        matches!(&err, DirectoryError::Unavailable(t) if t.contains("no answer within")),
        "{err:?}"
    );
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut c = adapters_enote::EnoteConfig::new(
        format!("http://127.0.0.1:{port}{ODATA_PATH}"),
        USER,
        PASS,
        format!("http://127.0.0.1:{port}{API_PATH}"),
        KEY,
    );
    c.retry_backoff = Duration::from_millis(5);
    let dir = EnoteDirectory::new(c).unwrap();
    for err in [
        dir.owner_by_contract(&contract("1001")).await.unwrap_err(),
        dir.owner_profile(&owner(OWNER_1)).await.unwrap_err(),
    ] {
        assert!(
            matches!(&err, DirectoryError::Unavailable(t) if t.contains("cannot connect")),
            "{err:?}"
        );
        assert_no_secrets("connection error", &format!("{err} {err:?}"));
    }
}

#[tokio::test]
async fn unreadable_answers_are_bad_responses_without_retry() {
    for body in [
        "{\"value\": [ not json",
        "{\"something\": \"else\"}",
        "{\"value\": {\"Description\": \"x\"}}",
        "<html>login page</html>",
        "",
    ] {
        let (err, requests) = every_call(json(body)).await.remove(1);
        assert!(
            matches!(err, DirectoryError::BadResponse(_)),
            "{body}: {err:?}"
        );
        assert_eq!(requests, 1, "{body}");
    }
    for body in ["[]", "{\"error\": \"no such method\"}", "not json"] {
        let (err, requests) = every_call(json(body)).await.remove(2);
        assert!(
            matches!(err, DirectoryError::BadResponse(_)),
            "{body}: {err:?}"
        );
        assert_eq!(requests, 1, "{body}");
    }
}

#[tokio::test]
async fn no_error_text_holds_a_secret() {
    // Bodies that echo the credentials back (a debugging proxy, a chatty error page).
    let echo =
        format!("<html>Authorization: Basic {BASIC_TOKEN}; apikey={KEY}; pass={PASS}</html>");
    let odata_echo = serde_json::json!({"odata.error": {"code": "-1", "message": {"lang": "ru", "value": format!("bad {PASS} {KEY}")}}});
    let responses = [
        ResponseTemplate::new(401),
        html(503),
        ResponseTemplate::new(502).set_body_raw(echo.clone(), "text/html"),
        ResponseTemplate::new(404).set_body_raw(echo.clone(), "text/html"),
        ResponseTemplate::new(500).set_body_json(odata_echo),
        json(&echo),
        json(&format!("{{\"value\": \"{KEY} {PASS}\"}}")),
    ];
    for response in responses {
        for (err, _) in every_call(response).await {
            assert_no_secrets("error", &format!("{err} / {err:?}"));
        }
    }
    let server = MockServer::start().await;
    let dir = EnoteDirectory::new(config(&server)).unwrap();
    assert_no_secrets("EnoteDirectory", &format!("{dir:?}"));
    assert_no_secrets("EnoteConfig", &format!("{:?}", config(&server)));
}
