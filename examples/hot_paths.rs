//! Runs one hot path over one workload of `benches/workloads.json` in a loop; used by
//! `benches/instructions.sh` (instruction counts under callgrind) and for profiling.
//!
//! `cargo run --release --example hot_paths -- WORKLOAD OP [ITERATIONS]` with OP one of
//! `loads`, `dumps`, `parse`, `unsign`, `session_load`, `session_save`, and the serde
//! paths `loads_json`/`dumps_json` (`serde_json::Value`) and `loads_struct` (the login as a
//! struct, every other key ignored); or
//! `hot_paths WORKLOAD scaling [SECONDS]`: `loads` throughput of one shared signer on one
//! thread, then on two, and the ratio.

use djsign::pyjson::{self, Value};
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::{MaxAge, Settings, TimestampSigner};

/// The login of a session, as a Rust service reads it.
#[derive(serde::Deserialize)]
struct Login {
    #[serde(default)]
    _auth_user_id: String,
    #[serde(default)]
    _auth_user_backend: String,
    #[serde(default)]
    _auth_user_hash: String,
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/workloads.json");
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("workloads")).expect("JSON");
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "login".into());
    let op = args.next().unwrap_or_else(|| "loads".into());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let w = &data["workloads"][&workload];
    let json = w["json"].as_str().expect("json").as_bytes().to_vec();
    let cookie = w["cookie"].as_str().expect("cookie").to_owned();
    let key = data["secret_key"].as_str().expect("key");
    let salt = data["salt"].as_str().expect("salt");
    let frozen = data["frozen_time"].as_f64().expect("time");
    let signer = TimestampSigner::builder()
        .key(key)
        .salt(salt)
        .build()
        .expect("signer");
    let mut settings = Settings::new(key);
    settings.session_cookie_age = data["max_age"].as_i64().expect("max_age");
    let store = SignedCookieStore::new(&settings).expect("store");
    let value = pyjson::from_slice(&json).expect("workload JSON");
    let json_value: serde_json::Value = serde_json::from_slice(&json).expect("workload JSON");
    let age = Some(MaxAge::Seconds(1_209_600));
    let mut session = store.load(Some(&cookie), frozen + 10.0);
    // `loads` of the workload's cookie, as Django's session engine calls it.
    let loads = || {
        let v = signer
            .unsign_value_at(
                std::hint::black_box(&cookie),
                Some(MaxAge::Seconds(1_209_600)),
                frozen + 10.0,
            )
            .expect("valid");
        matches!(v, Value::Dict(_)) as usize
    };
    if op == "scaling" {
        let secs = iterations.clamp(1, 60) as f64;
        let run = |threads: usize| -> f64 {
            let started = std::time::Instant::now();
            let total: usize = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut n = 0usize;
                            while started.elapsed().as_secs_f64() < secs {
                                for _ in 0..100 {
                                    n += loads();
                                }
                            }
                            n
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join().expect("worker")).sum()
            });
            total as f64 / started.elapsed().as_secs_f64()
        };
        let (one, two) = (run(1), run(2));
        println!(
            "{workload} loads, one shared signer: 1 thread {:.0}/s, 2 threads {:.0}/s, ratio {:.2}",
            one,
            two,
            two / one
        );
        return;
    }
    let started = std::time::Instant::now();
    let mut sink = 0usize;
    for _ in 0..iterations {
        sink += match op.as_str() {
            "loads" => loads(),
            "dumps" => signer
                .sign_value_at(std::hint::black_box(&value), true, frozen)
                .len(),
            "parse" => matches!(
                pyjson::from_slice(std::hint::black_box(&json)),
                Ok(Value::Dict(_))
            ) as usize,
            "unsign" => signer
                .signer()
                .unsign(std::hint::black_box(&cookie))
                .expect("valid")
                .len(),
            "session_load" => store
                .load(Some(std::hint::black_box(&cookie)), frozen + 10.0)
                .data()
                .len(),
            "session_save" => store.save(&mut session, frozen).expect("saved").len(),
            "loads_json" => signer
                .unsign_object_at::<serde_json::Value>(
                    std::hint::black_box(&cookie),
                    age,
                    frozen + 10.0,
                )
                .expect("valid")
                .is_object() as usize,
            "loads_struct" => {
                let login: Login = signer
                    .unsign_object_at(std::hint::black_box(&cookie), age, frozen + 10.0)
                    .expect("valid");
                login._auth_user_id.len()
                    + login._auth_user_backend.len()
                    + login._auth_user_hash.len()
            }
            "dumps_json" => signer
                .sign_object_at(std::hint::black_box(&json_value), true, frozen)
                .expect("serializable")
                .len(),
            other => panic!("unknown op {other}"),
        };
    }
    eprintln!(
        "{workload} {op}: {:.2} us/op ({sink})",
        started.elapsed().as_secs_f64() / iterations as f64 * 1e6
    );
}
