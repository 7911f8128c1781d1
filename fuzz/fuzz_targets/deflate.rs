#![no_main]
//! djsign's zlib-exact deflate: whatever the input, a valid zlib stream that inflates back
//! to exactly it.
use djsign::encoding::zlib;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let c = zlib::compress(data);
    assert_eq!(zlib::decompress(&c, data.len() + 1).unwrap(), data);
});
