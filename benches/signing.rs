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

fn bench(c: &mut Criterion) {
    let (data, list) = workloads();
    let signer = TimestampSigner::builder()
        .key(data["secret_key"].as_str().unwrap())
        .salt(data["salt"].as_str().unwrap())
        .build()
        .unwrap();
    let frozen = data["frozen_time"].as_f64().unwrap();
    let max_age = MaxAge::Seconds(data["max_age"].as_i64().unwrap());
    let now = frozen + 10.0;

    let mut g = c.benchmark_group("loads");
    for w in &list {
        g.bench_with_input(
            BenchmarkId::from_parameter(&w.name),
            &w.cookie,
            |b, cookie| {
                b.iter(|| {
                    let v: Value = signer
                        .unsign_object_at(black_box(cookie), Some(max_age), now)
                        .unwrap();
                    v
                })
            },
        );
    }
    g.finish();

    let mut g = c.benchmark_group("dumps");
    for w in &list {
        let value = pyjson::from_slice(&w.json).unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(&w.name), &value, |b, value| {
            b.iter(|| signer.sign_value_at(black_box(value), true, frozen))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("unsign");
    for w in &list {
        g.bench_with_input(
            BenchmarkId::from_parameter(&w.name),
            &w.cookie,
            |b, cookie| b.iter(|| signer.signer().unsign(black_box(cookie)).unwrap().len()),
        );
    }
    g.finish();

    let mut settings = djsign::Settings::new(data["secret_key"].as_str().unwrap());
    settings.session_cookie_age = data["max_age"].as_i64().unwrap();
    let store = SignedCookieStore::new(&settings).unwrap();
    let mut g = c.benchmark_group("session_load");
    for w in &list {
        g.bench_with_input(
            BenchmarkId::from_parameter(&w.name),
            &w.cookie,
            |b, cookie| {
                b.iter(|| {
                    let s = store.load(Some(black_box(cookie)), now);
                    assert!(s.load_error().is_none());
                    s
                })
            },
        );
    }
    g.finish();

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
    let mut g = c.benchmark_group("zlib_decompress");
    for w in &list {
        let compressed = zlib::compress(&w.json);
        g.bench_with_input(
            BenchmarkId::from_parameter(&w.name),
            &compressed,
            |b, compressed| {
                b.iter(|| zlib::decompress(black_box(compressed), DEFAULT_MAX_DECOMPRESSED_SIZE))
            },
        );
    }
    g.finish();

    let mut g = c.benchmark_group("zlib_compress");
    for w in &list {
        g.bench_with_input(BenchmarkId::from_parameter(&w.name), &w.json, |b, json| {
            b.iter(|| zlib::compress(black_box(json)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("json_parse");
    for w in &list {
        g.bench_with_input(BenchmarkId::from_parameter(&w.name), &w.json, |b, json| {
            b.iter(|| pyjson::from_slice(black_box(json)).unwrap())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
