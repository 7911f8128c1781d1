//! The db, cache, cached_db and file engines against real Django on the same database and
//! Redis, in both directions (issue: database and cache sessions).
//!
//! Needs `DJSIGN_DJANGO_PYTHONS` (`LINE=PYTHON,…`: virtualenv pythons with Django and the
//! drivers `psycopg[binary]`, `PyMySQL`, `redis`, as `.ci/run` installs them). Databases:
//! SQLite always (a temporary file both sides open), PostgreSQL with `DJSIGN_POSTGRES_URL`,
//! MySQL/MariaDB with `DJSIGN_MYSQL_URL`; the cache engines with `DJSIGN_REDIS_URL` (Django's
//! `RedisCache` and django-redis) and `DJSIGN_MEMCACHED_ADDR` (`host:port`: Django's
//! `PyMemcacheCache` and `PyLibMCCache`, each where its client library is installed).
//! Whatever is unset is skipped with a message saying so.

#![cfg(all(
    feature = "redis",
    feature = "memcached",
    feature = "postgres",
    feature = "mysql",
    feature = "sqlite"
))]

use djsign::pyjson::{self, Value};
use djsign::sessions::backends::cache::CacheSessionStore;
use djsign::sessions::backends::cache::memcached::MemcachedCache;
use djsign::sessions::backends::cache::redis::RedisCache;
use djsign::sessions::backends::cached_db::CachedDbSessionStore;
use djsign::sessions::backends::db::{DbSessionStore, Pool};
use djsign::sessions::backends::file::FileSessionStore;
use djsign::sessions::{PyDateTime, Session, SessionStore, SetExpiry, StoreError};
use djsign::{DjangoVersion, Settings};
use serde_json::{Value as J, json};

const KEY: &str = "django-insecure-stores-key";
/// Session data with the shapes sessions hold: auth keys, unicode, numbers, nesting.
const DATA: &str = r#"{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","cart":[1,2.5,{"sku":"caf\u00e9 \u2603","qty":3}],"big":123456789012345678901234567890,"flag":true,"none":null}"#;

#[path = "common/oracle.rs"]
mod oracle;

/// A session timeout past 30 days: memcached reads such a number as an absolute Unix time,
/// so Django's backends add `time.time()`; djsign's entry lives as long as Django's (to the
/// second: memcached counts the remaining time on its own clock).
async fn long_timeouts(o: &mut Oracle, settings: &Settings, cache: MemcachedCache, label: &str) {
    let t0 = djsign::signing::now().floor() + 0.25;
    let long = 40 * 86_400;
    let theirs = o.ask(
        json!({"op": "save", "engine": "cache", "data": "{\"a\":1}", "expiry": long, "now": t0}),
    );
    let store = CacheSessionStore::new(settings, cache);
    let mut mine = session_with("{\"a\":1}");
    let now_dt = djsign::sessions::timezone_now(t0, settings.use_tz);
    mine.set_expiry(SetExpiry::Seconds(long), now_dt, settings)
        .unwrap();
    let ours = store.save_session(&mut mine, t0).await.unwrap();
    let ttl = |o: &mut Oracle, key: &J| {
        o.ask(json!({"op": "ttl", "engine": "cache", "key": key}))
            .as_i64()
    };
    let (a, b) = (ttl(o, &theirs), ttl(o, &json!(ours)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        (a - b).abs() <= 2 && (long - 10..=long + 2).contains(&b),
        "{label}: TTLs {a} (Django) vs {b} (djsign)"
    );
    let back = o.ask(json!({"op": "load", "engine": "cache", "key": ours, "now": t0 + 1.0}));
    assert_eq!(
        back["data"],
        json!(format!("{{\"a\":1,\"_session_expiry\":{long}}}")),
        "{label}: Django reads the long-lived entry"
    );
}

/// Whether `python` can import `module`.
fn python_has(python: &str, module: &str) -> bool {
    std::process::Command::new(python)
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success())
}

/// The session-engine oracle (`django/oracle/django_stores.py`).
struct Oracle(oracle::Oracle);

impl Oracle {
    fn start(
        python: &str,
        db_url: &str,
        redis_url: &str,
        prefix: &str,
        use_tz: bool,
        files: &str,
        cache: &str,
    ) -> Oracle {
        let tz = if use_tz { "1" } else { "0" };
        let args = [db_url, redis_url, prefix, tz, files, cache];
        Oracle(oracle::Oracle::spawn(python, "django_stores.py", &args))
    }

