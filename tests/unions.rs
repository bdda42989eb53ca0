//! The unions that `nrfcloud-codegen`'s `unions` post-process gives a faster `Deserialize`
//! (`src/unions.rs`) decode exactly as serde's untagged derive would: the oracle here is a
//! mirror enum with the derive, over the same generated variant types. Inputs are valid
//! documents and thousands of seeded random mutations of them (keys reordered, removed,
//! retyped, tags changed), read four ways: `from_slice` (borrowed raw text), `from_reader`
//! (owned raw text), `from_value` (serde_json's value deserializer) and CBOR (a deserializer
//! that knows nothing of serde_json's raw values).

use nrfcloud_api::types;
use nrfcloud_api::types::{
    Device, FetchDeviceResponse, FirmwareTypes, GenericDeviceSubType, ListDevicesResponse,
    ListDevicesResponseItemsItem, NonGatewayIpDeviceSubType,
};
use nrfcloud_testkit::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

#[path = "support/oracles.rs"]
mod oracles;
use oracles::{OldDevice, OldFirmwareTypes, OldItem, OldSubType, fingerprint};

/// Decodes `text` as `New` and as `Old` through every reader; both must agree on success and
/// on the result.
fn agree<New, Old>(text: &str, what: &str)
where
    New: DeserializeOwned + Serialize + std::fmt::Debug,
    Old: DeserializeOwned + Serialize + std::fmt::Debug,
{
    let value: Option<Value> = serde_json::from_str(text).ok();
    let cbor = value.as_ref().map(|v| {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).expect("cbor encodes");
        out
    });
    type Reader = fn(&str, Option<&Value>, Option<&[u8]>) -> Option<String>;
    let readers: [(&str, Reader, Reader); 5] = [
        (
            "from_slice",
            |t, _, _| Some(show(serde_json::from_slice::<New>(t.as_bytes()))),
            |t, _, _| Some(show(serde_json::from_slice::<Old>(t.as_bytes()))),
        ),
        (
            // What the generated calls decode responses with (item unions read as items first).
            "decode_body",
            |t, _, _| Some(show(nrfcloud_api::hooks::decode_body::<New>(t.as_bytes()))),
            |t, _, _| Some(show(serde_json::from_slice::<Old>(t.as_bytes()))),
        ),
        (
            "from_reader",
            |t, _, _| Some(show(serde_json::from_reader::<_, New>(t.as_bytes()))),
            |t, _, _| Some(show(serde_json::from_reader::<_, Old>(t.as_bytes()))),
        ),
        (
            "from_value",
            |_, v, _| v.map(|v| show(serde_json::from_value::<New>(v.clone()))),
            |_, v, _| v.map(|v| show(serde_json::from_value::<Old>(v.clone()))),
        ),
        (
            "cbor",
            |_, _, c| c.map(|c| show(ciborium::from_reader::<New, _>(c))),
            |_, _, c| c.map(|c| show(ciborium::from_reader::<Old, _>(c))),
        ),
    ];
    fn show<T: Serialize + std::fmt::Debug, E>(r: Result<T, E>) -> String {
        match r {
            Ok(t) => format!("{:?}", fingerprint(&t)),
            Err(_) => "error".to_string(),
        }
    }
    for (name, new, old) in readers {
        let n = new(text, value.as_ref(), cbor.as_deref());
        let o = old(text, value.as_ref(), cbor.as_deref());
        assert_eq!(n, o, "{what} via {name} disagrees on {text}");
    }
}

fn meta() -> Value {
    json!({"createdAt": "2024-01-02T03:04:05Z", "updatedAt": "2024-05-06T07:08:09Z"})
}

