//! Differential fuzzing of validly signed hostile payloads against real Django.
//!
//! A signature check stops forged input, but not data the application signed itself
//! (user content in a session or token) or bytes a cache holds. Here random and mutated
//! JSON, zlib streams and raw bytes are signed with the test key and loaded by djsign and
//! by Django's `signing.loads`; random and mutated pickles are read by djsign and by
//! Python's unpickler (with every global refused). Both must agree on the outcome: the
//! same value, or both refusing it as malformed. djsign's own limits (pickles that expand
//! past their budget, types a session value cannot be) are counted, not failures.
//!
//! `DJSIGN_DJANGO_PYTHONS` as for `tests/live_django.rs` (skipped, saying so, when unset);
//! `DJSIGN_HOSTILE_CASES` cases per version (default 2000; `.ci/run` runs 7000, three
//! versions); `DJSIGN_LIVE_SEED` replays a run. Disagreements are written, with Django's
//! outcome, to `target/hostile-failures-<seed>.json`, in the format of
//! `fixtures/hostile-regressions.json`, which `hostile_regressions_replay` runs without
//! Django: move a case there once it is fixed.

use djsign::encoding::{base64, zlib};
use djsign::pickle::{self, PickleError};
use djsign::pyjson;
use djsign::{ErrorKind, TimestampSigner};
use serde_json::{Value as J, json};

#[path = "common/oracle.rs"]
mod oracle;
#[path = "common/random.rs"]
mod random;

use random::{Rng, random_value};

/// Bytes that change what a JSON document means.
const JSON_NOISE: &[u8] = b"[]{}\",:0123456789-+.eE\\u/ntfalsrueNaIiy \t\n\x80\xe9\xff\x00\x1f";
/// Pickle opcodes, so that mutations recombine the reader's paths.
const PICKLE_NOISE: &[u8] = b"(.012NIJKLMFGXVSTU]})lt\x85\x86\x87desauqrphgj\x80\x88\x89\x8a\x8b\x8c\x8d\x94\x95cR\x93\x8f\x90\x91";

const KEY: &str = "django-insecure-oracle-key";
const SALT: &str = "django.core.signing";
const NOW: f64 = 1.7e9;

/// One to four edits: a byte replaced, inserted or removed, or a run repeated.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, noise: &[u8]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() as u64 + 1) as usize;
        let byte = if rng.chance(70) {
            *rng.pick(noise)
        } else {
            rng.next() as u8
        };
        match rng.below(4) {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {
                let end = (at + 1 + rng.below(8) as usize).min(bytes.len());
                let run = bytes[at.min(end)..end].to_vec();
                bytes.splice(at.min(end)..at.min(end), run);
            }
        }
    }
}

/// Documents at the edges of Python's `json` rules.
fn shape(rng: &mut Rng) -> Vec<u8> {
    let n = 1 + rng.below(600) as usize;
    let digits = 4290 + rng.below(20) as usize;
    match rng.below(9) {
        0 => format!("{}{}", "[".repeat(n), "]".repeat(n - rng.below(2) as usize)).into_bytes(),
        1 => format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes(),
        2 => format!(
            "{}{}",
            if rng.chance(50) { "-" } else { "" },
            "7".repeat(digits)
        )
        .into_bytes(),
        3 => format!("[1e{}, -0, -0.0, 1E-{}]", rng.below(700), rng.below(700)).into_bytes(),
        4 => (*rng.pick(&[
            &b" [1] "[..],
            b"[1,]",
            b"{\"a\":1,\"a\":2}",
            b"NaN",
            b"-Infinity",
            b"\"\\ud800\\udc00\\udc00\\ud800\"",
            b"[\"\\u00e9\", \"\xe9\"]",
            b"\xef\xbb\xbf[]",
            b"{\"a\" : [ 1 , 2 ] }\n",
            b"01",
            b"1.",
            b".5",
            b"\"\x7f\"",
            b"\"\t\"",
            b"tru",
            b"",
        ]))
        .to_vec(),
        5 => {
            let entries: String = (0..n).map(|i| format!("\"k{}\":{i},", i % 20)).collect();
            format!("{{{entries}\"end\":0}}").into_bytes()
        }
        6 => format!("\"{}\"", "\\u0041\\n".repeat(n)).into_bytes(),
        7 => format!("[{}]", "1.5,".repeat(n) + "2").into_bytes(),
        _ => format!("{{\"{}\":null}}", "x".repeat(n * 10)).into_bytes(),
    }
}

