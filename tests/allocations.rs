//! Allocation counts of the hot paths, exact. Verifying a signature allocates nothing:
//! `Signer::unsign` borrows its result from the input and keeps every MAC and base-64
//! buffer on the stack. Decoding allocates only the value it returns; encoding only the
//! string it returns: the intermediate buffers (base 64, zlib, JSON, hash chains, parser
//! stacks) are lent by a per-thread pool.

use djsign::pyjson::{self, Value};
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::{MaxAge, Settings, Signer, TimestampSigner};

fn workloads() -> serde_json::Value {
    serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/workloads.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

/// Longest string stored without an allocation.
const INLINE: usize = 23;

/// The allocations a parsed value owns: one per non-empty list or dict (built at its
/// exact size), one per string too long to be stored inline (23 bytes).
fn owned_allocations(v: &Value) -> u64 {
    let long = |s: &pyjson::PyString| u64::from(s.wtf8_bytes().len() > INLINE);
    match v {
        Value::Str(s) => long(s),
        Value::List(items) => {
            u64::from(!items.is_empty()) + items.iter().map(owned_allocations).sum::<u64>()
        }
        Value::Dict(d) => {
            assert!(
                d.len() <= 16,
                "larger dicts are hash-indexed; not counted here"
            );
            u64::from(!d.is_empty())
                + d.iter()
                    .map(|(k, v)| long(k) + owned_allocations(v))
                    .sum::<u64>()
        }
        _ => 0,
    }
}

/// `loads`, `dumps` and the signed-cookie session load and save of every benchmark
/// workload, each measured after one warm-up call (which fills the thread's pool).
#[test]
fn hot_paths_allocate_only_what_they_return() {
    let data = workloads();
    let key = data["secret_key"].as_str().unwrap();
    let salt = data["salt"].as_str().unwrap();
    let frozen = data["frozen_time"].as_f64().unwrap();
    let signer = TimestampSigner::builder()
        .key(key)
        .salt(salt)
        .build()
        .unwrap();
    let mut settings = Settings::new(key);
    settings.session_cookie_age = data["max_age"].as_i64().unwrap();
    let store = SignedCookieStore::new(&settings).unwrap();
    let age = Some(MaxAge::Seconds(1_209_600));
    let mut report = Vec::new();
    for name in ["empty", "login", "cart", "large"] {
        let w = &data["workloads"][name];
        let json = w["json"].as_str().unwrap();
        let cookie = w["cookie"].as_str().unwrap();
        let loads = || -> Value { signer.unsign_value_at(cookie, age, frozen + 10.0).unwrap() };
        let value = loads();
        assert_eq!(pyjson::to_vec(&value), json.as_bytes(), "{name}");
        let mut session = store.load(Some(cookie), frozen + 10.0);
        let dumps = || signer.sign_value_at(&value, true, frozen);
        assert_eq!(dumps(), cookie, "{name}: Django's cookie, byte for byte");
        store.save(&mut session, frozen).unwrap();

        let value_allocations = owned_allocations(&value);
        let count = |f: &mut dyn FnMut()| allocation_counter::measure(f).count_total;
        let counts = [
            count(&mut || drop(pyjson::from_slice(json.as_bytes()).unwrap())),
            count(&mut || drop(loads())),
            count(&mut || drop(store.load(Some(cookie), frozen + 10.0))),
            count(&mut || drop(dumps())),
            count(&mut || drop(store.save(&mut session, frozen).unwrap())),
        ];
        report.push(format!("{name}: value {value_allocations}, parse/loads/session load/dumps/session save {counts:?}"));
        // Parsing and loads: the value's own allocations, nothing else.
        assert_eq!(counts[0], value_allocations, "{report:?}");
        assert_eq!(counts[1], value_allocations, "{report:?}");
        // A session load also keeps the cookie as the session key.
        assert_eq!(counts[2], value_allocations + 1, "{report:?}");
        // dumps: the returned token; a session save also stores it as the key.
        assert_eq!(counts[3], 1, "{report:?}");
        assert_eq!(counts[4], 2, "{report:?}");
    }
    println!("{}", report.join("\n"));
}

/// Strings up to [`INLINE`] bytes are stored inline, whether parsed by the fast path
/// (plain ASCII, read as whole words), near the end of the input (copied), or decoded
/// from escapes; one byte more takes one allocation. Keys and values alike.
#[test]
fn short_strings_are_inline_at_every_length_and_position() {
    for len in 0..=INLINE + 2 {
        let plain = "k".repeat(len);
        let escaped = format!("\\u00e9{}", "k".repeat(len.saturating_sub(2)));
        for text in [&plain, &escaped] {
            for doc in [
                format!("[\"{text}\"]"),
                format!("[\"{text}\", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]"),
                format!("{{\"{text}\": 0}}"),
            ] {
                let value = pyjson::from_slice(doc.as_bytes()).unwrap();
                let count =
                    allocation_counter::measure(|| drop(pyjson::from_slice(doc.as_bytes())))
                        .count_total;
                assert_eq!(count, owned_allocations(&value), "{doc}");
                let s = match &value {
                    Value::List(items) => match &items[0] {
                        Value::Str(s) => s.clone(),
                        other => panic!("{other:?}"),
                    },
                    Value::Dict(d) => d.keys().next().unwrap().clone(),
                    other => panic!("{other:?}"),
                };
                let bytes = s.wtf8_bytes().len();
                assert_eq!(count, 1 + u64::from(bytes > INLINE), "{doc}");
                let expected = if text == &plain {
                    plain.clone()
                } else {
                    format!("\u{e9}{}", "k".repeat(len.saturating_sub(2)))
                };
                assert_eq!(s.as_str(), Some(expected.as_str()), "{doc}");
            }
        }
    }
}

#[test]
fn unsign_allocates_nothing() {
    let data = workloads();
    let cookie = data["workloads"]["login"]["cookie"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = data["secret_key"].as_str().unwrap();
    let salt = data["salt"].as_str().unwrap();
    let signer = Signer::builder()
        .key(key)
        .salt(salt)
        .fallback_keys(["old-1", "old-2"])
        .build()
        .unwrap();
    let ts = TimestampSigner::builder()
        .key(key)
        .salt(salt)
        .build()
        .unwrap();
    let forged = cookie.replace('A', "B");

    let counts = allocation_counter::measure(|| {
        for _ in 0..100 {
            // Valid, forged and timestamped values: none allocates, not even the error.
            assert!(!signer.unsign(&cookie).unwrap().is_empty());
            assert!(signer.unsign(&forged).is_err() || forged == cookie);
            assert!(
                ts.unsign_at(&cookie, Some(MaxAge::Seconds(1_209_600)), 1767225610.0)
                    .is_ok()
            );
        }
    });
    assert_eq!(counts.count_total, 0, "{counts:?}");
}

/// Signers and stores are shared by every request of a service: `Send + Sync` (checked
/// at compile time).
#[test]
fn signers_and_stores_are_send_and_sync() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<djsign::Signer>();
    shared::<djsign::TimestampSigner>();
    shared::<djsign::sessions::backends::signed_cookies::SignedCookieStore>();
    shared::<djsign::sessions::backends::stored::SessionCodec>();
    shared::<djsign::messages::MessageCookie>();
}

/// The pooled buffers are taken out of the pool while lent: a `Serialize` implementation
/// that signs a value itself, in the middle of a `dumps`, gets buffers of its own.
#[test]
fn signing_inside_serialization_gets_its_own_buffers() {
    struct Nested<'a>(&'a TimestampSigner);
    impl serde::Serialize for Nested<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let inner = self.0.sign_object_at(&"x".repeat(100), true, 0.0).unwrap();
            s.serialize_str(&inner)
        }
    }
    let signer = TimestampSigner::builder().key("k").build().unwrap();
    let outer = signer
        .sign_object_at(&[Nested(&signer), Nested(&signer)], true, 0.0)
        .unwrap();
    let tokens: Vec<String> = signer.unsign_object_at(&outer, None, 0.0).unwrap();
    for t in &tokens {
        let s: String = signer.unsign_object_at(t, None, 0.0).unwrap();
        assert_eq!(s, "x".repeat(100));
    }
    assert_eq!(tokens.len(), 2);
}