    fn ask(&mut self, req: J) -> J {
        self.0
            .request(&req)
            .unwrap_or_else(|e| panic!("Django failed {req}: {e}"))
    }
}

fn data_json(s: &Session) -> String {
    String::from_utf8(pyjson::to_vec(&Value::Dict(s.data().clone()))).unwrap()
}

fn session_with(data: &str) -> Session {
    let mut s = Session::new();
    match pyjson::from_slice(data.as_bytes()).unwrap() {
        Value::Dict(d) => {
            for (k, v) in d {
                s.insert_value(k.as_str().unwrap(), v);
            }
        }
        _ => unreachable!(),
    }
    s
}

/// Python's `datetime.isoformat(sep=" ")` of `now + secs` in UTC, as the oracle prints rows.
fn row_date(now: f64, secs: i64) -> String {
    let micros = (now * 1e6).round_ties_even() as i128 + secs as i128 * 1_000_000;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).unwrap();
    PyDateTime::Naive(time::PrimitiveDateTime::new(t.date(), t.time()))
        .to_string()
        .replacen('T', " ", 1)
}

/// The checks every engine passes, `engine` being Django's module name.
async fn scenarios<St: SessionStore>(
    o: &mut Oracle,
    engine: &str,
    store: &St,
    settings: &Settings,
    label: &str,
) {
    let t0 = djsign::signing::now().floor() + 0.25;
    let ask = |o: &mut Oracle, op: &str, extra: J| {
        let mut req = json!({"op": op, "engine": engine});
        req.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        o.ask(req)
    };
    let has_row = matches!(engine, "db" | "cached_db");
    let has_ttl = matches!(engine, "cache" | "cached_db");
    let is_file = engine == "file";

    // Django writes, djsign reads.
    let k1 = ask(o, "save", json!({"data": DATA, "now": t0}));
    let k1 = k1.as_str().unwrap().to_owned();
    let s = store.load_session(Some(&k1), t0 + 1.0).await;
    assert_eq!(
        s.key(),
        Some(k1.as_str()),
        "{label}: djsign lost Django's key"
    );
    assert_eq!(
        data_json(&s),
        DATA,
        "{label}: djsign reads Django's session"
    );

    // djsign writes, Django reads: same data, and for the db the very row Django writes.
    let mut mine = session_with(DATA);
    let k2 = store.save_session(&mut mine, t0).await.unwrap();
    assert_eq!(k2.len(), 32);
    let back = ask(o, "load", json!({"key": k2, "now": t0 + 1.0}));
    assert_eq!(back["key"], json!(k2), "{label}: Django lost djsign's key");
    assert_eq!(
        back["data"],
        json!(DATA),
        "{label}: Django reads djsign's session"
    );
    if has_row || is_file {
        let stored = if is_file {
            ask(o, "file", json!({"key": k2}))["content"].clone()
        } else {
            ask(o, "row", json!({"key": k2}))["session_data"].clone()
        };
        let encoded = ask(o, "encode", json!({"data": DATA, "now": t0}));
        let (ours, theirs) = (stored.as_str().unwrap(), encoded.as_str().unwrap());
        // Compressed or not (djsign's deflate writes CPython's zlib bytes).
        assert_eq!(ours, theirs, "{label}: session_data byte-identical");
    }
    if has_row {
        let row = ask(o, "row", json!({"key": k2}));
        assert_eq!(
            row["expire_date"],
            json!(row_date(t0, 1_209_600)),
            "{label}: expire_date"
        );
        let theirs = ask(o, "row", json!({"key": k1}));
        assert_eq!(
            theirs["expire_date"], row["expire_date"],
            "{label}: same expire_date as Django's"
        );
    }
    if has_ttl {
        let (a, b) = (
            ask(o, "ttl", json!({"key": k1})),
            ask(o, "ttl", json!({"key": k2})),
        );
        let (a, b) = (a.as_i64().unwrap(), b.as_i64().unwrap());
        assert!(
            (a - b).abs() <= 2 && b > 1_209_590,
            "{label}: TTLs {a} (Django) vs {b} (djsign)"
        );
        let cached = ask(o, "cache_get", json!({"key": k2}));
        assert_eq!(
            cached,
            json!(DATA),
            "{label}: Django unpickles djsign's cache entry"
        );
    }

    // Custom expiry both ways, and the expiry boundary (strict `expire_date > now`).
    let k3 = ask(
        o,
        "save",
        json!({"data": "{\"a\":1}", "expiry": 300, "now": t0}),
    );
    let k3 = k3.as_str().unwrap().to_owned();
    let mut mine = session_with("{\"a\":1}");
    let now_dt = djsign::sessions::timezone_now(t0, settings.use_tz);
    mine.set_expiry(SetExpiry::Seconds(300), now_dt, settings)
        .unwrap();
    let k4 = store.save_session(&mut mine, t0).await.unwrap();
    if is_file {
        // The file engine never enforces a positive integer custom expiry (`backends/file.py`, `_expiry_date`).
        let far = t0 + 1e7;
        for key in [&k3, &k4] {
            let theirs = ask(o, "load", json!({"key": key, "now": far}));
            assert_eq!(theirs["key"], json!(key), "{label}: Django keeps {key}");
            assert!(
                store.load_session(Some(key), far).await.key().is_some(),
                "{label}"
            );
        }
        // Without one, expiry is the file's mtime + SESSION_COOKIE_AGE, floored to whole
        // seconds: alive with one second left, expired a microsecond later.
        let e1 = ask(o, "save", json!({"data": "{}", "now": t0}));
        let e1 = e1.as_str().unwrap().to_owned();
        let e2 = store
            .save_session(&mut session_with("{\"b\":2}"), t0)
            .await
            .unwrap();
        for (key, django_checks) in [(&e1, true), (&e2, false)] {
            let m = ask(o, "file", json!({"key": key}))["mtime"]
                .as_f64()
                .unwrap();
            let last = m + 1_209_600.0 - 1.0;
            let theirs = ask(o, "load", json!({"key": key, "now": last}));
            assert_eq!(
                theirs["key"],
                json!(key),
                "{label}: Django at the last second"
            );
            let ours = store.load_session(Some(key), last).await;
            assert_eq!(
                ours.key(),
                Some(key.as_str()),
                "{label}: djsign at the last second"
            );
            // Loading an expired file deletes it: each side checks its own copy.
            let gone = last + 1e-6;
            if django_checks {
                let theirs = ask(o, "load", json!({"key": key, "now": gone}));
                assert_ne!(theirs["key"], json!(key), "{label}: Django expires it");
            } else {
                let ours = store.load_session(Some(key), gone).await;
                assert_ne!(ours.key(), Some(key.as_str()), "{label}: djsign expires it");
            }
            assert_eq!(
                ask(o, "file", json!({"key": key})),
                J::Null,
                "{label}: file removed"
            );
        }
    } else if has_row {
        let (a, b) = (
            ask(o, "row", json!({"key": k3})),
            ask(o, "row", json!({"key": k4})),
        );
        assert_eq!(a["expire_date"], json!(row_date(t0, 300)), "{label}");
        assert_eq!(a, b, "{label}: custom expiry rows identical");
        for key in [&k3, &k4] {
            for (at, alive) in [(t0 + 300.0 - 1e-6, true), (t0 + 300.0, false)] {
                if engine == "cached_db" {
                    ask(o, "cache_drop", json!({"key": key}));
                }
                let theirs = ask(o, "load", json!({"key": key, "now": at}));
                let ours = store.load_session(Some(key), at).await;
                assert_eq!(theirs["key"].is_string(), alive, "{label}: Django at {at}");
                assert_eq!(ours.key().is_some(), alive, "{label}: djsign at {at}");
            }
        }
    } else {
        let (a, b) = (
            ask(o, "ttl", json!({"key": k3})),
            ask(o, "ttl", json!({"key": k4})),
        );
        assert!(
            (a.as_i64().unwrap() - b.as_i64().unwrap()).abs() <= 2,
            "{label}: {a} vs {b}"
        );
        assert!(
            (295..=300).contains(&b.as_i64().unwrap()),
            "{label}: TTL {b}"
        );
    }

    // cycle_key: djsign cycles Django's session, then Django cycles djsign's.
    let mut s = store.load_session(Some(&k1), t0 + 2.0).await;
    s.cycle_key();
    let k5 = store.save_session(&mut s, t0 + 2.0).await.unwrap();
    assert_ne!(k5, k1);
    let old = ask(o, "load", json!({"key": k1, "now": t0 + 3.0}));
    assert_eq!(
        old["key"],
        J::Null,
        "{label}: old key gone after djsign's cycle_key"
    );
    let new = ask(o, "load", json!({"key": k5, "now": t0 + 3.0}));
    assert_eq!(
        new["data"],
        json!(DATA),
        "{label}: data kept under the new key"
    );
    let k6 = ask(o, "cycle", json!({"key": k5, "now": t0 + 4.0}));
    let k6 = k6.as_str().unwrap().to_owned();
    assert!(
        store
            .load_session(Some(&k5), t0 + 5.0)
            .await
            .key()
            .is_none(),
        "{label}"
    );
    assert_eq!(
        data_json(&store.load_session(Some(&k6), t0 + 5.0).await),
        DATA,
        "{label}"
    );

    // flush both ways; a save after the other side deleted the session fails as Django's.
    let mut s = store.load_session(Some(&k6), t0 + 5.0).await;
    s.flush();
    let flushed = s.take_flushed_key().unwrap();
    store.delete_session(&flushed).await.unwrap();
    assert_eq!(
        ask(o, "exists", json!({"key": k6})),
        json!(false),
        "{label}: flush"
    );
    let mut s = store.load_session(Some(&k2), t0 + 5.0).await;
    ask(o, "flush", json!({"key": k2, "now": t0 + 5.0}));
    assert!(!store.exists(&k2).await.unwrap(), "{label}: Django's flush");
    s.insert("late", &1).unwrap();
    assert_eq!(
        store.save_session(&mut s, t0 + 6.0).await,
        Err(StoreError::Gone),
        "{label}"
    );

    if engine == "cached_db" {
        // A cache miss reads the row and fills the cache for Django to find.
        ask(o, "cache_drop", json!({"key": k4}));
        let s = store.load_session(Some(&k4), t0 + 7.0).await;
        assert_eq!(
            data_json(&s),
            "{\"a\":1,\"_session_expiry\":300}",
            "{label}"
        );
        let cached = ask(o, "cache_get", json!({"key": k4}));
        assert_eq!(
            cached,
            json!("{\"a\":1,\"_session_expiry\":300}"),
            "{label}"
        );
    }
    if is_file {
        // clear_expired loads every file and so removes the expired ones.
        let k7 = ask(o, "save", json!({"data": "{}", "now": t0}));
        let m = ask(o, "file", json!({"key": k7}))["mtime"]
            .as_f64()
            .unwrap();
        store.clear_expired(m + 1_209_600.0 - 1.0).await.unwrap();
        assert!(
            ask(o, "file", json!({"key": k7})).is_object(),
            "{label}: not yet expired"
        );
        store.clear_expired(m + 1_209_600.0).await.unwrap();
        assert_eq!(
            ask(o, "file", json!({"key": k7})),
            J::Null,
            "{label}: cleared"
        );
    }
    if has_row {
        // clear_expired removes what expired (expire_date < now), Django sees it gone.
        let k7 = ask(o, "save", json!({"data": "{}", "expiry": 1, "now": t0}));
        store.clear_expired(t0 + 1.0).await.unwrap(); // expire_date == now: kept
        assert!(
            ask(o, "row", json!({"key": k7})).is_object(),
            "{label}: not yet expired"
        );
        store.clear_expired(t0 + 1.5).await.unwrap();
        assert_eq!(
            ask(o, "row", json!({"key": k7})),
            J::Null,
            "{label}: cleared"
        );
    }
    println!("  {label}: ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_and_djsign_share_db_and_cache_sessions() {
    let Some(pythons) =
        oracle::pythons_or_skip("the db, cache, cached_db and file engines against Django")
    else {
        return;
    };
    let redis_url = std::env::var("DJSIGN_REDIS_URL").ok();
    if redis_url.is_none() {
        eprintln!("SKIPPED the cache and cached_db engines: DJSIGN_REDIS_URL is unset");
    }
    let memcached = std::env::var("DJSIGN_MEMCACHED_ADDR").ok();
    if memcached.is_none() {
        eprintln!("SKIPPED the engines on memcached: DJSIGN_MEMCACHED_ADDR is unset");
    }
    let mut memcached_runs = 0;
    let dir = std::env::temp_dir().join(format!("djsign-stores-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut dbs = vec![format!("sqlite://{}", dir.join("django.sqlite3").display())];
    for var in ["DJSIGN_POSTGRES_URL", "DJSIGN_MYSQL_URL"] {
        match std::env::var(var) {
            Ok(url) => dbs.push(url),
            Err(_) => eprintln!("SKIPPED a database: {var} is unset"),
        }
    }
    for entry in pythons.split(',') {
        let (line, python) = entry.split_once('=').unwrap();
        for db_url in &dbs {
            for use_tz in [true, false] {
                let prefix = format!("djsign-test-{}-{line}", std::process::id());
                let redis = redis_url
                    .clone()
                    .unwrap_or_else(|| "redis://127.0.0.1:1/".into());
                let files = dir.join(format!("files-{line}-{use_tz}-{}", db_url.len()));
                std::fs::create_dir_all(&files).unwrap();
                let files_arg = files.to_str().unwrap();
                let mut o =
                    Oracle::start(python, db_url, &redis, &prefix, use_tz, files_arg, "redis");
                let version: DjangoVersion = o
                    .ask(json!({"op": "version"}))
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                let mut settings = Settings::new(KEY);
                settings.version = version;
                settings.use_tz = use_tz;
                let pool: Pool = if let Some(path) = db_url.strip_prefix("sqlite://") {
                    sqlx::SqlitePool::connect(&format!("sqlite://{path}?mode=rwc"))
                        .await
                        .unwrap()
                        .into()
                } else if db_url.starts_with("postgres") {
                    sqlx::PgPool::connect(db_url).await.unwrap().into()
                } else {
                    sqlx::MySqlPool::connect(db_url).await.unwrap().into()
                };
                let kind = db_url.split(':').next().unwrap();
                let db = DbSessionStore::new(&settings, pool).unwrap();
                let label = format!("Django {version} {kind} USE_TZ={use_tz}");
                scenarios(&mut o, "db", &db, &settings, &format!("{label} db")).await;
                if db_url.starts_with("sqlite") {
                    // The file engine does not depend on the database: once per Django.
                    let store = FileSessionStore::new(&settings, &files).unwrap();
                    let label = format!("Django {version} USE_TZ={use_tz} file");
                    scenarios(&mut o, "file", &store, &settings, &label).await;
                }
                if let Some(url) = &redis_url {
                    let conn = redis::Client::open(url.as_str())
                        .unwrap()
                        .get_connection_manager()
                        .await
                        .unwrap();
                    let cache = RedisCache::new(conn).key_prefix(prefix.clone());
                    let store = CacheSessionStore::new(&settings, cache.clone());
                    scenarios(
                        &mut o,
                        "cache",
                        &store,
                        &settings,
                        &format!("{label} cache"),
                    )
                    .await;
                    let store = CachedDbSessionStore::new(&settings, db.clone(), cache.clone());
                    scenarios(
                        &mut o,
                        "cached_db",
                        &store,
                        &settings,
                        &format!("{label} cached_db"),
                    )
                    .await;
                    if db_url.starts_with("sqlite") {
                        // django-redis (its defaults: pickle, same key function) on the
                        // same Redis, once per Django.
                        let mut o = Oracle::start(
                            python,
                            db_url,
                            url,
                            &prefix,
                            use_tz,
                            files_arg,
                            "django-redis",
                        );
                        let store = CacheSessionStore::new(&settings, cache);
                        let label = format!("Django {version} USE_TZ={use_tz} django-redis");
                        scenarios(&mut o, "cache", &store, &settings, &label).await;
                    }
                }
                if let (Some(addr), true) = (&memcached, db_url.starts_with("sqlite")) {
                    // Django's memcached backends, each through its client library, on
                    // the same server: the cache and cached_db engines, once per Django.
                    for client in ["pymemcache", "pylibmc"] {
                        if !python_has(python, client) {
                            eprintln!("SKIPPED {client} with Django {version}: not installed");
                            continue;
                        }
                        let mut o =
                            Oracle::start(python, db_url, addr, &prefix, use_tz, files_arg, client);
                        let cache = MemcachedCache::new(addr.as_str()).key_prefix(prefix.clone());
                        let label = format!("Django {version} USE_TZ={use_tz} {client}");
                        let store = CacheSessionStore::new(&settings, cache.clone());
                        scenarios(
                            &mut o,
                            "cache",
                            &store,
                            &settings,
                            &format!("{label} cache"),
                        )
                        .await;
                        long_timeouts(&mut o, &settings, cache.clone(), &label).await;
                        let store = CachedDbSessionStore::new(&settings, db.clone(), cache);
                        let label = format!("{label} cached_db");
                        scenarios(&mut o, "cached_db", &store, &settings, &label).await;
                        memcached_runs += 1;
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if memcached.is_some() {
        assert!(
            memcached_runs > 0,
            "no memcached client library in any Django virtualenv"
        );
        eprintln!("memcached: {memcached_runs} Django/client combinations, both engines");
    }
}
