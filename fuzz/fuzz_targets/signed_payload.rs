#![no_main]
//! Structure-aware: signs the fuzzer's bytes as a payload with the test key, so the code
//! behind the signature check (base 64, zlib, JSON, timestamps) is reached; every decode
//! stays within the stated memory bound of its limits, through the `Value` and serde paths.
use djsign::{Limits, MaxAge, Signer, TimestampSigner};
use djsign_fuzz::within;
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits { max_decompressed_size: 64 << 10, max_values: 4096 };

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let salt = "django.core.signing";
    let plain = Signer::builder().key("fuzz-key").salt(salt).build().unwrap();
    let ts = TimestampSigner::builder().key("fuzz-key").salt(salt).limits(LIMITS).build().unwrap();
    let bound = LIMITS.peak_bound(data.len() + 128);
    // `text` as "payload:timestamp" (or anything else) under a valid signature.
    let token = plain.sign(text);
    within("unsign_object", bound, || {
        let _ = ts.unsign_value_at(&token, Some(MaxAge::Seconds(60)), 1.7e9);
        let _ = ts.unsign_value_at(&token, None, 0.0);
    });
    // And as a payload with a fresh timestamp.
    let token = ts.sign_at(text, 1.7e9);
    within("unsign_object", bound, || {
        let _ = ts.unsign_value_at(&token, None, 1.7e9);
    });
    // The serde path on the same payloads: no panic (the type's own memory is its own).
    let _ = ts.unsign_object_at::<serde_json::Value>(&token, None, 1.7e9);
});
