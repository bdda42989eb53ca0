//! Open JSON kept as text until asked for: device shadows (`state.reported`, `desired`,
//! `delta`, `metadata`), message payloads, alert messages, JSONata results and the other
//! objects of a response whose content the server chooses.
//!
//! Decoded into `serde_json::Value`, such JSON costs up to 35 bytes of memory per byte
//! received (`[0,0,…]`: a 32-byte `Value` per two bytes of text, plus the growth of the
//! vectors), so a response under the size limit could still take gigabytes. The generated
//! response types hold these properties as [`RawObject`] (a JSON object) or [`RawJson`] (any
//! JSON value) instead: the text is copied once, checked to be of the right kind, and
//! parsed only when the caller asks ([`RawObject::parse`], [`RawObject::to_map`],
//! [`RawJson::to_value`]). `nrfcloud-codegen`'s `raw_json` rewrite decides where: open
//! objects of the types that only responses use (request types keep
//! `serde_json::Map`/`Value`, which callers build).
//!
//! Both serialise back to the same JSON text (through `serde_json`'s raw-value protocol, as
//! `Box<RawValue>` does), have the JSON schema of the type they stand for, and compare by
//! value.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Any JSON value, kept as its text.
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

/// A JSON object, kept as its text.
#[derive(Clone)]
pub struct RawObject(Box<RawValue>);

impl RawJson {
    /// The JSON text, as received.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The value as `serde_json::Value` (builds the whole tree: mind the size).
    ///
    /// # Errors
    ///
    /// Never for text this type was decoded from; serde_json's error otherwise (e.g. past its
    /// recursion limit).
    pub fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::from_str(self.get())
    }

    /// The value decoded as `T`.
    ///
    /// # Errors
    ///
    /// serde_json's error when the value is not a `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.get())
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        self.get().trim() == "null"
    }

    /// The raw value, for code that works with `serde_json`'s own type.
    pub fn as_raw_value(&self) -> &RawValue {
        &self.0
    }
}

impl RawObject {
    /// The JSON text of the object, as received.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The object as a `serde_json` map (builds the whole tree: mind the size).
    ///
    /// # Errors
    ///
    /// Never for text this type was decoded from; serde_json's error otherwise (e.g. past its
    /// recursion limit).
    pub fn to_map(&self) -> serde_json::Result<Map<String, Value>> {
        serde_json::from_str(self.get())
    }

    /// The object decoded as `T` (your own struct for a shadow's `reported` state, say).
    ///
    /// # Errors
    ///
    /// serde_json's error when the value is not a `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.get())
    }

    /// Whether the object has no properties (`{}`).
    pub fn is_empty(&self) -> bool {
        let inner = self.get().trim();
        inner
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .is_some_and(|s| s.trim().is_empty())
    }

    /// The raw value, for code that works with `serde_json`'s own type.
    pub fn as_raw_value(&self) -> &RawValue {
        &self.0
    }
}

impl Default for RawJson {
    /// `null`.
    fn default() -> Self {
        RawJson(raw("null"))
    }
}

impl Default for RawObject {
    /// `{}`.
    fn default() -> Self {
        RawObject(raw("{}"))
    }
}

/// A raw value of text known to be valid JSON.
fn raw(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_owned()).expect("valid JSON")
}

impl From<Value> for RawJson {
    fn from(value: Value) -> Self {
        RawJson(raw(&value.to_string()))
    }
}

impl From<Map<String, Value>> for RawObject {
    fn from(map: Map<String, Value>) -> Self {
        RawObject(raw(&Value::Object(map).to_string()))
    }
}

impl From<RawObject> for RawJson {
    fn from(object: RawObject) -> Self {
        RawJson(object.0)
    }
}

impl TryFrom<Value> for RawObject {
    type Error = &'static str;

    /// Fails for anything but an object.
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        match value {
            Value::Object(map) => Ok(map.into()),
            _ => Err("not a JSON object"),
        }
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawJson")
            .field(&format_args!("{}", self.get()))
            .finish()
    }
}

impl fmt::Debug for RawObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawObject")
            .field(&format_args!("{}", self.get()))
            .finish()
    }
}

