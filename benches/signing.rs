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

    // The paths users call: their serde types, read and written straight from and to
    // the JSON bytes; and the same with the `django-signing` crate.
    let other = django_signing::TimestampSigner::new(
        data["secret_key"].as_str().unwrap().as_bytes(),
        data["salt"].as_str().unwrap().as_bytes(),
    );
    let mut g = c.benchmark_group("loads_serde_json");
    for w in &list {
        g.bench_with_input(
            BenchmarkId::from_parameter(&w.name),
            &w.cookie,
            |b, cookie| {
                b.iter(|| {
                    let v: J = signer
                        .unsign_object_at(black_box(cookie), Some(max_age), now)
                        .unwrap();
                    v
                })
            },
        );
    }
    g.finish();
    let mut g = c.benchmark_group("loads_struct");
    for w in &list {
        g.bench_with_input(
            BenchmarkId::from_parameter(&w.name),
            &w.cookie,
            |b, cookie| {
                b.iter(|| {
                    let v: Login = signer
                        .unsign_object_at(black_box(cookie), Some(max_age), now)
                        .unwrap();
                    v
                })
            },
        );
    }
    g.finish();
    let typed: Vec<(J, TypedSession)> = list
        .iter()
        .map(|w| {
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
            use django_signing::Signer as _;
            let theirs: J = other.unsign_object(w.cookie.clone()).unwrap();
            assert_eq!(
                theirs, v,
                "{}: django-signing reads Django's cookie",
                w.name
            );
            (v, t)
        })
        .collect();
    let mut g = c.benchmark_group("dumps_serde_json");
    for (w, (v, _)) in list.iter().zip(&typed) {
        g.bench_with_input(BenchmarkId::from_parameter(&w.name), v, |b, v| {
            b.iter(|| signer.sign_object_at(black_box(v), true, frozen).unwrap())
        });
    }
    g.finish();
    let mut g = c.benchmark_group("dumps_struct");
    for (w, (_, t)) in list.iter().zip(&typed) {
        g.bench_with_input(BenchmarkId::from_parameter(&w.name), t, |b, t| {
            b.iter(|| signer.sign_object_at(black_box(t), true, frozen).unwrap())
        });
    }
    g.finish();
    {
        use django_signing::Signer as _;
        // Its `loads` checks the age against the real clock (the workloads' cookies are
        // from 2026-01-01): its signer's `unsign_object`, the same work without the age.
        let mut g = c.benchmark_group("ds_loads_serde_json");
        for w in &list {
            g.bench_with_input(
                BenchmarkId::from_parameter(&w.name),
                &w.cookie,
                |b, cookie| {
                    b.iter(|| {
                        let v: J = other.unsign_object(black_box(cookie).clone()).unwrap();
                        v
                    })
                },
            );
        }
        g.finish();
        let mut g = c.benchmark_group("ds_loads_struct");
        for w in &list {
            g.bench_with_input(
                BenchmarkId::from_parameter(&w.name),
                &w.cookie,
                |b, cookie| {
                    b.iter(|| {
                        let v: Login = other.unsign_object(black_box(cookie).clone()).unwrap();
                        v
                    })
                },
            );
        }
        g.finish();
        let mut g = c.benchmark_group("ds_dumps_serde_json");
        for (w, (v, _)) in list.iter().zip(&typed) {
            g.bench_with_input(BenchmarkId::from_parameter(&w.name), v, |b, v| {
                b.iter(|| other.sign_object(black_box(v), true))
            });
        }
        g.finish();
        let mut g = c.benchmark_group("ds_dumps_struct");
        for (w, (_, t)) in list.iter().zip(&typed) {
            g.bench_with_input(BenchmarkId::from_parameter(&w.name), t, |b, t| {
                b.iter(|| other.sign_object(black_box(t), true))
            });
        }
        g.finish();
    }

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