/// A payload for `signing.loads` and what made it.
fn payload(rng: &mut Rng) -> (String, &'static str) {
    let json = |rng: &mut Rng| {
        let mut b = if rng.chance(25) {
            shape(rng)
        } else {
            pyjson::to_vec(&random_value(rng, 0))
        };
        if rng.chance(75) {
            mutate(rng, &mut b, JSON_NOISE);
        }
        b
    };
    match rng.below(10) {
        0..=4 => (base64::encode(&json(rng)), "json"),
        5..=7 => {
            let b = json(rng);
            (
                format!(".{}", base64::encode(&zlib::compress(&b))),
                "zlib json",
            )
        }
        8 => {
            let mut z = zlib::compress(&json(rng));
            mutate(rng, &mut z, &[0, 1, 0xff, 0x78, 0x9c]);
            (format!(".{}", base64::encode(&z)), "corrupt zlib")
        }
        _ => {
            let raw: Vec<u8> = (0..rng.below(48)).map(|_| rng.next() as u8).collect();
            (base64::encode(&raw), "raw bytes")
        }
    }
}

/// Outcome categories both sides are compared on.
fn category(r: &Result<String, String>) -> Result<String, String> {
    match r {
        Ok(v) => Ok(v.clone()),
        Err(k) if k.starts_with("malformed") => Err("malformed".into()),
        Err(k) => Err(k.clone()),
    }
}

fn ours(token: &str) -> Result<String, String> {
    let signer = TimestampSigner::builder()
        .key(KEY)
        .salt(SALT)
        .build()
        .unwrap();
    match signer.unsign_value_at(token, None, NOW) {
        Ok(v) => Ok(String::from_utf8(pyjson::to_vec(&v)).unwrap()),
        Err(e) => Err(match e.kind() {
            ErrorKind::Malformed(_) => "malformed".into(),
            other => format!("{other:?}"),
        }),
    }
}

/// A pickle for Python's unpickler: one djsign wrote, or one CPython wrote (fixtures),
/// mutated.
fn pickle_bytes(rng: &mut Rng, written_by_python: &[Vec<u8>]) -> Vec<u8> {
    let mut p = if rng.chance(50) {
        pickle::to_vec(&random_value(rng, 0))
    } else {
        rng.pick(written_by_python).clone()
    };
    if rng.chance(85) {
        mutate(rng, &mut p, PICKLE_NOISE);
    }
    p
}

/// Whether djsign's reading of a pickle agrees with Python's, or differs only by
/// djsign's own limits; `Err` describes a disagreement.
fn pickle_agrees(bytes: &[u8], python: Result<J, J>) -> Result<bool, String> {
    let ours = pickle::from_slice(bytes);
    match (&ours, &python) {
        (Ok(v), Ok(p))
            if p.get("json").and_then(J::as_str)
                == std::str::from_utf8(&pyjson::to_vec(v)).ok() =>
        {
            Ok(true)
        }
        (Err(PickleError::Malformed(_)), Err(_)) => Ok(true),
        // CPython ran out of memory (a memo index of gigabytes): no answer to compare.
        (_, Ok(p)) if p.get("unsupported").and_then(J::as_str) == Some("MemoryError") => Ok(false),
        // djsign's deliberate limits: types outside session data, copies of shared
        // objects past the budget.
        (Err(PickleError::Unsupported(_) | PickleError::TooLarge), _) => Ok(false),
        _ => Err(format!("djsign {ours:?}, Python {python:?}")),
    }
}

