//! Faster `Deserialize` for three shapes of union that typify emits as `#[serde(untagged)]`
//! enums. An untagged enum first copies the whole value into serde's private buffer and then
//! tries each variant against the copy; for a 5 kB device document that costs about a third
//! more than decoding the variant directly. The code generator (`nrfcloud-codegen`'s
//! `unions::fast_unions`) replaces the derived `Deserialize` of the enums that match one of
//! these shapes with a call into this module. With serde_json the results are the same as
//! the untagged derive's for any UTF-8 input that a `serde_json::Value` accepts
//! (`tests/unions.rs` checks thousands of documents against the derive, and the
//! `union_decode` fuzz target any input); only the cost differs. (What a `Value` refuses
//! beyond the syntax, such as `1e400`, the derive's buffer refused at once; raw shadow objects
//! keep it as text and refuse it when converted: see `crate::json`.)
//! (Bytes that are not UTF-8 inside a field the variant does not know are skipped unchecked,
//! as serde_json skips them for any struct; the derive's buffer refused them.) With other formats the variant is decoded straight from
//! the format's own deserializer, as a plain struct would be, so a strict format (CBOR
//! refusing an integer for a float) may refuse what serde's buffer tolerated.
//!
//! - [`TaggedUnion`]: every variant is a struct with the same required property (`type` for
//!   devices) holding a single-value string enum. The fields every variant has alike are
//!   decoded where they come; the others, when they come before the tag, are kept as raw text
//!   until the tag picks the variant; the rest of the object streams straight into it.
//! - [`or_value`]: `[T, catch-all JSON value]` (ListDevices items: a device, or whatever a
//!   JSONata `transform` made of it). The item is kept as raw JSON text, decoded as `T`, and
//!   kept as a `serde_json::Value` when that fails. Response bodies are first decoded with
//!   every such item read as `T` directly ([`first_as_primary`], one pass), and the usual way
//!   only when that fails.
//! - [`string_or`]: `[known values, any string]` (enums that keep values this version does
//!   not know). The string is read once and matched against the known values.
//!
//! With `serde_json` (what the client decodes with) values are kept as raw text: serde_json's
//! raw-value capture is asked for through `deserialize_newtype_struct` with its token. Any
//! other deserializer answers that request with `visit_newtype_struct` (or a plain value),
//! and the value is then kept as a `serde_json::Value`: slower, same result.

use std::fmt;
use std::marker::PhantomData;

