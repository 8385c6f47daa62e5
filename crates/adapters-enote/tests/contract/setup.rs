//! Configuration: `from_parts`, what `EnoteDirectory::new` refuses, and running without Enote.

use crate::support::*;
use adapters_enote::{
    EnoteConfig, EnoteConfigError, EnoteDirectory, EnoteSetupError, NotConfiguredDirectory,
};
use domain::ports::{DirectoryError, PracticeDirectory};
use std::time::Duration;
use wiremock::MockServer;

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[tokio::test]
async fn not_configured_directory_says_so_everywhere() {
    let dir = NotConfiguredDirectory;
    assert_eq!(
        dir.owner_by_contract(&contract("1001")).await,
        Err(DirectoryError::NotConfigured)
    );
    assert_eq!(
        dir.pets_of_owner(&owner(OWNER_1)).await,
        Err(DirectoryError::NotConfigured)
    );
    assert_eq!(
        dir.owner_profile(&owner(OWNER_1)).await,
        Err(DirectoryError::NotConfigured)
    );
}

#[test]
fn from_parts_none_some_or_all() {
    assert!(EnoteConfig::from_parts(None, None, None, None, None).is_none());

    let partial = EnoteConfig::from_parts(
        some("https://h/b/odata/standard.odata"),
        some("bot"),
        some(PASS),
        None,
        None,
    );
    let err = partial.unwrap().unwrap_err();
    assert_eq!(
        err,
        EnoteConfigError::Missing(vec!["ENOTE_API_URL", "ENOTE_API_KEY"])
    );
    assert!(err.to_string().contains("ENOTE_API_URL, ENOTE_API_KEY"));
    assert_no_secrets("config error", &format!("{err} {err:?}"));

    let only_key = EnoteConfig::from_parts(None, None, None, None, some(KEY));
    assert_eq!(
        only_key.unwrap().unwrap_err(),
        EnoteConfigError::Missing(vec![
            "ENOTE_ODATA_URL",
            "ENOTE_ODATA_USER",
            "ENOTE_ODATA_PASS",
            "ENOTE_API_URL"
        ])
    );

    let full = EnoteConfig::from_parts(
        some("https://h/b/odata/standard.odata"),
        some(USER),
        some(PASS),
        some("https://h/b/hs/api/v2"),
        some(KEY),
    )
    .unwrap()
    .unwrap();
    assert_eq!(full.timeout, Duration::from_secs(20));
    assert_eq!(full.odata_pass, PASS);
    assert_eq!(full.api_key, KEY);
    assert_no_secrets("EnoteConfig", &format!("{full:?}"));
}

#[tokio::test]
async fn a_config_from_parts_reaches_enote() {
    let server = MockServer::start().await;
    mount_fixture_enote(&server).await;
    let config = EnoteConfig::from_parts(
        Some(format!("{}{ODATA_PATH}/", server.uri())),
        some(USER),
        some(PASS),
        Some(format!("{}{API_PATH}", server.uri())),
        some(KEY),
    )
    .unwrap()
    .unwrap();
    let dir = EnoteDirectory::new(config).unwrap();
    assert_eq!(
        dir.owner_by_contract(&contract("1001"))
            .await
            .map(|o| o.to_string()),
        Ok(OWNER_1.to_owned())
    );
}

#[test]
fn new_refuses_unusable_settings_without_echoing_secrets() {
    let base = || {
        EnoteConfig::new(
            "https://h/b/odata/standard.odata",
            USER,
            PASS,
            "https://h/b/hs/api/v2",
            KEY,
        )
    };
    let cases: Vec<(EnoteConfig, &str)> = vec![
        (
            EnoteConfig {
                odata_url: "h/b/odata".into(),
                ..base()
            },
            "ENOTE_ODATA_URL",
        ),
        (
            EnoteConfig {
                api_url: "ftp://h/api".into(),
                ..base()
            },
            "ENOTE_API_URL",
        ),
        (
            EnoteConfig {
                odata_url: format!("https://{USER}:{PASS}@h/b/odata"),
                ..base()
            },
            "ENOTE_ODATA_URL",
        ),
        (
            EnoteConfig {
                api_key: format!("{KEY}\n"),
                ..base()
            },
            "ENOTE_API_KEY",
        ),
        (
            EnoteConfig {
                odata_user: "a:b".into(),
                ..base()
            },
            "ENOTE_ODATA_USER",
        ),
        (
            EnoteConfig {
                timeout: Duration::ZERO,
                ..base()
            },
            "ENOTE_TIMEOUT",
        ),
    ];
    for (config, setting) in cases {
        let err: EnoteSetupError = EnoteDirectory::new(config).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains(setting), "{text}");
        assert_no_secrets("setup error", &text);
    }
    assert!(EnoteDirectory::new(base()).is_ok());
}
