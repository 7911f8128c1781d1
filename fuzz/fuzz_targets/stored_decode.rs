#![no_main]
//! Stored session data (db/cache/file `session_data`) under every version's decode rules:
//! never panics.
use djsign::sessions::backends::stored::SessionCodec;
use djsign::{DjangoVersion, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(blob) = std::str::from_utf8(data) else { return };
    for version in [DjangoVersion::V2_2, DjangoVersion::new(3, 1, 0), DjangoVersion::V3_2, DjangoVersion::V6_1] {
        let mut s = Settings::new("fuzz-key");
        s.version = version;
        let _ = SessionCodec::new(&s).unwrap().decode(blob);
    }
});