use serde::de::Error as _;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// The `visit_*` methods of a visitor for deserializers that answer the raw-value request
/// with a plain value: each builds the `serde_json::Value` and wraps it with `$wrap`.
macro_rules! forward_scalars_to_value {
    ($wrap:path) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(Value::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok($wrap(Value::from(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(Value::String(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok($wrap(Value::String(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(Value::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap(Value::Null))
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            <Value as de::Deserialize>::deserialize(d).map($wrap)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<Value>()? {
                items.push(item);
            }
            Ok($wrap(Value::Array(items)))
        }
    };
}

/// The name under which serde_json hands out a value's raw text (its `RawValue` protocol).
/// If a future serde_json renamed it, its deserializer would answer with
/// `visit_newtype_struct` and the slower `Value` path would be taken: still correct. A test
/// in this module checks that the fast path is the one taken today.
pub(crate) const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// An enum whose variants are structs told apart by one property holding a single value.
///
/// The generated impl (`nrfcloud-codegen`'s `union_decoders`) names the fields every
/// variant has with the same type and attributes ([`TaggedUnion::Shared`]: read straight
/// into their slots wherever they come) and, per variant, the other fields ([`Rest`]).
pub(crate) trait TaggedUnion: Sized {
    /// The type's name, for error messages.
    const NAME: &'static str;
    /// The property that tells the variants apart.
    const TAG: &'static str;
    /// The tag values, in variant order.
    const TAGS: &'static [&'static str];
    /// The fields every variant has alike.
    type Shared: Fields;
    /// Finishes the variant `tag` names from the shared fields read so far, the other fields
    /// read before the tag (`kept`, in their order) and the rest of the map; `None` when no
    /// variant has that tag.
    fn variant<'de, A: MapAccess<'de>>(
        tag: &str,
        shared: Self::Shared,
        kept: KeptFields<'de>,
        map: A,
    ) -> Option<Result<Self, A::Error>>;
}

/// Slots for some fields of a struct, filled as their keys come.
pub(crate) trait Fields: Default {
    /// Reads the value of `key` from `map` into its slot: `Ok(false)` (nothing read) when
    /// `key` is none of these fields, a `duplicate_field` error when its slot is full, as
    /// serde's derive does.
    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

/// The fields of one variant that are not shared, and how the variant is built.
pub(crate) trait Rest: Fields {
    /// The union's shared fields.
    type Shared: Fields;
    /// The variant's struct.
    type Out;
    /// The struct, from the filled slots: a missing field is an error, `None` or the
    /// field's default exactly where serde's derive would give them.
    fn build<E: de::Error>(self, shared: Self::Shared, tag: &str) -> Result<Self::Out, E>;
}

/// The fields read ahead of the tag that are not shared: key and value.
pub(crate) type KeptFields<'de> = Vec<(RawText<'de>, Kept<'de>)>;

/// `Deserialize::deserialize` of a [`TaggedUnion`].
pub(crate) fn tagged<'de, T: TaggedUnion, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(TaggedVisitor(PhantomData))
}

struct TaggedVisitor<T>(PhantomData<T>);

impl<'de, T: TaggedUnion> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        // Keys and the tag are borrowed from the input where the deserializer lends them
        // (serde_json does, for text without escapes): no allocation for them. Shared fields
        // are decoded at once; only the others wait for the tag, as raw text.
        let mut shared = T::Shared::default();
        let mut kept = Vec::new();
        let tag = loop {
            match map.next_key::<RawText<'de>>()? {
                None => return Err(A::Error::missing_field(T::TAG)),
                Some(key) if key.as_str() == T::TAG => break map.next_value::<RawText<'de>>()?,
                Some(key) => {
                    if !shared.read(key.as_str(), &mut map)? {
                        let value = map.next_value_seed(KeptSeed)?;
                        kept.push((key, value));
                    }
                }
            }
        };
        match T::variant(tag.as_str(), shared, kept, map) {
            Some(result) => result,
            None => Err(A::Error::unknown_variant(tag.as_str(), T::TAGS)),
        }
    }
}

/// The variant `R` from its fields: `kept` (read before the tag) first, then the rest of
/// `map`. A second tag is a duplicate field, unknown keys are skipped, as with serde's derive
/// of the variant's struct.
pub(crate) fn finish<'de, R: Rest, A: MapAccess<'de>>(
    tag_key: &'static str,
    tag: &str,
    mut shared: R::Shared,
    kept: KeptFields<'de>,
    mut map: A,
) -> Result<R::Out, A::Error> {
    let mut rest = R::default();
    for (key, value) in kept {
        // A key this variant does not know was read for nothing, as the derive skips it.
        rest.read(
            key.as_str(),
            &mut OneValue::<A::Error>(Some(value), PhantomData),
        )?;
    }
    while let Some(key) = map.next_key::<RawText<'de>>()? {
        let key = key.as_str();
        if key == tag_key {
            return Err(A::Error::duplicate_field(tag_key));
        }
        if !shared.read(key, &mut map)? && !rest.read(key, &mut map)? {
            map.next_value::<de::IgnoredAny>()?;
        }
    }
    rest.build(shared, tag)
}

/// Reads the value of the field `name` into `slot` ([`Fields::read`]).
pub(crate) fn slot<'de, T: de::Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<bool, A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(true)
}

/// The value of a missing field `name` without a default, as serde's derive gives it: `None`
/// for a type read as an option, else a `missing_field` error.
pub(crate) fn missing<'de, T: de::Deserialize<'de>, E: de::Error>(
    name: &'static str,
) -> Result<T, E> {
    T::deserialize(Missing(name, PhantomData))
}

struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// One value kept ahead of the tag, as a map for [`Fields::read`] (its one key was read).
struct OneValue<'de, E>(Option<Kept<'de>>, PhantomData<E>);

impl<'de, E: de::Error> MapAccess<'de> for OneValue<'de, E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>, E> {
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, E> {
        match self.0.take() {
            Some(kept) => kept.deserialize_into(seed),
            None => Err(E::custom("a kept value was read twice")),
        }
    }
}

/// A value read ahead of the tag: its raw JSON text, or (from other deserializers) a
/// `serde_json::Value`.
pub(crate) enum Kept<'de> {
    Borrowed(&'de str),
    Owned(String),
    Value(Value),
}

