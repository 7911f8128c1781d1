#![no_main]
//! The serde path (`pyjson::from_slice_as`, what `loads` and `unsign_object` use for the
//! user's types) against the value path (`from_slice`, then `from_value`) on any bytes:
//! never panics, and both give the same value or the same error.
use djsign::pyjson::{self, DecodeError};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::Value as J;

#[derive(Debug, PartialEq, Deserialize)]
struct Login {
    #[serde(default)]
    _auth_user_id: Option<String>,
    #[serde(default)]
    cart: Vec<J>,
}

fn agree<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let direct = pyjson::from_slice_as::<T>(data);
    match pyjson::from_slice(data) {
        Err(e) => assert_eq!(direct, Err(DecodeError::Json(e))),
        Ok(v) => match pyjson::from_value::<T>(v) {
            Ok(t) => assert_eq!(direct, Ok(t)),
            Err(_) => assert!(matches!(direct, Err(DecodeError::Type(_))), "{direct:?}"),
        },
    }
}

fuzz_target!(|data: &[u8]| {
    agree::<J>(data);
    agree::<Login>(data);
    agree::<Vec<Option<i64>>>(data);
});
