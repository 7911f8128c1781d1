//! Criterion benchmarks of the hot paths over `benches/workloads.json` (a copy of the
//! project's shared workloads: real session dicts and the cookies Django 5.2 made for them).
//!
//! `benches/compare_django.sh` runs these and Django's own timings on the same workloads
//! and prints the ratio table.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use djsign::encoding::zlib;
use djsign::pyjson::{self, Value};
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::signing::DEFAULT_MAX_DECOMPRESSED_SIZE;
use djsign::{MaxAge, TimestampSigner};
use serde::{Deserialize, Serialize};
use serde_json::Value as J;

/// What a Rust service reads from a session: the login, every other key ignored.
#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    _auth_user_id: String,
    #[serde(default)]
    _auth_user_backend: String,
    #[serde(default)]
    _auth_user_hash: String,
}

#[derive(Serialize, Deserialize)]
struct CartItem {
    id: i64,
    name: String,
    price: f64,
    qty: i64,
}

/// What a Rust service writes: the login, expiry and cart typed, the rest as it came
/// (in Django's key order, so the token is Django's byte for byte).
#[derive(Serialize, Deserialize)]
struct TypedSession {
    #[serde(skip_serializing_if = "Option::is_none")]
    _auth_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    _auth_user_backend: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    _auth_user_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    _session_expiry: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cart: Option<Vec<CartItem>>,
    #[serde(flatten)]
    rest: serde_json::Map<String, J>,
}

struct Workload {
    name: String,
    json: Vec<u8>,
    cookie: String,
}

fn workloads() -> (serde_json::Value, Vec<Workload>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/workloads.json");
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let list = data["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let name = n.as_str().unwrap().to_owned();
            let w = &data["workloads"][&name];
            Workload {
                json: w["json"].as_str().unwrap().as_bytes().to_vec(),
                cookie: w["cookie"].as_str().unwrap().to_owned(),
                name,
            }
        })
        .collect();
    (data, list)
}

/// One benchmark group: `run` on each workload's input.
fn group<I, O>(c: &mut Criterion, name: &str, inputs: &[(&str, I)], mut run: impl FnMut(&I) -> O) {
    let mut g = c.benchmark_group(name);
    for (workload, input) in inputs {
        g.bench_with_input(BenchmarkId::from_parameter(workload), input, |b, i| {
            b.iter(|| run(black_box(i)))
        });
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    let (data, list) = workloads();
    let signer = TimestampSigner::builder()
        .key(data["secret_key"].as_str().unwrap())
        .salt(data["salt"].as_str().unwrap())
        .build()
        .unwrap();
    let frozen = data["frozen_time"].as_f64().unwrap();
    let max_age = Some(MaxAge::Seconds(data["max_age"].as_i64().unwrap()));
    let now = frozen + 10.0;
    let each = |f: &dyn Fn(&Workload) -> Vec<u8>| -> Vec<(&str, Vec<u8>)> {
        list.iter().map(|w| (w.name.as_str(), f(w))).collect()
    };
    let cookies: Vec<(&str, &str)> = list
        .iter()
        .map(|w| (w.name.as_str(), w.cookie.as_str()))
        .collect();
    let json = each(&|w| w.json.clone());

    group(c, "loads", &cookies, |cookie| {
        signer.unsign_value_at(cookie, max_age, now).unwrap()
    });
    let values: Vec<(&str, Value)> = json
        .iter()
        .map(|(n, j)| (*n, pyjson::from_slice(j).unwrap()))
        .collect();
    group(c, "dumps", &values, |v| {
        signer.sign_value_at(v, true, frozen)
    });

    // The paths users call: their serde types, read and written straight from and to
    // the JSON bytes; and the same with the `django-signing` crate.
    group(c, "loads_serde_json", &cookies, |cookie| {
        signer.unsign_object_at::<J>(cookie, max_age, now).unwrap()
    });
    group(c, "loads_struct", &cookies, |cookie| {
        signer
            .unsign_object_at::<Login>(cookie, max_age, now)
            .unwrap()
    });
    let other = django_signing::TimestampSigner::new(
        data["secret_key"].as_str().unwrap().as_bytes(),
        data["salt"].as_str().unwrap().as_bytes(),
    );
    let mut json_values: Vec<(&str, J)> = Vec::new();
    let mut structs: Vec<(&str, TypedSession)> = Vec::new();
    for w in &list {
        let v: J = serde_json::from_slice(&w.json).unwrap();
        let t: TypedSession = serde_json::from_value(v.clone()).unwrap();
        for token in [
            signer.sign_object_at(&v, true, frozen).unwrap(),
            signer.sign_object_at(&t, true, frozen).unwrap(),
        ] {
            assert_eq!(
                token, w.cookie,
                "{}: Django's cookie, byte for byte",
                w.name
            );
        }
        let theirs: J = django_signing::Signer::unsign_object(&other, w.cookie.clone()).unwrap();
        assert_eq!(
            theirs, v,
            "{}: django-signing reads Django's cookie",
            w.name
        );
        json_values.push((w.name.as_str(), v));
        structs.push((w.name.as_str(), t));
    }
    group(c, "dumps_serde_json", &json_values, |v| {
        signer.sign_object_at(v, true, frozen).unwrap()
    });
    group(c, "dumps_struct", &structs, |t| {
        signer.sign_object_at(t, true, frozen).unwrap()
    });
    {
        use django_signing::Signer as _;
        // Its `loads` checks the age against the real clock (the workloads' cookies are
        // from 2026-01-01): its signer's `unsign_object`, the same work without the age.
        group(c, "ds_loads_serde_json", &cookies, |cookie| {
            other.unsign_object::<J>(cookie.to_string()).unwrap()
        });
        group(c, "ds_loads_struct", &cookies, |cookie| {
            other.unsign_object::<Login>(cookie.to_string()).unwrap()
        });
        group(c, "ds_dumps_serde_json", &json_values, |v| {
            other.sign_object(v, true)
        });
        group(c, "ds_dumps_struct", &structs, |t| {
            other.sign_object(t, true)
        });
    }

    group(c, "unsign", &cookies, |cookie| {
        signer.signer().unsign(cookie).unwrap().len()
    });

    let mut settings = djsign::Settings::new(data["secret_key"].as_str().unwrap());
    settings.session_cookie_age = data["max_age"].as_i64().unwrap();
    let store = SignedCookieStore::new(&settings).unwrap();
    group(c, "session_load", &cookies, |cookie| {
        let s = store.load(Some(cookie), now);
        assert!(s.load_error().is_none());
        s
    });
    let mut g = c.benchmark_group("session_save");
    for w in &list {
        // Saving sets the session's key and nothing else, so one session is saved over
        // and over (no clone timed with it; Django's side copies the dict shallowly).
        let mut session = store.load(Some(&w.cookie), now);
        g.bench_function(BenchmarkId::from_parameter(&w.name), |b| {
            b.iter(|| store.save(&mut session, frozen).unwrap())
        });
    }
    g.finish();

    // The zlib step of `loads` and `dumps` alone (zlib-rs inflate, djsign's deflate), which
    // the comparison sets beside CPython's C zlib doing the same step inside Django.
    let compressed = each(&|w| zlib::compress(&w.json));
    group(c, "zlib_decompress", &compressed, |z| {
        zlib::decompress(z, DEFAULT_MAX_DECOMPRESSED_SIZE)
    });
    group(c, "zlib_compress", &json, |j| zlib::compress(j));
    group(c, "json_parse", &json, |j| pyjson::from_slice(j).unwrap());
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
