//! djsign's compression against CPython's `zlib.compress`, byte for byte, on the inputs
//! of `fixtures/zlib.json` (written by `django/generate/generate_zlib.py`): session JSON of many
//! sizes, tiny inputs, runs, incompressible data and skewed frequencies that make zlib
//! limit its code lengths.

use base64::Engine;
use djsign::encoding::zlib;

#[test]
fn compress_writes_what_cpython_writes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/zlib.json");
    let fixture: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("JSON");
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut checked = 0;
    for case in fixture["cases"].as_array().expect("cases") {
        let input = b64
            .decode(case["in"].as_str().expect("in"))
            .expect("base64");
        let python = b64
            .decode(case["out"].as_str().expect("out"))
            .expect("base64");
        let ours = zlib::compress(&input);
        assert!(
            ours == python,
            "{} input bytes: djsign {} bytes, CPython {} bytes, first difference at {}",
            input.len(),
            ours.len(),
            python.len(),
            ours.iter().zip(&python).take_while(|(a, b)| a == b).count()
        );
        assert_eq!(zlib::decompress(&ours, 1 << 20).expect("valid"), input);
        checked += 1;
    }
    println!("{checked} inputs, zlib {}: byte-identical", fixture["zlib"]);
    assert!(checked >= 300);
}
