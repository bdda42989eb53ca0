//! Ground fix: the generated body on the wire (recorded), checks that stop a request before it
//! is sent (a single access point, bad MAC addresses, ranges), and calls against the local
//! mock that answer deterministic fixes.

use nrfcloud::ground_fix::{GroundFixOptions, access_point, lte_cell, neighbour_cell};
use nrfcloud::types::{self, GroundFixServiceType, GroundFixServiceTypeKnown};
use nrfcloud::{Client, Error};
use nrfcloud_mock::{MockConfig, MockServer};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::json;

const JWT: &str = "test.jwt.token";

type Body = types::GetLocationFromCellsOrWifiNetworksBody;

fn recorded_client(server: &Recorder) -> Client {
    Client::builder()
        .base_url(&server.base)
        .jwt(JWT)
        .user_agent("ground-fix-test/1")
        .build()
        .unwrap()
}

fn fix_reply() -> Reply {
    Reply::json(
        200,
        json!({"lat": 63.42, "lon": 10.41, "uncertainty": 440, "fulfilledWith": "MCELL"}),
    )
}

/// The current form with these cells and access points.
fn current(lte: Vec<types::LteCell>, wifi: Vec<types::AccessPoint>) -> Body {
    types::GroundFixCurrentForm {
        lte: (!lte.is_empty()).then_some(lte),
        wifi: (!wifi.is_empty()).then_some(wifi),
        ..Default::default()
    }
    .into()
}

/// A body from JSON text (as a device would send it).
fn body(text: &str) -> Body {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn cell() -> types::LteCell {
    lte_cell(242, 2, 2305, 33703712)
}

fn two_aps() -> Body {
    let mut first = access_point("40:01:7a:c9:10:22");
    first.signal_strength = Some((-42).into());
    let mut second = access_point("80-E0-1D-2A-92-F2");
    second.ssid = Some("office".into());
    second.frequency = Some(2412.into());
    current(vec![], vec![first, second])
}

fn invalid_field(e: &Error) -> &str {
    match e {
        Error::InvalidInput {
            operation: Some("GetLocationFromCellsOrWifiNetworks"),
            field,
            ..
        } => field,
        other => panic!("not an InvalidInput of the ground fix: {other:?}"),
    }
}

#[tokio::test]
async fn the_generated_body_goes_on_the_wire_as_built() {
    let server = Recorder::start().await;
    server.reply(fix_reply());
    let client = recorded_client(&server);
    let mut serving = lte_cell(242, types::Mnc::String("02".into()), 2305, 33703712);
    serving.earfcn = Some(6300);
    serving.adv = Some(65535.into());
    serving.rsrp = Some((-97).into());
    serving.rsrq = Some("-9.5".parse().unwrap());
    serving.pci = Some(426);
    let mut n1 = neighbour_cell(6300, 194);
    n1.rsrp = Some((-104).into());
    n1.rsrq = Some((-18).into());
    let mut n2 = neighbour_cell(100, 419);
    n2.time_diff = Some(300.into());
    serving.nmr = Some(vec![n1, n2]);
    let mut ap1 = access_point("40:01:7a:c9:10:22");
    ap1.signal_strength = Some((-42).into());
    ap1.age = Some(500.into());
    let mut ap2 = access_point("80-E0-1D-2A-92-F2");
    ap2.channel = Some(6.into());
    ap2.signal_to_noise_ratio = Some("0.1".parse().unwrap());
    let fix = current(vec![serving], vec![ap1, ap2]);
    let options = GroundFixOptions::new()
        .hi_conf(true)
        .alt(true)
        .dist(500.0)
        .custom_device_id(types::CustomDeviceId::try_from("my-device-1").unwrap());
    let location = client
        .location()
        .ground_fix(fix.clone(), &options)
        .await
        .unwrap();
    assert_eq!(
        (location.lat.0, location.lon.0, location.uncertainty.0),
        (63.42, 10.41, 440)
    );
    // `Debug` prints the service, not the wrappers around it (was `Mcell(Mcell)`).
    assert_eq!(format!("{:?}", location.fulfilled_with), "Mcell");
    assert!(matches!(
        location.fulfilled_with,
        GroundFixServiceType::GroundFixServiceTypeKnown(GroundFixServiceTypeKnown::Mcell)
    ));

    let r = server.last();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/location/ground-fix");
    assert_eq!(r.query.as_deref(), Some("alt=true&dist=500.0&hiConf=true"));
    assert_eq!(r.header("authorization"), format!("Bearer {JWT}"));
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("x-custom-device-id"), "my-device-1");
    assert_eq!(r.header("user-agent"), "ground-fix-test/1");
    // The generated type's field order; every number as given (`-97`, `-9.5`, `0.1`).
    assert_eq!(
        std::str::from_utf8(&r.body).unwrap(),
        concat!(
            r#"{"lte":[{"adv":65535,"earfcn":6300,"eci":33703712,"mcc":242,"mnc":"02","#,
            r#""nmr":[{"earfcn":6300,"pci":194,"rsrp":-104,"rsrq":-18},"#,
            r#"{"earfcn":100,"pci":419,"timeDiff":300}],"pci":426,"rsrp":-97,"rsrq":-9.5,"tac":2305}],"#,
            r#""wifi":[{"age":500,"macAddress":"40:01:7a:c9:10:22","signalStrength":-42},"#,
            r#"{"channel":6,"macAddress":"80-E0-1D-2A-92-F2","signalToNoiseRatio":0.1}]}"#
        )
    );
    assert_eq!(
        r.body.as_ref(),
        serde_json::to_vec(&fix).unwrap().as_slice()
    );
}

