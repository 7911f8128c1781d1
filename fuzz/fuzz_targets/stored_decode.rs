#![no_main]
//! Stored session data (db/cache/file `session_data`) under every version's decode rules:
//! never panics, and stays within the stated memory bound of the limits.
use djsign::sessions::backends::stored::SessionCodec;
use djsign::{DjangoVersion, Limits, Settings};
use djsign_fuzz::within;
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits { max_decompressed_size: 64 << 10, max_values: 4096 };

fuzz_target!(|data: &[u8]| {
    let Ok(blob) = std::str::from_utf8(data) else { return };
    for version in [DjangoVersion::V2_2, DjangoVersion::new(3, 1, 0), DjangoVersion::V3_2, DjangoVersion::V6_1] {
        let mut s = Settings::new("fuzz-key");
        s.version = version;
        s.limits = LIMITS;
        let codec = SessionCodec::new(&s).unwrap();
        within("stored decode", LIMITS.peak_bound(blob.len()), || {
            let _ = codec.decode(blob);
        });
    }
});