/// Valid documents of the three device types, with the keys in the order the real API
/// sends them (`type` before the shadow).
fn devices() -> Vec<Value> {
    vec![
        json!({
            "id": "nrf-352656100000000", "tags": ["east", "floor-2"],
            "tenantId": "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", "$meta": meta(),
            "name": "tracker-1", "type": "Generic", "subType": "jitp-nordic-hardware",
            "firmware": {"app": {"name": "asset_tracker", "version": "1.2.3"}, "modem": "mfw_nrf9160_1.3.5", "supports": ["APP", "MODEM", "CUSTOM-X"]},
            "state": {"reported": {"temp": 21.5, "nested": {"a": [1, 2, {"b": null}]}}, "desired": {"led": true}, "delta": {}, "metadata": {"reported": {"temp": {"timestamp": 1700000000}}}, "version": 7.0}
        }),
        json!({
            "id": "ble-aa:bb:cc:dd:ee:ff", "tags": [], "gatewayId": "nrf-352656100000001",
            "tenantId": "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", "$meta": meta(),
            "name": "sensor", "type": "BLE", "subType": "beacon",
            "state": {"180F": {"uuid": "180F", "characteristics": {"2A19": {"value": [99]}}}}
        }),
        json!({
            "id": "gw-1", "tags": ["gateways"], "tenantId": "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
            "$meta": meta(), "name": "gateway-1", "type": "Gateway", "subType": "gateway",
            "state": {"reported": {"connections": 3}}
        }),
        // A generic device without the optional fields, unknown keys, an unknown sub-type.
        json!({
            "id": "bare", "tags": ["t"], "tenantId": "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
            "$meta": {}, "name": "n", "type": "Generic", "subType": "brand-new-kind",
            "futureField": {"x": 1}
        }),
    ]
}

/// The object's entries in a random order (serde_json keeps insertion order here).
fn shuffled(map: &Map<String, Value>, rng: &mut Rng) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> =
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for i in (1..entries.len()).rev() {
        entries.swap(i, rng.below(i + 1));
    }
    entries.into_iter().collect()
}

fn mutate(doc: &Value, rng: &mut Rng) -> Value {
    let Value::Object(map) = doc else {
        return doc.clone();
    };
    let mut map = shuffled(map, rng);
    for _ in 0..rng.below(3) {
        let keys: Vec<String> = map.keys().cloned().collect();
        let key = keys[rng.below(keys.len())].clone();
        match rng.below(6) {
            0 => {
                map.shift_remove(&key);
            }
            1 => {
                let tags = [
                    json!("Generic"),
                    json!("BLE"),
                    json!("Gateway"),
                    json!("Beacon"),
                    json!(5),
                    Value::Null,
                ];
                map.insert("type".into(), tags[rng.below(tags.len())].clone());
            }
            2 => {
                map.insert(key, json!(42));
            }
            3 => {
                map.insert(key, json!("text"));
            }
            4 => {
                map.insert("gatewayId".into(), json!("nrf-352656100000009"));
            }
            _ => {
                map.insert("extra".into(), json!([1, {"k": "v"}]));
            }
        }
    }
    Value::Object(map)
}

#[test]
fn valid_devices_decode_as_the_derive_does_in_any_key_order() {
    let mut rng = Rng::new(0x5eed_0001);
    for doc in devices() {
        let text = doc.to_string();
        agree::<Device, OldDevice>(&text, "Device");
        agree::<FetchDeviceResponse, OldDevice>(&text, "FetchDeviceResponse");
        agree::<ListDevicesResponseItemsItem, OldItem>(&text, "ListDevices item");
        for _ in 0..50 {
            let Value::Object(map) = &doc else { continue };
            let text = Value::Object(shuffled(map, &mut rng)).to_string();
            agree::<Device, OldDevice>(&text, "Device (reordered)");
            agree::<ListDevicesResponseItemsItem, OldItem>(&text, "item (reordered)");
        }
    }
    // The variants really are told apart (not all decoded as the first one).
    let kinds: Vec<String> = devices()
        .iter()
        .map(|d| fingerprint(&serde_json::from_value::<Device>(d.clone()).expect("valid")).0)
        .collect();
    assert_eq!(
        kinds,
        [
            "GenericDevice(GenericDevice",
            "BleDevice(BleDevice",
            "GatewayDevice(GatewayDevice",
            "GenericDevice(GenericDevice"
        ]
    );
}

#[test]
fn mutated_devices_decode_or_fail_as_the_derive_does() {
    let mut rng = Rng::new(0x5eed_0002);
    let docs = devices();
    let (mut ok, mut failed) = (0, 0);
    for i in 0..3000 {
        let doc = mutate(&docs[i % docs.len()], &mut rng);
        let text = doc.to_string();
        agree::<Device, OldDevice>(&text, "Device");
        agree::<ListDevicesResponseItemsItem, OldItem>(&text, "ListDevices item");
        if serde_json::from_str::<OldDevice>(&text).is_ok() {
            ok += 1;
        } else {
            failed += 1;
        }
    }
    // Both outcomes were exercised in numbers.
    assert!(ok > 300 && failed > 300, "ok {ok}, failed {failed}");
}