impl<'de> Kept<'de> {
    fn deserialize_into<S: DeserializeSeed<'de>, E: de::Error>(
        self,
        seed: S,
    ) -> Result<S::Value, E> {
        match self {
            Kept::Borrowed(text) => seed.deserialize(&mut serde_json::Deserializer::from_str(text)),
            // The text is local and `S::Value` may borrow from `'de`: read it as a reader
            // does, which never lends out its input (duplicate keys and all other checks
            // stay serde_json's).
            Kept::Owned(text) => {
                seed.deserialize(&mut serde_json::Deserializer::from_reader(text.as_bytes()))
            }
            Kept::Value(value) => seed.deserialize(value),
        }
        .map_err(E::custom)
    }
}

/// Reads one value as raw text when the deserializer is serde_json's, else as a `Value`.
struct KeptSeed;

impl<'de> DeserializeSeed<'de> for KeptSeed {
    type Value = Kept<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Kept<'de>, D::Error> {
        d.deserialize_newtype_struct(RAW_TOKEN, KeptVisitor)
    }
}

struct KeptVisitor;

impl<'de> Visitor<'de> for KeptVisitor {
    type Value = Kept<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kept<'de>, A::Error> {
        match map.next_key::<Key>()? {
            Some(Key::RawToken) => map.next_value::<RawText<'de>>().map(|raw| match raw {
                RawText::Borrowed(s) => Kept::Borrowed(s),
                RawText::Owned(s) => Kept::Owned(s),
            }),
            // A deserializer that ignored the request and handed over the map itself.
            Some(Key::Other(first)) => collect_map(first, map).map(Kept::Value),
            None => Ok(Kept::Value(Value::Object(Default::default()))),
        }
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Kept<'de>, D::Error> {
        <Value as de::Deserialize>::deserialize(d).map(Kept::Value)
    }

    forward_scalars_to_value!(Kept::Value);
}

/// `Deserialize::deserialize` of a `[T, catch-all]` union: `primary` when the value decodes
/// as `T`, else `other` with the value decoded as the catch-all `O` (a `serde_json::Value`,
/// or [`crate::json::RawJson`], which keeps the text).
///
/// Inside [`first_as_primary`] the value is decoded as `T` straight from `d` (one pass, no
/// copy of its text), and a value that is not a `T` fails the whole decode.
pub(crate) fn or_value<'de, D, T, O, U>(
    d: D,
    primary: fn(T) -> U,
    other: fn(O) -> U,
) -> Result<U, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
    O: DeserializeOwned,
{
    if primary_only::on() {
        return T::deserialize(d).map(primary);
    }
    let kept = KeptSeed.deserialize(d)?;
    let text = match &kept {
        Kept::Borrowed(s) => Some(*s),
        Kept::Owned(s) => Some(s.as_str()),
        Kept::Value(_) => None,
    };
    if let Some(text) = text {
        return match serde_json::from_str::<T>(text) {
            Ok(t) => Ok(primary(t)),
            Err(_) => serde_json::from_str::<O>(text)
                .map(other)
                .map_err(D::Error::custom),
        };
    }
    let Kept::Value(value) = kept else {
        unreachable!("text handled above")
    };
    match T::deserialize(&value) {
        Ok(t) => Ok(primary(t)),
        Err(_) => O::deserialize(value).map(other).map_err(D::Error::custom),
    }
}

/// `Deserialize::deserialize` of a `[K, String]` union: `known` when the string decodes as
/// `K`, else `any` with the string.
pub(crate) fn string_or<'de, D, K, U>(
    d: D,
    known: fn(K) -> U,
    any: fn(String) -> U,
) -> Result<U, D::Error>
where
    D: Deserializer<'de>,
    K: DeserializeOwned,
{
    let text = d.deserialize_str(TextVisitor)?;
    let tried: Result<K, de::value::Error> =
        K::deserialize(de::value::BorrowedStrDeserializer::new(text.as_str()));
    Ok(match tried {
        Ok(k) => known(k),
        Err(_) => any(match text {
            RawText::Borrowed(s) => s.to_owned(),
            RawText::Owned(s) => s,
        }),
    })
}

