//! Errors that say why (issue #19): a bad parameter names the parameter, the rule it broke and
//! the offending value, before anything is sent; the raw builders take plain integers for
//! integer parameters and check the document's whole range; a transform's error converts
//! into `nrfcloud::Error` with `?`.

use nrfcloud::{Client, Error, Transform};
use nrfcloud_testkit::{Recorder, Reply};

fn client(server: &Recorder) -> Client {
    Client::builder()
        .base_url(&server.base)
        .api_key("test-api-key-1234")
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_device_id_that_breaks_its_pattern_names_the_parameter_the_pattern_and_the_value() {
    let server = Recorder::start().await;
    let err = client(&server)
        .api()
        .fetch_device()
        .device_id("NRF 1")
        .send()
        .await
        .unwrap_err();
    let Error::InvalidInput {
        operation,
        field,
        reason,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*operation, Some("FetchDevice"));
    assert_eq!(field, "device_id");
    assert!(reason.contains(r#""NRF 1""#), "{reason}");
    assert!(reason.contains("pattern"), "{reason}");
    assert!(reason.contains("^[a-z0-9:_-]{1,128}$"), "{reason}");
    assert_eq!(
        err.to_string(),
        format!("invalid device_id for FetchDevice: {reason}")
    );
    assert_eq!(server.count(), 0, "nothing is sent");
}

#[tokio::test]
async fn a_very_long_value_is_shown_cut() {
    let server = Recorder::start().await;
    let long = "A".repeat(5_000);
    let err = client(&server)
        .api()
        .fetch_device()
        .device_id(long.as_str())
        .send()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 400, "{} characters: {text}", text.len());
    assert!(text.contains('…'), "{text}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn raw_integer_parameters_take_plain_integers_and_check_the_whole_range() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        serde_json::json!({"items": [], "total": 0}),
    ));
    let client = client(&server);
    // `PageLimit` is 1..=100 in the document; typify kept only the lower bound.
    let err = client
        .raw()
        .list_devices()
        .page_limit(1000)
        .send()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("page_limit"), "{text}");
    assert!(text.contains("1000 is outside 1..=100"), "{text}");
    for zero in [0u32, 101] {
        let err = nrfcloud::types::PageLimit::try_from(zero).unwrap_err();
        assert!(err.to_string().contains("outside 1..=100"), "{err}");
    }
    assert_eq!(server.count(), 0);
    let limit = nrfcloud::types::PageLimit::try_from(100u32).unwrap();
    assert_eq!(limit.get(), 100);
    for ok in [1i64, 42, 100] {
        assert_eq!(
            nrfcloud::types::PageLimit::try_from(ok).unwrap().get() as i64,
            ok
        );
    }
    client
        .raw()
        .list_devices()
        .page_limit(100u32)
        .send()
        .await
        .unwrap();
    let sent = server.last();
    assert!(
        sent.query
            .as_deref()
            .unwrap_or("")
            .contains("pageLimit=100"),
        "{:?}",
        sent.query
    );
}

#[test]
fn a_transform_error_converts_with_the_question_mark() {
    fn compile(expr: &str) -> Result<Transform, Error> {
        Ok(Transform::new(expr)?)
    }
    let err = compile("items[").unwrap_err();
    assert!(matches!(err, Error::Transform(_)), "{err:?}");
    assert!(compile("id").is_ok());
}
