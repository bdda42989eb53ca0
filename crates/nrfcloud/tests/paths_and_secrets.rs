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
            .execute(|api| api.delete_anchor().mac_address(value.to_string()))
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
