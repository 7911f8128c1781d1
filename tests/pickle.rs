//! Pickles written by Python's own pickle module (`django/generate/generate_pickles.py`, protocols
//! 0–5): djsign reads every one to the same value, and writes protocol 5 byte for byte as
//! Python does.

use djsign::pickle;
use djsign::pyjson;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn reads_python_pickles_and_writes_protocol_5_as_python() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pickles.json");
    let fixture: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 36);
    for case in cases {
        let (json, proto) = (
            case["json"].as_str().unwrap(),
            case["protocol"].as_i64().unwrap(),
        );
        let bytes = hex(case["pickle"].as_str().unwrap());
        let value = pickle::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("protocol {proto} of {json}: {e}"));
        assert_eq!(
            String::from_utf8(pyjson::to_vec(&value)).unwrap(),
            json,
            "protocol {proto}"
        );
        if proto == 5 {
            let expected = pyjson::from_slice(json.as_bytes()).unwrap();
            assert_eq!(pickle::to_vec(&expected), bytes, "writing {json}");
        }
    }
}
