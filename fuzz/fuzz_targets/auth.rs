#![no_main]
//! `auth::get_user` on sessions whose data came from the input (any id, backend and hash
//! values, of any type): never panics, and only the expected hash logs the user in.
use djsign::auth::{self, AuthUser};
use djsign::pyjson::{self, Value};
use djsign::sessions::Session;
use djsign::Settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Dict(d)) = pyjson::from_slice(data) else { return };
    let settings = Settings::new("fuzz-key");
    let Some(key) = d.keys().next().and_then(|k| k.as_str()).map(str::to_owned) else { return };
    let mut session = Session::loaded("fuzzsessionkey12".into(), d);
    let hash = "pbkdf2_sha256$1$salt$hash=".to_string();
    let user = auth::get_user(&mut session, &[auth::MODEL_BACKEND, &key], |_| Some(hash.clone()), &settings);
    match user {
        // Logged in: the session held the hash of this password under this key.
        AuthUser::User(_) => {
            let expected = auth::session_auth_hash(&hash, &settings.secret_key, &settings);
            assert_eq!(session.get(auth::HASH_SESSION_KEY).and_then(|v| v.as_str()), Some(expected.as_str()));
        }
        // Anonymous with a stored hash that did not verify: the session was flushed.
        AuthUser::Anonymous => {}
    }
});