/// The serde path: `loads` into the user's own struct allocates only that struct's fields
/// (three strings here, whichever workload carries the login: every other key is checked
/// and skipped, never built; the payload buffers and the reader's key list come from the
/// thread's pool). A struct that borrows from the JSON allocates nothing of its own.
#[test]
fn loads_into_a_struct_allocates_only_its_fields() {
    #[derive(serde::Deserialize)]
    struct Login {
        _auth_user_id: String,
        _auth_user_backend: String,
        _auth_user_hash: String,
    }
    #[derive(serde::Deserialize)]
    struct Borrowed<'a> {
        _auth_user_id: &'a str,
        #[serde(borrow)]
        _auth_user_hash: &'a str,
    }
    let data = workloads();
    let signer = TimestampSigner::builder()
        .key(data["secret_key"].as_str().unwrap())
        .salt(data["salt"].as_str().unwrap())
        .build()
        .unwrap();
    let now = data["frozen_time"].as_f64().unwrap() + 10.0;
    let age = Some(MaxAge::Seconds(1_209_600));
    for name in ["login", "cart", "large"] {
        let w = &data["workloads"][name];
        let cookie = w["cookie"].as_str().unwrap();
        let json = w["json"].as_str().unwrap().as_bytes();
        let loads = || -> Login { signer.unsign_object_at(cookie, age, now).unwrap() };
        // Two calls fill the thread's pool (its buffers swap roles between calls).
        let login = loads();
        drop(loads());
        assert_eq!(login._auth_user_id, "42");
        assert_eq!(
            login._auth_user_backend,
            "django.contrib.auth.backends.ModelBackend"
        );
        assert_eq!(login._auth_user_hash.len(), 64);
        let parse = || pyjson::from_slice_as::<Login>(json).unwrap();
        drop(parse());
        let count = allocation_counter::measure(|| drop(loads())).count_total;
        assert_eq!(count, 3, "{name}: the three strings of the struct");
        assert_eq!(
            allocation_counter::measure(|| drop(parse())).count_total,
            3,
            "{name}"
        );
        let borrowed = || {
            pyjson::from_slice_as::<Borrowed>(json)
                .unwrap()
                ._auth_user_id
                .len()
        };
        assert_eq!(borrowed(), 2);
        assert_eq!(
            allocation_counter::measure(|| {
                std::hint::black_box(borrowed());
            })
            .count_total,
            0,
            "{name}"
        );
    }
}