impl fmt::Display for RawJson {
    /// The JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl fmt::Display for RawObject {
    /// The JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

/// Equal texts, or else equal values.
fn same_json(a: &str, b: &str) -> bool {
    a == b
        || matches!(
            (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        same_json(self.get(), other.get())
    }
}

impl PartialEq for RawObject {
    fn eq(&self, other: &Self) -> bool {
        same_json(self.get(), other.get())
    }
}

impl serde::Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl serde::Serialize for RawObject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        capture(d).map(RawJson)
    }
}

impl<'de> serde::Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = capture(d)?;
        if raw.get().trim_start().starts_with('{') {
            Ok(RawObject(raw))
        } else {
            Err(de::Error::invalid_type(
                de::Unexpected::Other(kind(raw.get())),
                &"a JSON object",
            ))
        }
    }
}

/// What a JSON text holds, for error messages.
fn kind(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'[') => "sequence",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for RawJson {
    fn is_referenceable() -> bool {
        <Value as schemars::JsonSchema>::is_referenceable()
    }

    fn schema_name() -> String {
        <Value as schemars::JsonSchema>::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        <Value as schemars::JsonSchema>::schema_id()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <Value as schemars::JsonSchema>::json_schema(generator)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for RawObject {
    fn is_referenceable() -> bool {
        <Map<String, Value> as schemars::JsonSchema>::is_referenceable()
    }

    fn schema_name() -> String {
        <Map<String, Value> as schemars::JsonSchema>::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        <Map<String, Value> as schemars::JsonSchema>::schema_id()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <Map<String, Value> as schemars::JsonSchema>::json_schema(generator)
    }
}

/// Reads one value as its raw text. serde_json hands it over through its raw-value
/// protocol (a one-entry map: the token, then the text), which is replayed to
/// `Box<RawValue>`'s own visitor so the text is copied once. Other deserializers answer
/// with a plain value, which is built as a `serde_json::Value` and written out as text:
/// slower, same result.
///
/// serde_json's raw capture checks the syntax only. What a `serde_json::Value` refuses
/// beyond the syntax (numbers out of range such as `1e400`, lone surrogates such as
/// `"\ud800"`, nesting deeper than serde_json's limit of 128) is refused when the text is
/// converted ([`RawJson::to_value`], [`RawObject::to_map`], `parse`), not here: the service
/// is JavaScript, whose `JSON.stringify` writes none of them, and checking every shadow
/// while decoding cost a third of a device document's decode (see `docs/benchmarks.md`).
fn capture<'de, D: Deserializer<'de>>(d: D) -> Result<Box<RawValue>, D::Error> {
    d.deserialize_newtype_struct(crate::unions::RAW_TOKEN, CaptureVisitor)
}

struct CaptureVisitor;

fn from_value<E: de::Error>(value: Value) -> Result<Box<RawValue>, E> {
    serde_json::value::to_raw_value(&value).map_err(E::custom)
}

impl<'de> Visitor<'de> for CaptureVisitor {
    type Value = Box<RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        match map.next_key::<crate::unions::Key>()? {
            Some(crate::unions::Key::RawToken) => {
                <Box<RawValue> as serde::Deserialize>::deserialize(
                    de::value::MapAccessDeserializer::new(TokenThen(Some(()), map)),
                )
            }
            Some(crate::unions::Key::Other(first)) => {
                crate::unions::collect_map(first, map).and_then(from_value)
            }
            None => from_value(Value::Object(Map::new())),
        }
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        <Value as serde::Deserialize>::deserialize(d).and_then(from_value)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        from_value(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        from_value(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        from_value(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        from_value(Value::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        from_value(Value::String(v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        from_value(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        from_value(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        <Value as serde::Deserialize>::deserialize(d).and_then(from_value)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        from_value(Value::Array(items))
    }
}

/// serde_json's raw-value map again, its token already read: hands the token back to
/// `Box<RawValue>`'s visitor, then the text from the original map.
struct TokenThen<A>(Option<()>, A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TokenThen<A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.0.take() {
            Some(()) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(
                    crate::unions::RAW_TOKEN,
                ))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.1.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Shadow {
        #[serde(default, skip_serializing_if = "RawObject::is_empty")]
        reported: RawObject,
        any: Option<RawJson>,
    }

    #[test]
    fn text_is_kept_and_parsed_on_demand() {
        let text = r#"{"reported": {"temp": 21.5, "a": [1, 2]}, "any": [0, 0, 0]}"#;
        for shadow in [
            serde_json::from_str::<Shadow>(text).unwrap(),
            serde_json::from_reader::<_, Shadow>(text.as_bytes()).unwrap(),
            serde_json::from_value::<Shadow>(serde_json::from_str(text).unwrap()).unwrap(),
        ] {
            assert_eq!(shadow.reported.to_map().unwrap()["temp"], json!(21.5));
            assert_eq!(
                shadow.any.as_ref().unwrap().to_value().unwrap(),
                json!([0, 0, 0])
            );
            assert_eq!(
                serde_json::to_value(&shadow).unwrap(),
                serde_json::from_str::<Value>(text).unwrap(),
                "serialises to the same JSON"
            );
        }
        let borrowed: Shadow = serde_json::from_str(text).unwrap();
        assert_eq!(
            borrowed.reported.get(),
            r#"{"temp": 21.5, "a": [1, 2]}"#,
            "as received"
        );
    }

    #[test]
    fn objects_are_checked_to_be_objects() {
        let err = serde_json::from_str::<Shadow>(r#"{"reported": [0, 0]}"#).unwrap_err();
        assert!(err.to_string().contains("expected a JSON object"), "{err}");
        let err = serde_json::from_value::<Shadow>(json!({"reported": 5})).unwrap_err();
        assert!(err.to_string().contains("expected a JSON object"), "{err}");
        let empty: Shadow = serde_json::from_str(r#"{"any": null}"#).unwrap();
        assert!(empty.reported.is_empty() && empty.any.is_none());
        assert_eq!(serde_json::to_string(&empty).unwrap(), r#"{"any":null}"#);
    }

    #[test]
    fn what_a_value_refuses_is_refused_when_converted() {
        let long = "9".repeat(400);
        let deep = format!("{}0{}", "[".repeat(200), "]".repeat(200));
        for bad in [
            "1e400",
            "-2.5E+309",
            long.as_str(),
            r#""\ud800""#,
            r#""a\udc00b""#,
            r#""\ud800\u0041""#,
            deep.as_str(),
        ] {
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
            // Kept as received: the text is valid JSON.
            let raw: RawJson = serde_json::from_str(bad).unwrap();
            assert_eq!(raw.get(), bad);
            assert!(raw.to_value().is_err(), "{bad}");
            let wrapped = format!(r#"{{"reported": {{"x": {bad}}}}}"#);
            let shadow: Shadow = serde_json::from_str(&wrapped).unwrap();
            assert!(shadow.reported.to_map().is_err(), "{wrapped}");
            assert!(serde_json::to_value(&shadow).is_err(), "{wrapped}");
        }
        // The syntax is still checked.
        for broken in ["[1,]", r#""\x""#, "{\"a\" 1}", "01", "[1e]"] {
            assert!(serde_json::from_str::<RawJson>(broken).is_err(), "{broken}");
        }
        let fine = r#"[1e300, 1e-400, 18446744073709551616, "\ud83d\ude00 \\u \" \u0041"]"#;
        assert!(serde_json::from_str::<Value>(fine).is_ok());
        let raw: RawJson = serde_json::from_str(fine).unwrap();
        assert_eq!(
            raw.to_value().unwrap(),
            serde_json::from_str::<Value>(fine).unwrap()
        );
    }

    #[test]
    fn equality_is_by_value() {
        let a: RawObject = serde_json::from_str(r#"{"a": 1, "b": [true]}"#).unwrap();
        let b: RawObject = serde_json::from_str(r#"{"b":[true],"a":1}"#).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, RawObject::default());
        assert_eq!(
            RawObject::try_from(json!({"a": 1})).unwrap().get(),
            r#"{"a":1}"#
        );
        assert!(RawObject::try_from(json!([1])).is_err());
        assert_eq!(format!("{a:?}"), r#"RawObject({"a": 1, "b": [true]})"#);
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn schemas_are_those_of_the_json_types() {
        assert_eq!(
            schemars::schema_for!(RawObject),
            schemars::schema_for!(Map<String, Value>)
        );
        assert_eq!(schemars::schema_for!(RawJson), schemars::schema_for!(Value));
    }
}
