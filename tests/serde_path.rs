//! The serde path (`pyjson::from_slice_as`, used by `loads` and `unsign_object` for every
//! type but `Value`) against the value path (`from_slice`, then `from_value`), which the
//! fixture suites check against Django: on every document, the same result for each
//! target type, or the same error.

use std::collections::{BTreeMap, HashMap};

use djsign::pyjson::{self, DecodeError, JsonErrorKind};
use proptest::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value as J;

/// Both paths on `doc`, for target `T`.
fn agree<T: DeserializeOwned + PartialEq + std::fmt::Debug>(
    doc: &[u8],
) -> Result<(), TestCaseError> {
    let direct = pyjson::from_slice_as::<T>(doc);
    match pyjson::from_slice(doc) {
        Err(e) => prop_assert_eq!(
            direct,
            Err(DecodeError::Json(e)),
            "{:?}",
            String::from_utf8_lossy(doc)
        ),
        Ok(v) => match pyjson::from_value::<T>(v) {
            Ok(t) => prop_assert_eq!(direct, Ok(t), "{:?}", String::from_utf8_lossy(doc)),
            Err(_) => prop_assert!(
                matches!(direct, Err(DecodeError::Type(_))),
                "{:?}: {:?}",
                String::from_utf8_lossy(doc),
                direct
            ),
        },
    }
    Ok(())
}

#[derive(Debug, PartialEq, Deserialize)]
struct Login {
    #[serde(default)]
    a: Option<J>,
    #[serde(default)]
    b: Vec<J>,
}

#[derive(Debug, PartialEq, Deserialize)]
enum Shape {
    A,
    B(i64),
    C { a: J },
}

/// A float compared bit for bit (NaN equals itself), read as a newtype.
#[derive(Debug, Deserialize)]
struct Bits(f64);

impl PartialEq for Bits {
    fn eq(&self, other: &Bits) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

fn every_target(doc: &[u8]) -> Result<(), TestCaseError> {
    agree::<J>(doc)?;
    agree::<BTreeMap<String, J>>(doc)?;
    agree::<HashMap<u32, J>>(doc)?;
    agree::<Vec<J>>(doc)?;
    agree::<Login>(doc)?;
    agree::<Shape>(doc)?;
    agree::<(J, J)>(doc)?;
    agree::<String>(doc)?;
    agree::<i128>(doc)?;
    agree::<Bits>(doc)?;
    agree::<Option<bool>>(doc)
}

/// JSON text in Python's dialect, with the cases that matter to serde: repeated keys
/// (also spelled with escapes), lone surrogates, latin-1 bytes, big integers, NaN,
/// integer-like keys, whitespace.
fn doc() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop::sample::select(vec![
        &b"null"[..],
        b"true",
        b"false",
        b"0",
        b"-0",
        b"42",
        b"-7",
        b"1.5",
        b"1e400",
        b"-1e-7",
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"12345678901234567890",
        b"-9223372036854775809",
        b"340282366920938463463374607431768211456",
        b"\"x\"",
        b"\"\"",
        b"\"\\ud800\"",
        b"\"\\ud83d\\ude00\"",
        b"\"\\u00e9\"",
        b"\"\xe9t\xe9\"",
        b"\"A\"",
        b"\"B\"",
        b"\"a\\\"b\"",
    ])
    .prop_map(<[u8]>::to_vec);
    let key = prop::sample::select(vec![
        &b"\"a\""[..],
        b"\"b\"",
        b"\"\\u0061\"",
        b"\"7\"",
        b"\"C\"",
        b"\"B\"",
        b"\"\xe9\"",
        b"\"\\u00e9\"",
    ]);
    let ws = prop::sample::select(vec![&b""[..], b"", b" ", b"\n\t"]);
    leaf.prop_recursive(4, 48, 5, move |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..5), ws.clone()).prop_map(|(items, w)| {
                let mut out = b"[".to_vec();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                        out.extend_from_slice(w);
                    }
                    out.extend_from_slice(item);
                }
                out.push(b']');
                out
            }),
            (
                prop::collection::vec((key.clone(), inner), 0..5),
                ws.clone()
            )
                .prop_map(|(entries, w)| {
                    let mut out = b"{".to_vec();
                    for (i, (k, v)) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(w);
                        out.extend_from_slice(k);
                        out.extend_from_slice(b":");
                        out.extend_from_slice(w);
                        out.extend_from_slice(v);
                    }
                    out.push(b'}');
                    out
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, .. ProptestConfig::default() })]

    #[test]
    fn agrees_on_python_json(d in doc()) {
        every_target(&d)?;
    }

    /// Broken documents: a byte changed, inserted or cut; the error is the same kind at
    /// the same position.
    #[test]
    fn agrees_on_broken_json(d in doc(), at in any::<prop::sample::Index>(), byte in prop::sample::select(b"\"\\,:[]{}0x\x01 ".to_vec()), how in 0..3u8) {
        let mut d = d;
        let i = at.index(d.len() + 1);
        match how {
            0 if i < d.len() => d[i] = byte,
            1 => d.insert(i, byte),
            _ => d.truncate(i),
        }
        every_target(&d)?;
    }

    #[test]
    fn agrees_on_any_bytes(d in prop::collection::vec(any::<u8>(), 0..64)) {
        every_target(&d)?;
    }
}

