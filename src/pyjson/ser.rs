//! A serde `Serializer` that writes Python-exact JSON directly, so `dumps(&my_struct)`
//! never builds an intermediate value.

use std::fmt::Display;

use serde::ser::{self, Impossible, Serialize};

use super::write::{write_f64, write_i64, write_str};

/// Why a Rust value cannot be written as Python JSON (Python would raise `TypeError`).
///
/// ```
/// let err = djsign::pyjson::to_vec_serde(&std::collections::HashMap::from([((1, 2), 3)])).unwrap_err();
/// assert_eq!(err.to_string(), "keys must be str, int, float, bool or None");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerializeError(pub(crate) String);

impl std::fmt::Display for SerializeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerializeError {}

impl ser::Error for SerializeError {
    fn custom<T: Display>(msg: T) -> Self {
        SerializeError(msg.to_string())
    }
}

/// Serializes any `serde::Serialize` value as Django's JSON serializer would.
///
/// Maps with integer, float, boolean or unit keys get those keys converted to strings as
/// Python's `json` does (`{1: "x"}` → `{"1":"x"}`); bytes and other key types are errors,
/// as in Python.
///
/// ```
/// use std::collections::BTreeMap;
/// let mut m = BTreeMap::new();
/// m.insert(1, "é");
/// assert_eq!(djsign::pyjson::to_vec_serde(&m).unwrap(), br#"{"1":"\u00e9"}"#);
/// assert_eq!(djsign::pyjson::to_vec_serde(&(1e-5, f64::NAN)).unwrap(), b"[1e-05,NaN]");
/// ```
pub fn to_vec_serde<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, SerializeError> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut JsonSerializer { out: &mut out })?;
    Ok(out)
}

/// Appends the JSON of `value` to `out`.
pub(crate) fn write_serde<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), SerializeError> {
    value.serialize(&mut JsonSerializer { out })
}

struct JsonSerializer<'a> {
    out: &'a mut Vec<u8>,
}

fn f32_to_f64(v: f32) -> f64 {
    // Keep the digits the user wrote (0.1f32 → 0.1), as Python has no 32-bit floats.
    v.to_string().parse().unwrap_or(v as f64)
}

fn not_serializable(what: &str) -> SerializeError {
    SerializeError(format!("Object of type {what} is not JSON serializable"))
}

impl<'a, 'b> ser::Serializer for &'a mut JsonSerializer<'b> {
    type Ok = ();
    type Error = SerializeError;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), SerializeError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), SerializeError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i16(self, v: i16) -> Result<(), SerializeError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i32(self, v: i32) -> Result<(), SerializeError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i64(self, v: i64) -> Result<(), SerializeError> {
        write_i64(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), SerializeError> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), SerializeError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_u16(self, v: u16) -> Result<(), SerializeError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_u32(self, v: u32) -> Result<(), SerializeError> {
        self.serialize_i64(v as i64)
    }
    fn serialize_u64(self, v: u64) -> Result<(), SerializeError> {
        self.serialize_i128(v as i128)
    }
    fn serialize_u128(self, v: u128) -> Result<(), SerializeError> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), SerializeError> {
        self.serialize_f64(f32_to_f64(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), SerializeError> {
        write_f64(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), SerializeError> {
        write_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), SerializeError> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), SerializeError> {
        Err(not_serializable("bytes"))
    }
    fn serialize_none(self) -> Result<(), SerializeError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), SerializeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), SerializeError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), SerializeError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), SerializeError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), SerializeError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), SerializeError> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        v.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a, 'b>, SerializeError> {
        self.out.push(b'[');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, n: usize) -> Result<Compound<'a, 'b>, SerializeError> {
        self.serialize_seq(Some(n))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        n: usize,
    ) -> Result<Compound<'a, 'b>, SerializeError> {
        self.serialize_seq(Some(n))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, SerializeError> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a, 'b>, SerializeError> {
        self.out.push(b'{');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}",
        })
    }
    fn serialize_struct(
        self,
        _: &'static str,
        n: usize,
    ) -> Result<Compound<'a, 'b>, SerializeError> {
        self.serialize_map(Some(n))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, SerializeError> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.extend_from_slice(b":{");
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}}",
        })
    }
}

