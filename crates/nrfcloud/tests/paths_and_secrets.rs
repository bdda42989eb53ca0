//! Hostile values on the wrapper's side of the generated client: path parameters that would
//! leave their operation (issue #18.6), and secrets in the errors of undecodable responses
//! (#18.11).

use nrfcloud::{Client, Error};
use nrfcloud_testkit::{Recorder, Reply};

const API_KEY: &str = "test-api-key-0123456789abcdef";

async fn setup() -> (Recorder, Client) {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .build()
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn a_dot_dot_path_parameter_is_invalid_input_and_nothing_is_sent() {
    let (server, client) = setup().await;
    server.reply(Reply::empty(202));
    for value in ["..", ".", ""] {
        let err = client
            .api()
            .delete_anchor()
            .mac_address(value.to_string())
            .send()
            .await
            .unwrap_err();
        match &err {
            Error::InvalidInput {
                operation, reason, ..
            } => {
                assert_eq!(*operation, Some("DeleteAnchor"));
                assert!(reason.contains("macAddress"), "{err}");
            }
            other => panic!("{value:?}: unexpected {other:?}"),
        }
    }
    assert_eq!(server.count(), 0, "nothing was sent");
}

/// A private key as GenerateServiceKeyAndToken answers it.
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBKzSECRETsecretSECRETsecretSECRETsecretSECRETsecoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n";

#[tokio::test]
async fn an_undecodable_service_key_answer_does_not_put_the_key_in_the_error() {
    let (server, client) = setup().await;
    let token_of_wrong_type = serde_json::json!({"key": KEY, "token": 12345});
    let bare_key = serde_json::json!(KEY);
    let bodies = [
        token_of_wrong_type.to_string(),
        bare_key.to_string(),
        format!(
            "{{\"key\": {}, \"token\": \"eyJhbGciOiJFUzI1NiJ9.e30",
            serde_json::json!(KEY)
        ),
    ];
    for body in bodies {
        server.reply(Reply::bytes(200, "application/json", body.clone()));
        let err = client
            .api()
            .generate_service_key_and_token()
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Decode {
                    operation: "GenerateServiceKeyAndToken",
                    ..
                }
            ),
            "{err:?}"
        );
        for text in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            assert!(!text.contains("BEGIN EC PRIVATE KEY"), "{body}: {text}");
            assert!(!text.contains("SECRET"), "{body}: {text}");
            assert!(!text.contains("eyJhbGci"), "{body}: {text}");
        }
        assert!(err.to_string().contains("withheld"), "{err}");
    }

    // A 2xx the document does not declare is a decode error too, with the same care.
    server.reply(Reply::bytes(
        201,
        "application/json",
        serde_json::json!({"key": KEY}).to_string(),
    ));
    let err = client
        .api()
        .generate_service_key_and_token()
        .send()
        .await
        .unwrap_err();
    assert!(
        !format!("{err:?}").contains("BEGIN EC PRIVATE KEY"),
        "{err:?}"
    );
}

#[tokio::test]
async fn other_operations_keep_their_excerpt() {
    // The control: an operation without secrets shows the start of a body it cannot decode.
    let (server, client) = setup().await;
    server.reply(Reply::bytes(
        200,
        "application/json",
        "{\"mqttEndpoint\": 5}",
    ));
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert!(err.to_string().contains("mqttEndpoint"), "{err}");
}