/// A JSON file of `fixtures/`.
fn fixture(name: &str) -> J {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn hostile_payloads_agree_with_live_django() {
    let Some(spec) = oracle::pythons_or_skip("hostile differential test") else {
        return;
    };
    let cases = oracle::env_count("DJSIGN_HOSTILE_CASES", 2000);
    let seed = random::seed();
    eprintln!("hostile differential seed {seed} (replay with DJSIGN_LIVE_SEED={seed})");
    let fixtures: J = fixture("pickles.json");
    let written_by_python: Vec<Vec<u8>> = fixtures["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["pickle"].as_str())
        .map(|h| {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect();
    let signer = TimestampSigner::builder()
        .key(KEY)
        .salt(SALT)
        .build()
        .unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for entry in spec.split(',').filter(|e| !e.is_empty()) {
        let (line, python) = entry.split_once('=').expect("LINE=PYTHON");
        let mut oracle = oracle::Oracle::spawn(python, "django_oracle.py", &[]);
        let django = oracle.request(&json!({"op": "version"})).unwrap();
        let mut rng = Rng(seed.rotate_left(7) | 1);
        let (mut values, mut malformed, mut pickles_same, mut pickles_limited) = (0, 0, 0, 0);
        let mut by_kind = std::collections::BTreeMap::<&str, u64>::new();
        for n in 0..cases {
            if n % 4 == 3 {
                let bytes = pickle_bytes(&mut rng, &written_by_python);
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let python = oracle.request(&json!({"op": "pickle_loads", "hex": hex}));
                match pickle_agrees(&bytes, python.clone()) {
                    Ok(true) => pickles_same += 1,
                    Ok(false) => pickles_limited += 1,
                    Err(why) => failures.push(json!({"django": django, "seed": seed, "case": n,
                        "pickle": hex, "python": format!("{python:?}"), "why": why})),
                }
                continue;
            }
            let (payload, kind) = payload(&mut rng);
            *by_kind.entry(kind).or_default() += 1;
            let token = signer.sign_at(&payload, NOW);
            let theirs = oracle
                .request(
                    &json!({"op": "loads", "token": token, "key": KEY, "salt": SALT, "now": NOW}),
                )
                .map(|ok| ok.as_str().map_or_else(|| ok.to_string(), str::to_owned))
                .map_err(|e| e.as_str().unwrap_or_default().to_owned());
            let ours = ours(&token);
            if category(&theirs) == ours {
                if ours.is_ok() {
                    values += 1
                } else {
                    malformed += 1
                }
            } else {
                failures.push(json!({"django": django, "seed": seed, "case": n, "kind": kind,
                    "token": token, "key": KEY, "salt": SALT, "now": NOW,
                    "expected": match &theirs { Ok(v) => json!({"ok": v}), Err(e) => json!({"err": e}) },
                    "djsign": format!("{ours:?}")}));
            }
        }
        total += cases;
        eprintln!(
            "Django {line} ({django}): {cases} hostile cases, seed {seed}: {values} values and {malformed} malformed agree \
             ({by_kind:?}); pickles: {pickles_same} agree, {pickles_limited} beyond djsign's limits or types; {} disagree",
            failures.len()
        );
    }
    eprintln!("hostile differential: {total} cases in all");
    if !failures.is_empty() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("hostile-failures-{seed}.json"));
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&json!({"cases": failures})).unwrap(),
        )
        .unwrap();
        panic!(
            "{} disagreements with Django, saved to {} (first: {})",
            failures.len(),
            path.display(),
            failures[0]
        );
    }
}

/// The committed disagreements found by the differential run, with Django's outcome:
/// djsign agrees with each (no Django needed).
#[test]
fn hostile_regressions_replay() {
    let cases: J = fixture("hostile-regressions.json");
    let cases = cases["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        if let Some(hex) = case["pickle"].as_str() {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            let python = match case["python"].get("ok") {
                Some(ok) => Ok(ok.clone()),
                None => Err(case["python"]["err"].clone()),
            };
            assert!(pickle_agrees(&bytes, python).is_ok(), "{case}");
            continue;
        }
        let expected = match (case["expected"].get("ok"), case["expected"].get("err")) {
            (Some(v), _) => Ok(v.as_str().unwrap().to_owned()),
            (_, Some(e)) => Err(e.as_str().unwrap().to_owned()),
            _ => panic!("no expected outcome: {case}"),
        };
        let token = case["token"].as_str().unwrap();
        assert_eq!(ours(token), category(&expected), "{case}");
    }
}
