//! The `calls` group: per-call overhead (FetchDevice, one ListDevices page, decoding).

use super::*;
use nrfcloud::api::hooks::decode_body;

/// `serde_json::from_slice`, for the hand-written structs (a `fn` pointer for any input).
fn from_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(bytes)
}

pub(super) async fn calls(rows: &mut Vec<Row>, rounds: Rounds) {
    const FETCH: &str = "FetchDevice (5.5 kB device with shadow), per call";
    const PAGE: &str = "ListDevices, one page of 100, per call";
    let target = Target::AtMost(1.05);
    let setup = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let base = server.base_url(100);
        let ours = common::ours(&base, common::API_KEY).map_err(err)?;
        let hand = common::Hand::new(&base, common::API_KEY)?;
        Ok::<_, String>((server, ours, hand))
    };
    let (_server, ours, hand) = match setup.await {
        Ok(s) => s,
        Err(e) => {
            rows.push(Row::failed(FETCH, target, &e));
            rows.push(Row::failed(PAGE, target, e));
            return;
        }
    };
    let (ours, hand) = (&ours, &hand);
    let id = common::device_id(0);
    let id = id.as_str();

    // Both decode the same document, and warm their connections.
    let check = async {
        for _ in 0..200 {
            common::ours_fetch_device(ours, id).await.map_err(err)?;
            hand.fetch_device(id).await.map_err(err)?;
        }
        let o = common::ours_list_page(ours).await.map_err(err)?;
        let h = hand.list_page(None).await.map_err(err)?;
        if o.items.len() != 100 || h.items.len() != 100 {
            return Err(format!(
                "pages of {} and {} items",
                o.items.len(),
                h.items.len()
            ));
        }
        Ok::<_, String>(())
    };
    if let Err(e) = check.await {
        rows.push(Row::failed(FETCH, target, &e));
        rows.push(Row::failed(PAGE, target, e));
        return;
    }

    let fetch = interleaved(
        rounds.calls,
        || async move {
            let t = Instant::now();
            for _ in 0..FETCH_CALLS {
                std::hint::black_box(common::ours_fetch_device(ours, id).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / FETCH_CALLS as f64)
        },
        || async move {
            let t = Instant::now();
            for _ in 0..FETCH_CALLS {
                std::hint::black_box(hand.fetch_device(id).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / FETCH_CALLS as f64)
        },
    )
    .await;
    rows.push(pair_row(FETCH, target, fetch));

    let page = interleaved(
        rounds.calls,
        || async move {
            let t = Instant::now();
            for _ in 0..PAGE_CALLS {
                std::hint::black_box(common::ours_list_page(ours).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / PAGE_CALLS as f64)
        },
        || async move {
            let t = Instant::now();
            for _ in 0..PAGE_CALLS {
                std::hint::black_box(hand.list_page(None).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / PAGE_CALLS as f64)
        },
    )
    .await;
    rows.push(pair_row(PAGE, target, page));

    // Where the difference comes from: decoding the same bytes into the generated types
    // (unions decoded by `nrfcloud_api::unions`, pattern-checked strings) and into the
    // hand-written structs.
    const DECODE_DEVICE: &str =
        "↳ decode only: the device document, generated type vs hand-written struct";
    const DECODE_PAGE: &str =
        "↳ decode only: the page of 100, generated type vs hand-written struct";
    let device = common::device_json(id);
    let page = common::page_json(100, 0, 100);
    let (device, page) = (device.as_bytes(), page.as_bytes());
    let device_decode = interleaved(
        rounds.calls,
        || async move {
            decode_time(
                decode_body::<nrfcloud::types::FetchDeviceResponse>,
                device,
                FETCH_CALLS,
            )
        },
        || async move { decode_time(from_slice::<common::HandDevice>, device, FETCH_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_DEVICE, Target::Info, device_decode));
    const DECODE_VARIANT: &str =
        "↳ decode only: the device document as `GenericDevice` (no union) vs hand-written";
    let variant_decode = interleaved(
        rounds.calls,
        || async move {
            decode_time(
                decode_body::<nrfcloud::types::GenericDevice>,
                device,
                FETCH_CALLS,
            )
        },
        || async move { decode_time(from_slice::<common::HandDevice>, device, FETCH_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_VARIANT, Target::Info, variant_decode));
    const DECODE_SORTED: &str = "↳ decode only: the device document with its keys sorted (`type` after the shadow), generated type vs hand-written";
    let sorted = common::device_json_sorted(id);
    let sorted = sorted.as_bytes();
    let sorted_decode = interleaved(
        rounds.calls,
        || async move {
            decode_time(
                decode_body::<nrfcloud::types::FetchDeviceResponse>,
                sorted,
                FETCH_CALLS,
            )
        },
        || async move { decode_time(from_slice::<common::HandDevice>, sorted, FETCH_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_SORTED, Target::Info, sorted_decode));
    let page_decode = interleaved(
        rounds.calls,
        || async move {
            decode_time(
                decode_body::<nrfcloud::types::ListDevicesResponse>,
                page,
                PAGE_CALLS,
            )
        },
        || async move { decode_time(from_slice::<common::HandPage>, page, PAGE_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_PAGE, Target::Info, page_decode));
}

/// Seconds per `decode(bytes)`, over `n` decodes: the generated calls' response decoder
/// (`hooks::decode_body`) for ours, `serde_json::from_slice` for the hand-written structs.
fn decode_time<T>(
    decode: fn(&[u8]) -> serde_json::Result<T>,
    bytes: &[u8],
    n: usize,
) -> Result<f64, String> {
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(decode(bytes).map_err(err)?);
    }
    Ok(t.elapsed().as_secs_f64() / n as f64)
}
