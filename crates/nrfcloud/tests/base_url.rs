//! The base URL a user pastes: the mock prints `http://127.0.0.1:PORT/v1`, the documentation
//! writes `https://api.nrfcloud.com/v1`; both forms reach the API, and a URL without a scheme
//! says how to fix it.

use nrfcloud::{Client, Error};
use nrfcloud_mock::MockServer;

#[tokio::test]
async fn the_url_the_mock_prints_works_pasted_into_the_client() {
    let mock = MockServer::start().await.unwrap();
    for url in [
        mock.api_url(),
        format!("{}/", mock.api_url()),
        mock.base_url().to_string(),
    ] {
        let client = Client::builder()
            .base_url(&url)
            .api_key(mock.api_key())
            .build()
            .unwrap();
        let account = client
            .api()
            .fetch_account_info()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(!account.team.tenant_id.as_str().is_empty());
        assert_eq!(client.base_url(), mock.base_url(), "{url}");
    }
}

#[test]
fn a_base_url_without_a_scheme_says_to_add_one() {
    let err = Client::builder()
        .base_url("api.nrfcloud.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "base_url"),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("add https://"), "{text}");
}