/// What the fixture suites cannot show: borrowing, limits, and many keys.
#[test]
fn borrows_plain_strings_and_decodes_the_rest() {
    #[derive(Deserialize)]
    struct S<'a> {
        plain: &'a str,
        #[serde(borrow)]
        latin1: std::borrow::Cow<'a, str>,
    }
    let doc = b"{\"plain\":\"42\",\"latin1\":\"caf\xe9\"}";
    let s: S = pyjson::from_slice_as(doc).unwrap();
    assert_eq!(s.plain, "42");
    assert!(
        std::ptr::eq(s.plain.as_ptr(), doc[10..].as_ptr()),
        "lent by the input"
    );
    assert_eq!(s.latin1, "café");
    // A string that must be decoded cannot be lent.
    assert!(matches!(
        pyjson::from_slice_as::<&str>(b"\"\\u00e9\""),
        Err(DecodeError::Type(_))
    ));
}

#[test]
fn limits_hold_for_values_the_type_ignores() {
    #[derive(Debug, Deserialize)]
    struct Nothing {}
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(1001), "]".repeat(1001));
    let e = pyjson::from_slice_as::<Nothing>(deep.as_bytes()).unwrap_err();
    assert!(
        matches!(e, DecodeError::Json(ref j) if j.kind() == JsonErrorKind::TooDeep),
        "{e:?}"
    );
    let many = format!("{{\"x\":[{}0]}}", "0,".repeat(100));
    let e = pyjson::from_slice_as_with_limits::<Nothing>(many.as_bytes(), 10, 100).unwrap_err();
    assert!(
        matches!(e, DecodeError::Json(ref j) if j.kind() == JsonErrorKind::TooManyValues),
        "{e:?}"
    );
    assert!(pyjson::from_slice_as_with_limits::<Nothing>(many.as_bytes(), 10, 103).is_ok());
    let big = format!("{{\"x\":{}}}", "9".repeat(4301));
    let e = pyjson::from_slice_as::<Nothing>(big.as_bytes()).unwrap_err();
    assert!(
        matches!(e, DecodeError::Json(ref j) if j.kind() == JsonErrorKind::IntTooLarge),
        "{e:?}"
    );
}

/// Past sixteen keys a dict's repeats are found through a hash set; the last value wins
/// at the first key's position, as in Python, through escapes too.
#[test]
fn repeated_keys_in_large_dicts() {
    let mut doc = String::from("{");
    for i in 0..40 {
        doc += &format!("\"k{i}\":{i},");
    }
    doc += "\"\\u006b3\":\"last\",\"end\":0}";
    let v: J = pyjson::from_slice_as(doc.as_bytes()).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 41);
    assert_eq!(keys[3], "k3");
    assert_eq!(v["k3"], "last");
    agree::<J>(doc.as_bytes()).unwrap();
    // Without repeats the same dict is read directly.
    let plain = doc.replace("\\u006b3", "k40");
    agree::<BTreeMap<String, J>>(plain.as_bytes()).unwrap();
}

#[test]
fn integers_beyond_128_bits_are_a_type_error_not_a_float() {
    let e = pyjson::from_slice_as::<J>(b"[340282366920938463463374607431768211456]").unwrap_err();
    assert!(e.to_string().contains("beyond 128 bits"), "{e}");
    assert_eq!(
        pyjson::from_slice_as::<u128>(b"340282366920938463463374607431768211455").unwrap(),
        u128::MAX
    );
    assert_eq!(
        pyjson::from_slice_as::<i128>(b"-170141183460469231731687303715884105728").unwrap(),
        i128::MIN
    );
}