#[doc(hidden)]
pub struct Compound<'a, 'b> {
    ser: &'a mut JsonSerializer<'b>,
    first: bool,
    close: &'static [u8],
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.first = false;
    }
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerializeError> {
        self.comma();
        v.serialize(&mut *self.ser)
    }
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> Result<(), SerializeError> {
        self.comma();
        write_str(self.ser.out, key);
        self.ser.out.push(b':');
        v.serialize(&mut *self.ser)
    }
    fn finish(self) -> Result<(), SerializeError> {
        self.ser.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = SerializeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerializeError> {
        self.element(v)
    }
    fn end(self) -> Result<(), SerializeError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = SerializeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerializeError> {
        self.element(v)
    }
    fn end(self) -> Result<(), SerializeError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerializeError> {
        self.element(v)
    }
    fn end(self) -> Result<(), SerializeError> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerializeError> {
        self.element(v)
    }
    fn end(self) -> Result<(), SerializeError> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = SerializeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerializeError> {
        self.comma();
        key.serialize(KeySerializer {
            out: &mut *self.ser.out,
        })?;
        self.ser.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerializeError> {
        v.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), SerializeError> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerializeError> {
        self.field(key, v)
    }
    fn end(self) -> Result<(), SerializeError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = SerializeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerializeError> {
        self.field(key, v)
    }
    fn end(self) -> Result<(), SerializeError> {
        self.finish()
    }
}

/// Writes a dict key with Python's key coercion.
struct KeySerializer<'a> {
    out: &'a mut Vec<u8>,
}

fn bad_key() -> SerializeError {
    SerializeError("keys must be str, int, float, bool or None".into())
}

impl KeySerializer<'_> {
    fn quoted(self, text: &[u8]) -> Result<(), SerializeError> {
        self.out.push(b'"');
        self.out.extend_from_slice(text);
        self.out.push(b'"');
        Ok(())
    }
    fn int(self, v: i128) -> Result<(), SerializeError> {
        let t = v.to_string();
        self.quoted(t.as_bytes())
    }
}

impl ser::Serializer for KeySerializer<'_> {
    type Ok = ();
    type Error = SerializeError;
    type SerializeSeq = Impossible<(), SerializeError>;
    type SerializeTuple = Impossible<(), SerializeError>;
    type SerializeTupleStruct = Impossible<(), SerializeError>;
    type SerializeTupleVariant = Impossible<(), SerializeError>;
    type SerializeMap = Impossible<(), SerializeError>;
    type SerializeStruct = Impossible<(), SerializeError>;
    type SerializeStructVariant = Impossible<(), SerializeError>;

    fn serialize_bool(self, v: bool) -> Result<(), SerializeError> {
        self.quoted(if v { b"true" } else { b"false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_i16(self, v: i16) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_i32(self, v: i32) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_i64(self, v: i64) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_i128(self, v: i128) -> Result<(), SerializeError> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_u16(self, v: u16) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_u32(self, v: u32) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_u64(self, v: u64) -> Result<(), SerializeError> {
        self.int(v as i128)
    }
    fn serialize_u128(self, v: u128) -> Result<(), SerializeError> {
        let t = v.to_string();
        self.quoted(t.as_bytes())
    }
    fn serialize_f32(self, v: f32) -> Result<(), SerializeError> {
        self.serialize_f64(f32_to_f64(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), SerializeError> {
        let mut t = Vec::new();
        write_f64(&mut t, v);
        self.quoted(&t)
    }
    fn serialize_char(self, v: char) -> Result<(), SerializeError> {
        write_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), SerializeError> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), SerializeError> {
        Err(bad_key())
    }
    fn serialize_none(self) -> Result<(), SerializeError> {
        self.quoted(b"null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), SerializeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), SerializeError> {
        self.quoted(b"null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), SerializeError> {
        self.quoted(b"null")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), SerializeError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), SerializeError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), SerializeError> {
        Err(bad_key())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, SerializeError> {
        Err(bad_key())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, SerializeError> {
        Err(bad_key())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, SerializeError> {
        Err(bad_key())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SerializeError> {
        Err(bad_key())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, SerializeError> {
        Err(bad_key())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, SerializeError> {
        Err(bad_key())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SerializeError> {
        Err(bad_key())
    }
}
