//! serde support for [`Value`]: `Value` is `Serialize` and `Deserialize`, and it is a
//! `Deserializer` so any `DeserializeOwned` type can be read from a parsed payload.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::value::{BigInt, Dict, PyString, Value};

/// A parsed value does not fit the requested Rust type.
///
/// ```
/// let v = djsign::pyjson::Value::from("text");
/// assert!(djsign::pyjson::from_value::<i32>(v).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeserializeError(String);

impl fmt::Display for DeserializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeserializeError {}

impl de::Error for DeserializeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeserializeError(msg.to_string())
    }
}

/// Converts a [`Value`] into any deserializable type.
///
/// ```
/// use djsign::pyjson::{from_slice, from_value};
/// #[derive(serde::Deserialize)]
/// struct S { _auth_user_id: String }
/// let v = from_slice(br#"{"_auth_user_id":"1","other":[1]}"#).unwrap();
/// let s: S = from_value(v).unwrap();
/// assert_eq!(s._auth_user_id, "1");
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, DeserializeError> {
    T::deserialize(value)
}

impl Serialize for PyString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string_lossy())
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::BigInt(b) => match b.to_i128() {
                Some(i) => s.serialize_i128(i),
                None => match b.as_str().parse::<u128>() {
                    Ok(u) => s.serialize_u128(u),
                    Err(_) => Err(serde::ser::Error::custom(
                        "integer too large for serde; use djsign::pyjson::to_vec",
                    )),
                },
            },
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(st) => st.serialize(s),
            Value::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Dict(d) => {
                let mut map = s.serialize_map(Some(d.len()))?;
                for (k, v) in d.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map_or_else(|_| Value::BigInt(BigInt(v.to_string().into())), Value::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map_or_else(|_| Value::BigInt(BigInt(v.to_string().into())), Value::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map_or_else(|_| Value::BigInt(BigInt(v.to_string().into())), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0).min(1024));
        while let Some(x) = a.next_element()? {
            v.push(x);
        }
        Ok(Value::List(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut d = Dict::with_capacity(a.size_hint().unwrap_or(0).min(1024));
        while let Some((k, v)) = a.next_entry::<String, Value>()? {
            d.insert(k, v);
        }
        Ok(Value::Dict(d))
    }
}

impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

fn string_of(s: PyString) -> Result<String, DeserializeError> {
    s.into_string().map_err(|_| {
        DeserializeError("string holds a lone surrogate; read it as djsign::pyjson::Value".into())
    })
}

impl<'de> Deserializer<'de> for Value {
    type Error = DeserializeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeserializeError> {
        match self {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(b),
            Value::Int(i) => v.visit_i64(i),
            Value::BigInt(b) => visit_big_int(b.as_str(), v),
            Value::Float(f) => v.visit_f64(f),
            Value::Str(s) => v.visit_string(string_of(s)?),
            Value::List(l) => {
                let len = l.len();
                let mut seq = SeqDeser(l.into_iter());
                let out = v.visit_seq(&mut seq)?;
                if seq.0.len() == 0 {
                    Ok(out)
                } else {
                    Err(de::Error::invalid_length(
                        len,
                        &"fewer elements in the list",
                    ))
                }
            }
            Value::Dict(d) => v.visit_map(MapDeser {
                it: d.into_iter(),
                pending: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeserializeError> {
        match self {
            Value::Null => v.visit_none(),
            other => v.visit_some(other),
        }
    }

    /// A value the type ignores is not looked at (a lone surrogate in it is no error).
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeserializeError> {
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, DeserializeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeserializeError> {
        match self {
            Value::Str(s) => v.visit_enum(string_of(s)?.into_deserializer()),
            Value::Dict(d) if d.len() == 1 => {
                let mut it = d.into_iter();
                match it.next() {
                    Some((k, val)) => v.visit_enum(EnumDeser {
                        variant: string_of(k)?,
                        value: val,
                    }),
                    None => Err(de::Error::custom("empty enum map")),
                }
            }
            other => Err(de::Error::invalid_type(unexpected(&other), &"an enum")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::BigInt(_) => de::Unexpected::Other("big integer"),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(_) => de::Unexpected::Other("string"),
        Value::List(_) => de::Unexpected::Seq,
        Value::Dict(_) => de::Unexpected::Map,
    }
}

struct SeqDeser(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for SeqDeser {
    type Error = DeserializeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeserializeError> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDeser {
    it: super::value::DictIntoIter,
    pending: Option<Value>,
}

impl<'de> MapAccess<'de> for MapDeser {
    type Error = DeserializeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeserializeError> {
        match self.it.next() {
            None => Ok(None),
            Some((k, v)) => {
                self.pending = Some(v);
                seed.deserialize(KeyDeser::new(KeyText::Owned(string_of(k)?)))
                    .map(Some)
            }
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DeserializeError> {
        match self.pending.take() {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::custom("value requested before key")),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.it.len())
    }
}

/// The text of a dict key, as the reader has it.
pub(super) enum KeyText<'a, 'de> {
    /// Borrowed from the input.
    Borrowed(&'de str),
    /// Decoded into a buffer the reader reuses.
    Transient(&'a str),
    /// Owned.
    Owned(String),
}

/// Dict keys are strings; integer-keyed Rust maps parse them back as Python wrote them.
pub(super) struct KeyDeser<'a, 'de, E>(pub(super) KeyText<'a, 'de>, PhantomData<E>);

impl<'a, 'de, E> KeyDeser<'a, 'de, E> {
    pub(super) fn new(text: KeyText<'a, 'de>) -> Self {
        KeyDeser(text, PhantomData)
    }

    fn text(&self) -> &str {
        match &self.0 {
            KeyText::Borrowed(s) => s,
            KeyText::Transient(s) => s,
            KeyText::Owned(s) => s,
        }
    }
}

macro_rules! key_parse {
    ($($m:ident $t:ty => $visit:ident),*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
            match self.text().parse::<$t>() {
                Ok(n) => v.$visit(n),
                Err(_) => self.deserialize_any(v),
            }
        }
    )*};
}

impl<'de, E: de::Error> Deserializer<'de> for KeyDeser<'_, 'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self.0 {
            KeyText::Borrowed(s) => v.visit_borrowed_str(s),
            KeyText::Transient(s) => v.visit_str(s),
            KeyText::Owned(s) => v.visit_string(s),
        }
    }

    key_parse! {
        deserialize_i8 i8 => visit_i8, deserialize_i16 i16 => visit_i16,
        deserialize_i32 i32 => visit_i32, deserialize_i64 i64 => visit_i64,
        deserialize_u8 u8 => visit_u8, deserialize_u16 u16 => visit_u16,
        deserialize_u32 u32 => visit_u32, deserialize_u64 u64 => visit_u64,
        deserialize_i128 i128 => visit_i128, deserialize_u128 u128 => visit_u128
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, E> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, E> {
        match self.0 {
            KeyText::Borrowed(s) => v.visit_enum(de::value::BorrowedStrDeserializer::new(s)),
            KeyText::Transient(s) => v.visit_enum(s.into_deserializer()),
            KeyText::Owned(s) => v.visit_enum(s.into_deserializer()),
        }
    }

    serde::forward_to_deserialize_any! {
        bool f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// Hands an integer beyond `i64` to `v` as the narrowest Rust integer that holds it
/// (`u64`, `i128`, `u128`); beyond 128 bits it is an error: no Rust integer holds it, and
/// a float would silently change the value ([`Value`] keeps it exactly).
pub(super) fn visit_big_int<'de, V: Visitor<'de>, E: de::Error>(
    digits: &str,
    v: V,
) -> Result<V::Value, E> {
    if let Ok(u) = digits.parse::<u64>() {
        v.visit_u64(u)
    } else if let Ok(i) = digits.parse::<i128>() {
        v.visit_i128(i)
    } else if let Ok(u) = digits.parse::<u128>() {
        v.visit_u128(u)
    } else {
        Err(E::custom(
            "integer beyond 128 bits; read it as djsign::pyjson::Value",
        ))
    }
}

struct EnumDeser {
    variant: String,
    value: Value,
}

impl<'de> EnumAccess<'de> for EnumDeser {
    type Error = DeserializeError;
    type Variant = Value;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Value), DeserializeError> {
        let v = seed.deserialize(self.variant.into_deserializer())?;
        Ok((v, self.value))
    }
}

impl<'de> VariantAccess<'de> for Value {
    type Error = DeserializeError;
    fn unit_variant(self) -> Result<(), DeserializeError> {
        match self {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(&other), &"unit variant")),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DeserializeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeserializeError> {
        self.deserialize_any(v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeserializeError> {
        self.deserialize_any(v)
    }
}
