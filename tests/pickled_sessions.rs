//! Every case of every `fixtures/pickled-sessions-<X.Y>.json` (real Django 2.2–4.2 with
//! `SESSION_SERIALIZER = PickleSerializer`, `django/generate/generate_pickled_sessions.py`): stored
//! session data and signed-cookie sessions written byte for byte as Django writes them,
//! read as Django reads them, and types a JSON session cannot hold named, never executed.

use std::path::Path;

use djsign::pickle::PickleError;
use djsign::pyjson::{self, Value};
use djsign::sessions::Session;
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::sessions::backends::stored::{DecodeError, SessionCodec};
use djsign::sessions::serializers::SessionSerializer;
use djsign::{DjangoVersion, ErrorKind, Malformed, Settings};
use serde_json::Value as J;

fn files() -> Vec<J> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("pickled-sessions-"))
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        7,
        "one file per Django line with PickleSerializer (2.2–4.2)"
    );
    names
        .iter()
        .map(|n| serde_json::from_slice(&std::fs::read(dir.join(n)).unwrap()).unwrap())
        .collect()
}

fn settings(file: &J, cfg: &J) -> Settings {
    let mut s = Settings::new(file["secret_key"].as_str().unwrap());
    s.version = file["django"].as_str().unwrap().parse().unwrap();
    s.session_serializer = SessionSerializer::Pickle;
    s.session_pickle_protocol = file["pickle_protocol"].as_u64().unwrap() as u8;
    if let Some(d) = cfg["dha"].as_str() {
        s.default_hashing_algorithm = Some(d.parse().unwrap());
    }
    s
}

fn session_of(json: &str) -> Session {
    let mut s = Session::new();
    let Value::Dict(d) = pyjson::from_slice(json.as_bytes()).unwrap() else {
        panic!("not a dict: {json}")
    };
    for (k, v) in d {
        s.insert_value(k.as_str().unwrap(), v);
    }
    s
}

fn text(v: &Value) -> String {
    String::from_utf8(pyjson::to_vec(v)).unwrap()
}

#[test]
fn every_django_version_every_case() {
    let mut failures = Vec::new();
    let mut run = 0;
    for file in files() {
        let django = file["django"].as_str().unwrap();
        for case in file["cases"].as_array().unwrap() {
            run += 1;
            let s = settings(&file, &case["cfg"]);
            let codec = SessionCodec::new(&s).unwrap();
            let store = SignedCookieStore::new(&s).unwrap();
            let now = case["now"].as_f64().unwrap_or(0.0);
            let ok = &case["ok"];
            let got: Result<(), String> = match case["op"].as_str().unwrap() {
                "encode" => {
                    let session = session_of(case["data"].as_str().unwrap());
                    let blob = codec.encode(session.data(), now);
                    (blob == ok.as_str().unwrap()).then_some(()).ok_or(blob)
                }
                "cookie_save" => {
                    let mut session = session_of(case["data"].as_str().unwrap());
                    let cookie = store.save(&mut session, now).unwrap();
                    (cookie == ok.as_str().unwrap()).then_some(()).ok_or(cookie)
                }
                "cookie_load" => {
                    let loaded = store.load(Some(case["cookie"].as_str().unwrap()), now);
                    let got = text(&Value::Dict(loaded.data().clone()));
                    match loaded.load_error() {
                        None if got == ok.as_str().unwrap() => Ok(()),
                        e => Err(format!("{got} {e:?}")),
                    }
                }
                "decode" => match (
                    codec.decode(case["blob"].as_str().unwrap()),
                    case["unsupported"].as_str(),
                ) {
                    // Django reads a type djsign will not: djsign names it.
                    (Ok(d), Some(name)) => match d.error.as_ref().map(|e| e.kind()) {
                        Some(ErrorKind::Malformed(Malformed::Pickle(
                            PickleError::Unsupported(what),
                        ))) if what == name => Ok(()),
                        other => Err(format!("{other:?}")),
                    },
                    (Ok(d), None) if ok["json"].as_str() == Some(text(&d.value).as_str()) => Ok(()),
                    (Err(DecodeError::Base64(_)), None) if ok["err"] == "Error" => Ok(()),
                    (other, _) => Err(format!("{:?}", other.map(|d| (text(&d.value), d.error)))),
                },
                other => panic!("unknown op {other}"),
            };
            if let Err(got) = got {
                failures.push(format!(
                    "Django {django} {}: expected {ok}, got {got}",
                    case["id"]
                ));
            }
        }
    }
    eprintln!("{run} pickled-session cases over 7 versions");
    if !failures.is_empty() {
        let n = failures.len();
        failures.truncate(20);
        panic!("{n} failing cases:\n{}", failures.join("\n"));
    }
}

/// Django 5.0 removed `PickleSerializer`: a store configured with it is refused.
#[test]
fn pickled_sessions_end_with_django_4_2() {
    let mut s = Settings::new("k");
    s.session_serializer = SessionSerializer::Pickle;
    s.version = DjangoVersion::V5_0;
    assert!(SessionCodec::new(&s).is_err());
    assert!(SignedCookieStore::new(&s).is_err());
    s.version = DjangoVersion::V4_2;
    assert!(SessionCodec::new(&s).is_ok());
    s.set(
        "SESSION_SERIALIZER",
        &Value::from("django.contrib.sessions.serializers.JSONSerializer"),
    )
    .unwrap();
    assert_eq!(s.session_serializer, SessionSerializer::Json);
    assert!(
        s.set("SESSION_SERIALIZER", &Value::from("myapp.Serializer"))
            .is_err()
    );
}
