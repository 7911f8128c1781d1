//! The memcached cache (`MemcachedCache`) under concurrent requests, on a real server
//! (`DJSIGN_MEMCACHED_ADDR`, `host:port`; skipped, saying so, where unset): many tasks on
//! several threads share one cache value, as a service's handlers do. Agreement with
//! Django's memcached backends is `tests/django_stores.rs`.

#![cfg(feature = "memcached")]

use djsign::Settings;
use djsign::pyjson::Value;
use djsign::sessions::backends::cache::memcached::{FLAG_PICKLE, MemcachedCache, session_value};
use djsign::sessions::backends::cache::{CacheSessionStore, SessionCache};
use djsign::sessions::{Session, SessionStore};

fn addr() -> Option<String> {
    let a = std::env::var("DJSIGN_MEMCACHED_ADDR").ok();
    if a.is_none() {
        eprintln!("SKIPPED the memcached tests: DJSIGN_MEMCACHED_ADDR is unset");
    }
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sessions_on_one_cache() {
    let Some(addr) = addr() else { return };
    let prefix = format!("djsign-concurrency-{}", std::process::id());
    let cache = MemcachedCache::new(addr).key_prefix(prefix);
    let store = CacheSessionStore::new(&Settings::new("k"), cache.clone());
    let now = djsign::signing::now();
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut bad = 0;
                for i in 0..100 {
                    let mut s = Session::new();
                    s.insert_value("task", Value::Int(t));
                    s.insert_value("i", Value::Int(i));
                    let key = store.save_session(&mut s, now).await.unwrap();
                    let back = store.load_session(Some(&key), now).await;
                    let seen = (
                        back.get("task").and_then(Value::as_i64),
                        back.get("i").and_then(Value::as_i64),
                    );
                    bad += usize::from(seen != (Some(t), Some(i)));
                    store.delete_session(&key).await.unwrap();
                    bad += usize::from(store.exists(&key).await.unwrap());
                }
                bad
            })
        })
        .collect();
    let mut bad = 0;
    for t in tasks {
        bad += t.await.unwrap();
    }
    assert_eq!(
        bad, 0,
        "sessions read back wrong or survived their deletion"
    );

    // One session saved by every task at once: each save replaces it whole.
    let mut first = Session::new();
    first.insert_value("writer", Value::Int(-1));
    let key = store.save_session(&mut first, now).await.unwrap();
    let writers: Vec<_> = (0..16)
        .map(|t| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move {
                for _ in 0..50 {
                    let mut s = store.load_session(Some(&key), now).await;
                    s.insert_value("writer", Value::Int(t));
                    store.save_session(&mut s, now).await.unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let last = store.load_session(Some(&key), now).await;
    let writer = last.get("writer").and_then(Value::as_i64).unwrap();
    assert!((0..16).contains(&writer), "{writer}");
    assert_eq!(last.data().len(), 1);
    // A timeout of 0 stores an entry that has already expired, as Django's backends do.
    cache.set_dict("gone", last.data(), 0, now).await.unwrap();
    assert_eq!(cache.get_dict("gone").await.unwrap(), None);
}

/// A server that is not there is a store error (a 500 in Django), never a panic.
#[tokio::test]
async fn an_unreachable_server_is_an_error() {
    let cache = MemcachedCache::new("127.0.0.1:1");
    let err = cache.get_dict("k").await.unwrap_err();
    assert!(err.to_string().contains("memcached"), "{err}");
    let store = CacheSessionStore::new(&Settings::new("k"), cache);
    assert!(store.save_session(&mut Session::new(), 0.0).await.is_err());
    // A load that cannot reach the cache is a fresh session, as in Django.
    assert!(
        store
            .load_session(Some("abcdefgh12345678"), 0.0)
            .await
            .key()
            .is_none()
    );
}

/// What Django's memcached backends put on a real server (`fixtures/memcached.json`,
/// written by `django/generate/generate_memcached.py` through pymemcache and pylibmc):
/// djsign writes the same flags and bytes for the same session, and reads theirs.
#[test]
fn items_are_what_pymemcache_and_pylibmc_store() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/memcached.json");
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let cases = data["cases"].as_array().unwrap();
    let clients: Vec<&str> = cases
        .iter()
        .map(|c| c["client"].as_str().unwrap())
        .collect();
    assert!(
        clients.contains(&"pymemcache") && clients.contains(&"pylibmc"),
        "{clients:?}"
    );
    for case in cases {
        let Value::Dict(session) =
            djsign::pyjson::from_str(case["json"].as_str().unwrap()).unwrap()
        else {
            panic!("not a dict")
        };
        let theirs: Vec<u8> = (0..case["value"].as_str().unwrap().len() / 2)
            .map(|i| {
                u8::from_str_radix(&case["value"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect();
        assert_eq!(case["flags"], FLAG_PICKLE, "{case}");
        assert_eq!(djsign::pickle::dict_to_vec(&session), theirs, "{case}");
        assert_eq!(
            session_value(FLAG_PICKLE, &theirs).unwrap(),
            session,
            "{case}"
        );
    }
}