#[test]
fn transformed_items_fall_back_to_the_json_value() {
    for text in [
        r#"{"id":"nrf-1","type":"Generic"}"#,
        r#"{"type":"Generic","id":"nrf-1"}"#,
        r#"{"name":"x"}"#,
        r#"{}"#,
        r#""just a string""#,
        r#"12.5"#,
        r#"[1,{"type":"BLE"}]"#,
        r#"null"#,
        r#"true"#,
        r#"{"type":"Gateway","escaped":"a\"b\\c\u00e9","n":-0.0}"#,
        // Found by the union_decode fuzz target: numbers whose text is not the one serde
        // writes are kept as received, and equal as values.
        r#"2020e2"#,
        r#"1e66"#,
        r#"1E2"#,
        r#"0.10"#,
        r#"-0"#,
    ] {
        agree::<ListDevicesResponseItemsItem, OldItem>(text, "ListDevices item");
        let item: ListDevicesResponseItemsItem = serde_json::from_str(text).unwrap();
        let ListDevicesResponseItemsItem::JsoNataTransformedResponse(v) = item else {
            panic!("{text} decoded as a device");
        };
        assert_eq!(v.0.get(), text, "kept as received");
        assert_eq!(
            v.0.to_value().unwrap(),
            serde_json::from_str::<Value>(text).unwrap(),
            "{text}"
        );
    }
}

#[test]
fn a_page_mixing_devices_and_transformed_items() {
    let mut items: Vec<Value> = devices();
    items.push(json!({"id": "nrf-1", "type": "Generic"}));
    let page = json!({"items": items, "total": 5, "pageNextToken": "abc"});
    let decoded: ListDevicesResponse = serde_json::from_str(&page.to_string()).unwrap();
    let kinds: Vec<String> = decoded.items.iter().map(|i| fingerprint(i).0).collect();
    assert_eq!(
        kinds,
        [
            "Device(GenericDevice(GenericDevice",
            "Device(BleDevice(BleDevice",
            "Device(GatewayDevice(GatewayDevice",
            "Device(GenericDevice(GenericDevice",
            "JsoNataTransformedResponse(JsoNataTransformedResponse("
        ]
    );
    // And back: what it serialises to decodes to the same items.
    let again: ListDevicesResponse =
        serde_json::from_value(serde_json::to_value(&decoded).unwrap()).unwrap();
    let again: Vec<(String, Value)> = again.items.iter().map(fingerprint).collect();
    let first: Vec<(String, Value)> = decoded.items.iter().map(fingerprint).collect();
    assert_eq!(again, first);
}