/// A string, borrowed from the input when the deserializer can.
pub(crate) enum RawText<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> RawText<'de> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            RawText::Borrowed(s) => s,
            RawText::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for RawText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = RawText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<RawText<'de>, E> {
        Ok(RawText::Borrowed(s))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<RawText<'de>, E> {
        Ok(RawText::Owned(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<RawText<'de>, E> {
        Ok(RawText::Owned(s))
    }
}

/// The first key of a map: serde_json's raw-value token, or a real key.
pub(crate) enum Key {
    RawToken,
    Other(String),
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(if s == RAW_TOKEN {
                    Key::RawToken
                } else {
                    Key::Other(s.to_owned())
                })
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key, E> {
                Ok(if s == RAW_TOKEN {
                    Key::RawToken
                } else {
                    Key::Other(s)
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// The rest of a map whose first key was already read, as a `Value`.
pub(crate) fn collect_map<'de, A: MapAccess<'de>>(
    first: String,
    mut map: A,
) -> Result<Value, A::Error> {
    let mut object = serde_json::Map::new();
    let value = map.next_value::<Value>()?;
    object.insert(first, value);
    while let Some((k, v)) = map.next_entry::<String, Value>()? {
        object.insert(k, v);
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path depends on serde_json answering the raw-value request; if a release
    /// stopped doing so, decoding would still be right but slower, and this test says why.
    #[test]
    fn serde_json_hands_out_raw_text() {
        let text = r#"{"a": [1, 2.5, "x"]}"#;
        let mut de = serde_json::Deserializer::from_str(text);
        assert!(matches!(KeptSeed.deserialize(&mut de), Ok(Kept::Borrowed(t)) if t == text));
        let mut de = serde_json::Deserializer::from_reader(text.as_bytes());
        assert!(matches!(KeptSeed.deserialize(&mut de), Ok(Kept::Owned(t)) if t == text));
        let value: Value = serde_json::from_str(text).unwrap();
        assert!(matches!(KeptSeed.deserialize(value), Ok(Kept::Owned(_))));
    }

    /// Other deserializers get the `Value` path.
    #[test]
    fn other_deserializers_give_a_value() {
        let de = de::value::StrDeserializer::<de::value::Error>::new("plain");
        assert!(
            matches!(KeptSeed.deserialize(de), Ok(Kept::Value(Value::String(s))) if s == "plain")
        );
        let de = de::value::U64Deserializer::<de::value::Error>::new(7);
        assert!(matches!(KeptSeed.deserialize(de), Ok(Kept::Value(v)) if v == 7));
    }
}

/// The mode of [`or_value`] for the decode running on this thread.
mod primary_only {
    use std::cell::Cell;

    thread_local! {
        /// `(on, consulted)`.
        static MODE: Cell<(bool, bool)> = const { Cell::new((false, false)) };
    }

    /// Whether `or_value` decodes its primary type only; notes that it was asked.
    pub(super) fn on() -> bool {
        MODE.with(|m| {
            let (on, _) = m.get();
            if on {
                m.set((true, true));
            }
            on
        })
    }

    /// Runs `f` with the mode set, and says whether an `or_value` union was met. The mode
    /// before is restored afterwards, also when `f` panics.
    pub(super) fn with<R>(f: impl FnOnce() -> R) -> (R, bool) {
        struct Restore((bool, bool));
        impl Drop for Restore {
            fn drop(&mut self) {
                MODE.with(|m| m.set(self.0));
            }
        }
        let _restore = Restore(MODE.with(|m| m.replace((true, false))));
        let result = f();
        let (_, consulted) = MODE.with(|m| m.get());
        (result, consulted)
    }
}

/// Decodes `body` as `T` the way every generated call decodes a response: in one pass that
/// reads each `[item, catch-all]` union ([`or_value`]: ListDevices items, which are devices
/// unless a JSONata `transform` made something else of them) as its item type, and, only
/// when that fails and such a union was met, once more trying each value as the item type
/// and then as the catch-all. The result is the same as `serde_json::from_slice` (the union
/// decoder picks the item type whenever the value is one, in either pass); a page of devices
/// costs one pass instead of two (the item's text kept, then decoded).
pub(crate) fn first_as_primary<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match primary_only::with(|| serde_json::from_slice::<T>(body)) {
        (Ok(t), _) => Ok(t),
        (Err(_), true) => serde_json::from_slice(body),
        (Err(e), false) => Err(e),
    }
}
