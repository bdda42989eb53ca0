//! Timestamps decoded by the raw crate's RFC 3339 reader instead of chrono's general parser.
//!
//! typify types `format: date-time` as `chrono::DateTime<chrono::offset::Utc>`, whose
//! `Deserialize` runs chrono's item-driven parser: about 1,700 instructions per timestamp, a
//! third of what decoding a whole device document costs beyond the hand-written struct. Every
//! such field of `mod types` (plain, or in an `Option`) gets
//! `#[serde(deserialize_with = "crate::timestamp::utc")]` (`utc_opt` and `default` for an
//! `Option`, which keeps a missing field `None` as the derive does). The reader takes the
//! shape the service writes (`2019-08-24T14:15:22Z`, with or without a fraction or a numeric
//! offset) in one pass and hands anything else to chrono, so results and errors stay chrono's
//! (the raw crate's `timestamp` module). Serialising is untouched.

use quote::ToTokens;

/// The type typify writes for `format: date-time`.
const UTC: &str = ":: chrono :: DateTime < :: chrono :: offset :: Utc >";

/// `(type, field)` of every field now read by `crate::timestamp` (`Type.0` for a newtype).
pub fn read_timestamps_directly(file: &mut syn::File) -> Vec<(String, String)> {
    let mut done = Vec::new();
    let Some(items) = crate::union_decoders::types_module(file) else {
        return done;
    };
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        if !crate::union_decoders::derives_deserialize(&s.attrs) {
            continue;
        }
        let name = s.ident.to_string();
        for (i, field) in s.fields.iter_mut().enumerate() {
            let Some(kind) = timestamp_kind(&field.ty) else {
                continue;
            };
            let reader = match kind {
                Kind::Plain => "crate::timestamp::utc",
                Kind::Optional => "crate::timestamp::utc_opt",
            };
            if crate::union_decoders::has_serde_key(&field.attrs, "deserialize_with")
                || crate::union_decoders::has_serde_key(&field.attrs, "with")
            {
                continue;
            }
            field
                .attrs
                .push(syn::parse_quote!(#[serde(deserialize_with = #reader)]));
            if matches!(kind, Kind::Optional)
                && !crate::union_decoders::has_serde_word(&field.attrs, "default")
            {
                field.attrs.push(syn::parse_quote!(#[serde(default)]));
            }
            let label = field
                .ident
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_else(|| i.to_string());
            done.push((name.clone(), label));
        }
    }
    done
}

enum Kind {
    Plain,
    Optional,
}

fn timestamp_kind(ty: &syn::Type) -> Option<Kind> {
    if ty.to_token_stream().to_string() == UTC {
        return Some(Kind::Plain);
    }
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if inner.to_token_stream().to_string() == UTC => {
            Some(Kind::Optional)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
        pub mod types {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            pub struct Meta {
                #[serde(rename = "createdAt", skip_serializing_if = "::std::option::Option::is_none")]
                pub created_at: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                #[serde(default, rename = "seenAt")]
                pub seen_at: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                #[serde(rename = "receivedAt")]
                pub received_at: ::chrono::DateTime<::chrono::offset::Utc>,
                pub at_times: ::std::vec::Vec<::chrono::DateTime<::chrono::offset::Utc>>,
                pub name: ::std::string::String,
            }
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(transparent)]
            pub struct Expiry(pub ::chrono::DateTime<::chrono::offset::Utc>);
            #[derive(::serde::Serialize, Clone, Debug)]
            pub struct SentOnly {
                pub at: ::chrono::DateTime<::chrono::offset::Utc>,
            }
        }
    "#;

    #[test]
    fn timestamp_fields_are_read_by_the_raw_crate() {
        let mut file: syn::File = syn::parse_str(SRC).unwrap();
        let done = read_timestamps_directly(&mut file);
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            done,
            pairs(&[
                ("Meta", "created_at"),
                ("Meta", "seen_at"),
                ("Meta", "received_at"),
                ("Expiry", "0"),
            ])
        );
        let text: String = prettyplease::unparse(&file).split_whitespace().collect();
        for want in [
            "#[serde(deserialize_with=\"crate::timestamp::utc_opt\")]#[serde(default)]pubcreated_at",
            // An existing `default` is not repeated (serde refuses a duplicate).
            "#[serde(default,rename=\"seenAt\")]#[serde(deserialize_with=\"crate::timestamp::utc_opt\")]pubseen_at",
            "#[serde(deserialize_with=\"crate::timestamp::utc\")]pubreceived_at",
            "pubstructExpiry(#[serde(deserialize_with=\"crate::timestamp::utc\")]pub::chrono::DateTime",
            // Others keep chrono's own `Deserialize`.
            "pubat_times:::std::vec::Vec<::chrono::DateTime<::chrono::offset::Utc>>",
            "pubstructSentOnly{pubat:::chrono",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
    }
}