#[test]
fn string_unions_keep_known_and_unknown_values() {
    for text in [
        r#""jitp-generic""#,
        r#""unknown""#,
        r#""brand-new""#,
        r#""jitp-\u0067eneric""#,
        r#""""#,
        r#"5"#,
        r#"null"#,
        r#"["jitp-generic"]"#,
    ] {
        agree::<GenericDeviceSubType, OldSubType>(text, "GenericDeviceSubType");
    }
    for text in [r#""APP""#, r#""MODEM""#, r#""CUSTOM""#, r#"true"#] {
        agree::<FirmwareTypes, OldFirmwareTypes>(text, "FirmwareTypes");
    }
    // The escaped spelling still matches the known value.
    let escaped: GenericDeviceSubType = serde_json::from_str(r#""jitp-\u0067eneric""#).unwrap();
    assert_eq!(fingerprint(&escaped).0, "JitpGeneric");
    assert!(matches!(
        escaped,
        GenericDeviceSubType::NonGatewayIpDeviceSubType(
            NonGatewayIpDeviceSubType::NonGatewayIpDeviceSubTypeKnown(_)
        )
    ));
    let unknown: GenericDeviceSubType = serde_json::from_str(r#""brand-new""#).unwrap();
    assert_eq!(format!("{unknown:?}"), r#""brand-new""#);
    assert!(matches!(
        unknown,
        GenericDeviceSubType::NonGatewayIpDeviceSubType(NonGatewayIpDeviceSubType::String(_))
    ));
}

#[test]
fn shadows_kept_as_text_refuse_what_a_value_refuses_when_converted() {
    // The open objects of a shadow are kept as raw text, checked for syntax only. What
    // serde_json's `Value` refuses beyond that (and so the derive, which buffers everything)
    // decodes, as text, and fails when converted; anything else agrees with the derive.
    let deep = format!("{}0{}", "[".repeat(200), "]".repeat(200));
    let refused = ["1e400", r#""\ud800""#, deep.as_str()];
    for inner in refused.into_iter().chain(["1e300", r#""\ud83d\ude00""#]) {
        let value_refuses = refused.contains(&inner);
        for (i, device) in devices().into_iter().enumerate().take(3) {
            let mut doc = device;
            let state = if i == 1 {
                format!(r#"{{"180F": {{"uuid": "180F", "characteristics": {{"x": {inner}}}}}}}"#)
            } else {
                format!(r#"{{"reported": {{"x": {inner}}}}}"#)
            };
            doc["state"] = json!("PLACEHOLDER");
            let text = doc.to_string().replace("\"PLACEHOLDER\"", &state);
            if !value_refuses {
                agree::<Device, OldDevice>(&text, "Device with a shadow value");
                agree::<ListDevicesResponseItemsItem, OldItem>(&text, "item with a shadow value");
                continue;
            }
            assert!(serde_json::from_str::<OldDevice>(&text).is_err(), "{text}");
            let device: Device = serde_json::from_str(&text).unwrap();
            let from_reader: Device = serde_json::from_reader(text.as_bytes()).unwrap();
            assert_eq!(format!("{device:?}"), format!("{from_reader:?}"));
            let item: ListDevicesResponseItemsItem = serde_json::from_str(&text).unwrap();
            let item_body: ListDevicesResponseItemsItem =
                nrfcloud_api::hooks::decode_body(text.as_bytes()).unwrap();
            for item in [&item, &item_body] {
                assert!(
                    matches!(item, ListDevicesResponseItemsItem::Device(_)),
                    "{text}"
                );
            }
            if i != 1 {
                // (BLE devices have no shadow to read.)
                assert!(
                    device.shadow().is_err(),
                    "converting the shadow fails: {text}"
                );
            }
            assert!(
                serde_json::to_value(&device).is_err(),
                "so does building a Value of it: {text}"
            );
        }
        if value_refuses {
            let item: ListDevicesResponseItemsItem = serde_json::from_str(inner).unwrap();
            let ListDevicesResponseItemsItem::JsoNataTransformedResponse(v) = item else {
                panic!("{inner} decoded as a device");
            };
            assert_eq!(v.0.get(), inner);
            assert!(v.0.to_value().is_err());
        } else {
            agree::<ListDevicesResponseItemsItem, OldItem>(inner, "transformed item");
        }
    }
}

#[test]
fn duplicate_keys_before_the_tag_fail_as_with_the_derive() {
    // Found by the union_decode fuzz target: read through a reader, the fields before the
    // tag were replayed through a `Value`, which keeps the last of duplicate keys.
    let text = r#"{"id":"ble-1","tags":[],"gatewayId":"nrf-1","tenantId":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","$meta":{"updatedAt":"2024-05-06T14:08:09Z","updatedAt":"2024-05-06T14:08:09Z"},"name":"s","type":"BLE","subType":"beacon","state":{}}"#;
    agree::<Device, OldDevice>(text, "Device");
    assert!(serde_json::from_reader::<_, Device>(text.as_bytes()).is_err());
    assert!(serde_json::from_slice::<Device>(text.as_bytes()).is_err());
}

#[test]
fn every_duplicated_key_in_every_place_fails_or_not_as_with_the_derive() {
    // Each key of each device (the tag, fields every variant has, a variant's own fields,
    // unknown ones) written a second time before, between and after the others: a known
    // field is a duplicate, an unknown key is skipped, as with the derive of the variant.
    let (mut ok, mut failed) = (0, 0);
    for doc in devices() {
        let Value::Object(map) = doc else { continue };
        let entries: Vec<String> = map
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
            .collect();
        for twice in &entries {
            for at in 0..=entries.len() {
                let mut parts = entries.clone();
                parts.insert(at, twice.clone());
                let text = format!("{{{}}}", parts.join(","));
                agree::<Device, OldDevice>(&text, "Device (a key twice)");
                agree::<ListDevicesResponseItemsItem, OldItem>(&text, "item (a key twice)");
                match serde_json::from_str::<OldDevice>(&text) {
                    Ok(_) => ok += 1,
                    Err(_) => failed += 1,
                }
            }
        }
    }
    // `futureField` twice is accepted; every known key twice is not.
    assert!(ok > 0 && failed > 300, "ok {ok}, failed {failed}");
}

#[test]
fn escaped_keys_and_tags_decode_as_with_the_derive() {
    // Keys and the tag are borrowed from the text when they have no escape, and copied when
    // they have one; both ways give the derive's result.
    let plain = r#"{"id":"gw-1","tags":[],"tenantId":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","$meta":{"createdAt":"2024-01-02T03:04:05Z"},"name":"g","type":"Gateway","subType":"gateway"}"#;
    let escaped = r#"{"i\u0064":"gw-1","t\u0061gs":[],"tenantId":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","\u0024meta":{"createdAt":"2024-01-02T03:04:05Z"},"name":"g","typ\u0065":"G\u0061teway","subType":"gateway"}"#;
    for text in [plain, escaped] {
        agree::<Device, OldDevice>(text, "Device");
    }
    let plain: Device = serde_json::from_str(plain).unwrap();
    let escaped: Device = serde_json::from_str(escaped).unwrap();
    assert_eq!(fingerprint(&plain), fingerprint(&escaped));
    assert!(matches!(escaped, Device::GatewayDevice(_)));
    // An unknown tag spelled with an escape is named unescaped.
    let err = serde_json::from_str::<Device>(r#"{"id":"x","type":"Be\u0061con"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `Beacon`"), "{err}");
}

#[test]
fn errors_name_what_was_wrong() {
    let err = serde_json::from_str::<Device>(r#"{"id":"x","type":"Beacon"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `Beacon`"), "{err}");
    assert!(
        err.contains("Generic") && err.contains("BLE") && err.contains("Gateway"),
        "{err}"
    );
    let err = serde_json::from_str::<Device>(r#"{"id":"x"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `type`"), "{err}");
    let err = serde_json::from_str::<Device>(r#"[1]"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Device"), "{err}");
}

#[test]
fn response_pages_decode_in_one_pass_as_in_two() {
    // `hooks::decode_body` (what the generated calls use) reads every ListDevices item as a
    // device first, in one pass, and decodes the body the usual way only when that fails:
    // pages of devices, of transformed items, of both, and of mutated items, some of which
    // fail, give the same items (or the same error) as `serde_json::from_slice`.
    let mut rng = Rng::new(0x5eed_0003);
    let docs = devices();
    let transformed = [
        json!({"id": "nrf-1", "type": "Generic"}),
        json!("nrf-1"),
        json!(null),
    ];
    let (mut first_pass, mut second_pass, mut failed) = (0, 0, 0);
    for round in 0..400 {
        let n = 1 + rng.below(6);
        let items: Vec<Value> = (0..n)
            .map(|_| match (round % 4, rng.below(4)) {
                (0, _) | (1, 0..=2) => docs[rng.below(docs.len())].clone(),
                (1, _) | (2, 0) => transformed[rng.below(transformed.len())].clone(),
                _ => mutate(&docs[rng.below(docs.len())], &mut rng),
            })
            .collect();
        let mut page = json!({"items": items, "total": n});
        if round % 3 == 0 {
            page["pageNextToken"] = json!("t");
        }
        if round % 50 == 49 {
            page["total"] = json!("many"); // fails in both passes
        }
        let body = page.to_string();
        let one: Result<ListDevicesResponse, _> = nrfcloud_api::hooks::decode_body(body.as_bytes());
        let two: Result<ListDevicesResponse, _> = serde_json::from_slice(body.as_bytes());
        match (&one, &two) {
            (Ok(a), Ok(b)) => {
                let a: Vec<_> = a.items.iter().map(fingerprint).collect();
                let b: Vec<_> = b.items.iter().map(fingerprint).collect();
                assert_eq!(a, b, "{body}");
                if a.iter().all(|(kind, _)| kind.starts_with("Device(")) {
                    first_pass += 1;
                } else {
                    second_pass += 1;
                }
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{body}");
                failed += 1;
            }
            _ => panic!("one pass {one:?}, two passes {two:?}: {body}"),
        }
    }
    // Every path was taken in numbers.
    assert!(
        first_pass > 50 && second_pass > 50 && failed > 5,
        "{first_pass} {second_pass} {failed}"
    );
}
