//! The reusable fake (`fake-server` feature) serves the same fixtures and its knobs work.

use crate::support::{OWNER_1, OWNER_2, contract, fixture_expectations, owner};
use adapters_enote::EnoteDirectory;
use adapters_enote::fake::{FAKE_API_KEY, FAKE_ODATA_PASS, FakeEnote};
use domain::ports::{DirectoryError, PracticeDirectory};

async fn fake() -> (FakeEnote, EnoteDirectory) {
    let enote = FakeEnote::start().await;
    let dir = EnoteDirectory::new(enote.config()).unwrap();
    (enote, dir)
}

#[tokio::test]
async fn the_fake_meets_the_fixture_expectations() {
    let (_enote, dir) = fake().await;
    fixture_expectations(&dir).await;
    assert_eq!(dir.ping().await, Ok(()));
}

#[tokio::test]
async fn the_fake_checks_credentials() {
    let enote = FakeEnote::start().await;
    let mut config = enote.config();
    config.odata_pass = "wrong".into();
    config.api_key = "wrong".into();
    let dir = EnoteDirectory::new(config).unwrap();
    assert_eq!(
        dir.owner_by_contract(&contract("1001")).await,
        Err(DirectoryError::Unauthorized)
    );
    assert_eq!(
        dir.owner_profile(&owner(OWNER_1)).await,
        Err(DirectoryError::Unauthorized)
    );
    assert_eq!(enote.request_count().await, 2);
}

#[tokio::test]
async fn the_fake_answers_1c_error_for_a_wrongly_typed_literal() {
    let (enote, dir) = fake().await;
    // Numeric base: a non-numeric contract is quoted and 1C answers its type error — such a
    // contract cannot exist there: not found (staff may type another number).
    assert_eq!(
        dir.owner_by_contract(&contract("АБ-17")).await,
        Err(DirectoryError::NotFound)
    );
    // String base: the unquoted form fails, the quoted one finds the card.
    enote.contracts_as_strings().await;
    let found = dir.owner_by_contract(&contract("2001")).await;
    assert_eq!(found.map(|o| o.to_string()), Ok(OWNER_2.to_owned()));
    let seen = enote.received().await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[1].contains("$filter=НомерДоговора eq 2001"),
        "{seen:?}"
    );
    assert!(
        seen[2].contains("$filter=НомерДоговора eq '2001'"),
        "{seen:?}"
    );
    let pets = dir.pets_of_owner(&owner(OWNER_1)).await.unwrap();
    assert_eq!(pets[0].contract.as_ref().map(|c| c.as_str()), Some("1001"));
}

#[tokio::test]
async fn the_fake_fails_on_demand_and_heals() {
    let (enote, dir) = fake().await;
    let o1 = owner(OWNER_1);

    enote.unauthorized().await;
    assert_eq!(
        dir.pets_of_owner(&o1).await,
        Err(DirectoryError::Unauthorized)
    );
    assert_eq!(enote.request_count().await, 1);

    enote.fail_with(503).await;
    assert!(matches!(
        dir.owner_profile(&o1).await,
        Err(DirectoryError::Unavailable(_))
    ));
    assert_eq!(
        enote.request_count().await,
        4,
        "one attempt and two retries"
    );

    enote.answer_garbage().await;
    assert!(matches!(
        dir.pets_of_owner(&o1).await,
        Err(DirectoryError::BadResponse(_))
    ));

    enote.heal().await;
    assert_eq!(dir.pets_of_owner(&o1).await.unwrap().len(), 2);

    enote.slow().await;
    let err = dir.owner_profile(&o1).await.unwrap_err();
    assert!(
        matches!(&err, DirectoryError::Unavailable(t) if t.contains("no answer")),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains(FAKE_ODATA_PASS) && !text.contains(FAKE_API_KEY));
}