#[tokio::test]
async fn without_reply_sends_do_reply_false_and_takes_an_empty_answer() {
    let server = Recorder::start().await;
    server.reply(Reply::empty(200));
    let client = recorded_client(&server);
    client
        .location()
        .ground_fix_without_reply(two_aps(), &GroundFixOptions::new().fallback(false))
        .await
        .unwrap();
    assert_eq!(
        server.last().query.as_deref(),
        Some("doReply=false&fallback=false")
    );
}

#[tokio::test]
async fn a_single_access_point_is_refused_before_sending() {
    let server = Recorder::start().await;
    let client = recorded_client(&server);
    let one = current(vec![], vec![access_point("40:01:7a:c9:10:22")]);
    let e = client
        .location()
        .ground_fix(one, &GroundFixOptions::new())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&e), "wifi", "{e}");
    assert!(e.to_string().contains("at least two access points"), "{e}");
    // The older form, as a device would send it: refused too, naming its field.
    let one_wrapped = body(r#"{"wifi": {"accessPoints": [{"macAddress": "40:01:7a:c9:10:22"}]}}"#);
    let e = client
        .location()
        .ground_fix(one_wrapped, &GroundFixOptions::new())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&e), "wifi.accessPoints", "{e}");
    // Two access points of which one is locally administered: one usable, refused.
    let one_usable = current(
        vec![],
        vec![
            access_point("40:01:7a:c9:10:22"),
            access_point("aa:15:44:ac:6c:3a"),
        ],
    );
    let e = client
        .location()
        .ground_fix(one_usable, &GroundFixOptions::new())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("2 given, 1 usable"), "{e}");
    assert_eq!(server.count(), 0, "nothing was sent");

    // With a cell, one access point is fine (the service falls back to the cell).
    server.reply(fix_reply());
    let with_cell = current(vec![cell()], vec![access_point("40:01:7a:c9:10:22")]);
    client
        .location()
        .ground_fix(with_cell, &GroundFixOptions::new())
        .await
        .unwrap();
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn bad_input_names_the_field_and_sends_nothing() {
    let server = Recorder::start().await;
    let client = recorded_client(&server);
    let mut weak = access_point("40:01:7a:c9:10:23");
    weak.signal_strength = Some((-130).into());
    let mut far = cell();
    far.nmr = Some(vec![neighbour_cell(262_144, 1)]);
    let cases = [
        (
            current(
                vec![],
                vec![
                    access_point("40:01:7a:c9:10:22"),
                    access_point("80:e0:1d:2a:92"),
                ],
            ),
            "wifi[1].macAddress",
        ),
        (
            current(
                vec![],
                vec![
                    access_point("40:01:7a:c9:10:22"),
                    access_point("80:e0:1d:2a:92:f2"),
                    weak,
                ],
            ),
            "wifi[2].signalStrength",
        ),
        (current(vec![], vec![]), "body"),
        (
            current(vec![lte_cell(242, 2, 2305, 268_435_456)], vec![]),
            "lte[0].eci",
        ),
        (
            types::GroundFixCurrentForm {
                ltecatm: Some(vec![far.into()]),
                ..Default::default()
            }
            .into(),
            "ltecatm[0].nmr[0].earfcn",
        ),
    ];
    for (fix, field) in cases {
        let e = client
            .location()
            .ground_fix(fix, &GroundFixOptions::new())
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), field, "{e}");
    }
    let e = client
        .location()
        .ground_fix(two_aps(), &GroundFixOptions::new().dist(100.0))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&e), "dist", "{e}");
    assert_eq!(server.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn the_api_key_alone_is_not_enough() {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key("an-api-key")
        .build()
        .unwrap();
    let e = client
        .location()
        .ground_fix(two_aps(), &GroundFixOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Credentials(_)), "{e:?}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn error_answers_become_errors() {
    let server = Recorder::start().await;
    let client = recorded_client(&server);
    server.then([
        Reply::json(
            422,
            json!({"code": 42200, "message": "Validation failed: wifi"}),
        ),
        Reply::bytes(200, "application/json", "not json"),
        Reply::json(404, json!({"code": 40410, "message": "no fix"})),
    ]);
    let e = client
        .location()
        .ground_fix(two_aps(), &GroundFixOptions::new())
        .await
        .unwrap_err();
    let api = e.api().expect("an API error");
    assert_eq!(
        (api.status, api.operation, api.code.map(|c| c.as_u32())),
        (422, "GetLocationFromCellsOrWifiNetworks", Some(42200))
    );
    let e = client
        .location()
        .ground_fix(two_aps(), &GroundFixOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Decode {
                status: Some(200),
                ..
            }
        ),
        "{e:?}"
    );
    let e = client
        .location()
        .ground_fix(two_aps(), &GroundFixOptions::new().fallback(false))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

async fn mock_device() -> (MockServer, Client) {
    let server = MockServer::start_with(MockConfig {
        devices: 1,
        ..Default::default()
    })
    .await
    .expect("mock starts");
    let id = "nrf-352656100000000";
    let pem = server
        .state()
        .device_key(id)
        .expect("seeded device")
        .private_key_pem();
    let client = Client::builder()
        .base_url(server.base_url())
        .device_key(nrfcloud::DeviceKey::from_pem(id, &pem).unwrap())
        .build()
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn the_mock_answers_deterministic_fixes() {
    let (server, client) = mock_device().await;
    let mut serving = cell();
    serving.earfcn = Some(6300);
    serving.rsrp = Some((-97).into());
    serving.rsrq = Some((-9).into());
    let single = current(vec![serving.clone()], vec![]);
    let a = client
        .location()
        .ground_fix(single.clone(), &GroundFixOptions::new())
        .await
        .unwrap();
    let b = client
        .location()
        .ground_fix(single.clone(), &GroundFixOptions::new())
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
    assert!(
        matches!(
            a.fulfilled_with,
            GroundFixServiceType::GroundFixServiceTypeKnown(GroundFixServiceTypeKnown::Scell)
        ),
        "{a:?}"
    );
    assert!(
        (a.lat.0 - 63.42).abs() < 0.5 && (a.lon.0 - 10.41).abs() < 0.5,
        "Trondheim for mcc 242: {a:?}"
    );

    let mut neighbour = neighbour_cell(6300, 426);
    neighbour.rsrp = Some((-104).into());
    serving.nmr = Some(vec![neighbour]);
    let multi = current(vec![serving.clone()], vec![]);
    let m = client
        .location()
        .ground_fix(multi.clone(), &GroundFixOptions::new())
        .await
        .unwrap();
    assert!(
        matches!(
            m.fulfilled_with,
            GroundFixServiceType::GroundFixServiceTypeKnown(GroundFixServiceTypeKnown::Mcell)
        ),
        "{m:?}"
    );
    let wide = client
        .location()
        .ground_fix(multi.clone(), &GroundFixOptions::new().hi_conf(true))
        .await
        .unwrap();
    assert_eq!(wide.uncertainty.0, m.uncertainty.0 * 2, "95 % is wider");

    // Wi-Fi wins over the cell when two access points are usable; alt gives the cell fix.
    let mut second = access_point("80:e0:1d:2a:92:f2");
    second.signal_strength = Some((-60).into());
    let both = current(
        vec![serving],
        vec![access_point("40:01:7a:c9:10:22"), second],
    );
    let w = client
        .location()
        .ground_fix(both, &GroundFixOptions::new().alt(true))
        .await
        .unwrap();
    assert!(
        matches!(
            w.fulfilled_with,
            GroundFixServiceType::GroundFixServiceTypeKnown(GroundFixServiceTypeKnown::Wifi)
        ),
        "{w:?}"
    );
    let alt = w.alt.expect("alt=true gives the other fix");
    assert!(matches!(
        alt.loc.fulfilled_with,
        GroundFixServiceType::GroundFixServiceTypeKnown(GroundFixServiceTypeKnown::Mcell)
    ));

    // doReply=false: stored in the location history, no body.
    let before = server.state().location_count();
    client
        .location()
        .ground_fix_without_reply(two_aps(), &GroundFixOptions::new())
        .await
        .unwrap();
    assert_eq!(server.state().location_count(), before + 1);
}

#[tokio::test]
async fn what_the_local_check_prevents_is_a_422_from_the_mock() {
    let (server, client) = mock_device().await;
    let one = r#"{"wifi": {"accessPoints": [{"macAddress": "40:01:7a:c9:10:22"}]}}"#;
    // Sent around the check, the mock (like the service) answers 422.
    let e = client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(body(one))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.api().map(|a| a.status), Some(422), "{e}");
    let before = server.state().location_count();
    // Through the check it never leaves the client.
    let e = client
        .location()
        .ground_fix(body(one), &GroundFixOptions::new())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&e), "wifi.accessPoints");
    assert_eq!(server.state().location_count(), before);
    // And with a second access point the same form is located.
    let two = body(
        r#"{"wifi": {"accessPoints": [
            {"macAddress": "40:01:7a:c9:10:22"}, {"macAddress": "80:e0:1d:2a:92:f2"}
        ]}}"#,
    );
    let w = client
        .location()
        .ground_fix(two, &GroundFixOptions::new())
        .await
        .unwrap();
    assert!(
        matches!(
            w.fulfilled_with,
            GroundFixServiceType::GroundFixServiceTypeKnown(GroundFixServiceTypeKnown::Wifi)
        ),
        "{w:?}"
    );
}
