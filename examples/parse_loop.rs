fn main() {
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read("benches/workloads.json").unwrap()).unwrap();
    let w = std::env::args().nth(1).unwrap_or("login".into());
    let op = std::env::args().nth(2).unwrap_or("loads".into());
    let iters: usize = std::env::args()
        .nth(3)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let json = data["workloads"][&w]["json"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec();
    let cookie = data["workloads"][&w]["cookie"].as_str().unwrap().to_owned();
    let s = djsign::TimestampSigner::builder()
        .key(data["secret_key"].as_str().unwrap())
        .salt(data["salt"].as_str().unwrap())
        .build()
        .unwrap();
    let v = djsign::pyjson::from_slice(&json).unwrap();
    let mut n = 0;
    let t = std::time::Instant::now();
    for _ in 0..iters {
        match op.as_str() {
            "loads" => {
                let v: djsign::pyjson::Value = s
                    .unsign_object_at(
                        &cookie,
                        Some(djsign::MaxAge::Seconds(1209600)),
                        1767225610.0,
                    )
                    .unwrap();
                n += matches!(v, djsign::pyjson::Value::Dict(_)) as usize;
            }
            "parse" => {
                n += matches!(
                    djsign::pyjson::from_slice(std::hint::black_box(&json)).unwrap(),
                    djsign::pyjson::Value::Dict(_)
                ) as usize
            }
            _ => n += s.sign_value_at(&v, true, 1767225600.0).len(),
        }
    }
    eprintln!(
        "{w} {op}: {:.2}us/op ({n})",
        t.elapsed().as_secs_f64() / iters as f64 * 1e6
    );
}
