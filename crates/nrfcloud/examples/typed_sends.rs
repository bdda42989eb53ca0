//! Typed sends against the embedded mock: every call is `client.api().<operation>()`, its
//! parameters set with the request's setters, then `.send()` or a page stream. Request bodies
//! are built with the generated types and builders.
//!
//! `cargo run -p nrfcloud --example typed_sends`

use std::time::Duration;

use futures::TryStreamExt;
use nrfcloud::{CallOptions, Client, Error, RetryPolicy, Transform, types};
use serde_json::{Map, Value};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = nrfcloud_mock::MockServer::start_with(nrfcloud_mock::MockConfig {
        devices: 25,
        ..Default::default()
    })
    .await?;
    let client = Client::builder()
        .base_url(mock.base_url())
        .api_key(mock.api_key())
        .build()?;

    // A plain call: no parameters.
    let account = client.api().fetch_account_info().send().await?;
    println!("team {}", account.team.tenant_id.as_str());

    // A paginated listing with a JSONata transform, read as the transform's output type.
    let ids: Vec<String> = client
        .api()
        .list_devices()
        .page_limit(10)
        .transform(&Transform::new("id")?)
        .items_as()
        .try_collect()
        .await?;
    println!("{} devices, listed 10 a page", ids.len());
    let device_id = ids.first().ok_or("the mock has devices")?.clone();

    // Path parameters are setters too.
    let device = client
        .api()
        .fetch_device()
        .device_id(device_id.as_str())
        .send()
        .await?;
    println!(
        "fetched {device_id}: {}",
        serde_json::to_value(&device)?["type"]
    );

    // A body built with the generated body builder.
    let mut reading = Map::new();
    reading.insert("temp".into(), Value::from(21.5));
    let topic: types::MqttTopic = format!("m/d/{device_id}/d2c").parse()?;
    client
        .api()
        .send_device_message()
        .device_id(device_id.as_str())
        .body_map(|b| b.topic(Some(topic)).message(types::Message(reading)))
        .send()
        .await?;
    let messages: Vec<_> = client
        .api()
        .list_messages()
        .device_id(device_id.as_str())
        .items()
        .try_collect()
        .await?;
    println!("{} message(s) stored for {device_id}", messages.len());

    // Options for one call: retry this one even though the client does not retry.
    let options = CallOptions {
        retry: Some(
            RetryPolicy::standard().with_backoff(Duration::from_millis(50), Duration::from_secs(1)),
        ),
        ..CallOptions::default()
    };
    let status = client
        .api()
        .get_system_status()
        .with_options(options)
        .send()
        .await?;
    println!("system status: {}", serde_json::to_value(&status)?);

    // Credentials are checked where the request is prepared: this client holds no JWT.
    let refused = client.api().get_contributions().send().await;
    match refused {
        Err(e @ Error::Credentials(_)) => println!("refused before sending: {e}"),
        other => return Err(format!("expected a credential error, got {other:?}").into()),
    }
    mock.shutdown().await;
    Ok(())
}
