//! Enote's `hs/api/v2/GetClient`: the owner's names and phones.

use crate::error::{EnoteError, Secrets, json_problem};
use crate::odata::bad_body;
use domain::owner::OwnerProfile;
use domain::phone::Phone;
use serde::Deserialize;

/// The contact type that holds phones; others (e-mail, address, …) are skipped.
const PHONE_TYPE: &str = "PHONE_NUMBER";

#[derive(Deserialize)]
struct Client {
    #[serde(rename = "lastName", default)]
    last_name: Option<String>,
    #[serde(rename = "firstName", default)]
    first_name: Option<String>,
    #[serde(rename = "middleName", default)]
    middle_name: Option<String>,
    #[serde(default)]
    contact_information: Option<Vec<Contact>>,
}

#[derive(Deserialize)]
struct Contact {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    value: Option<serde_json::Value>,
}

/// Reads a `GetClient` body: `null` → not found; an object → the profile.
pub(crate) fn parse_client(
    body: &[u8],
    endpoint: &str,
    secrets: &Secrets,
) -> Result<OwnerProfile, EnoteError> {
    let bad = |why: &str| bad_body(body, endpoint, why, secrets);
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| bad(&json_problem(&e)))?;
    let object = match &value {
        serde_json::Value::Null => return Err(EnoteError::NotFound),
        serde_json::Value::Object(o) => o,
        _ => return Err(bad("unexpected shape: not a JSON object")),
    };
    // An object with none of the fields is some other document (an error, a changed API), not
    // a client without data.
    let known = ["lastName", "firstName", "middleName", "contact_information"];
    if !known.iter().any(|k| object.contains_key(*k)) {
        return Err(bad("unexpected shape: no client fields"));
    }
    let client: Client = serde_json::from_value(value).map_err(|e| bad(&json_problem(&e)))?;

    let mut profile = OwnerProfile {
        last_name: trimmed(client.last_name),
        first_name: trimmed(client.first_name),
        middle_name: trimmed(client.middle_name),
        ..OwnerProfile::default()
    };
    for contact in client.contact_information.unwrap_or_default() {
        let is_phone = contact
            .kind
            .as_deref()
            .is_some_and(|k| k.trim().eq_ignore_ascii_case(PHONE_TYPE));
        if !is_phone {
            continue;
        }
        let raw = match contact.value {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        add_phones(&mut profile, &raw);
    }
    Ok(profile)
}

/// Normalizes one contact value into `phones`, or keeps it as typed in `unparsed_phones`.
/// Staff sometimes type two numbers into one field, separated by `,` or `;`.
fn add_phones(profile: &mut OwnerProfile, raw: &str) {
    for part in raw.split([',', ';']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match Phone::parse(part) {
            Ok(phone) => {
                if !profile.phones.contains(&phone) {
                    profile.phones.push(phone);
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "Enote phone that does not normalize; shown as typed");
                if !profile.unparsed_phones.iter().any(|p| p == part) {
                    profile.unparsed_phones.push(part.to_owned());
                }
            }
        }
    }
}

fn trimmed(s: Option<String>) -> String {
    s.map(|s| s.trim().to_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalized_deduplicated_and_garbage_kept_aside() {
        let body = r#"{
            "lastName": " Коваль ", "firstName": null,
            "contact_information": [
                {"type": "EMAIL", "value": "a@b.c"},
                {"type": "PHONE_NUMBER", "value": "+38 (067) 123-45-67"},
                {"type": "phone_number", "value": "0671234567; 0501234567"},
                {"type": "PHONE_NUMBER", "value": "дзвонити ввечері"},
                {"type": "PHONE_NUMBER", "value": "дзвонити ввечері"},
                {"type": "PHONE_NUMBER", "value": ""},
                {"type": "PHONE_NUMBER", "value": null},
                {"type": "PHONE_NUMBER", "value": 380931112233},
                {"value": "0441234567"}
            ]
        }"#;
        let p = parse_client(body.as_bytes(), "GET x", &Secrets::default()).unwrap();
        assert_eq!(p.last_name, "Коваль");
        assert_eq!(p.first_name, "");
        let digits: Vec<&str> = p.phones.iter().map(Phone::digits).collect();
        assert_eq!(digits, ["380671234567", "380501234567", "380931112233"]);
        assert_eq!(p.unparsed_phones, ["дзвонити ввечері"]);
    }

    #[test]
    fn null_is_not_found_and_other_shapes_are_bad() {
        assert_eq!(
            parse_client(b"null", "GET x", &Secrets::default()),
            Err(EnoteError::NotFound)
        );
        for (body, why) in [
            (&b"[]"[..], "unexpected shape"),
            (b"{\"error\":\"x\"}", "unexpected shape"),
            (b"{\"lastName\": 5}", "unexpected shape"),
            (b"<html>", "not JSON"),
            (b"", "not JSON"),
        ] {
            assert!(
                matches!(
                    parse_client(body, "GET x", &Secrets::default()),
                    Err(EnoteError::BadResponse { reason, .. }) if reason.starts_with(why)
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
