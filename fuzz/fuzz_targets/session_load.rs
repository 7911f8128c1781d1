#![no_main]
//! Signed-cookie session load on attacker-controlled cookies: never panics, and a cookie
//! that loads re-saves to one that loads to the same data.
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::Settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(cookie) = std::str::from_utf8(data) else { return };
    let store = SignedCookieStore::new(&Settings::new("fuzz-key")).unwrap();
    let mut s = store.load(Some(cookie), 1.7e9);
    let _ = s.get("_auth_user_id");
    if s.load_error().is_none() {
        let again = store.save(&mut s, 1.7e9).unwrap();
        assert_eq!(store.load(Some(&again), 1.7e9).data(), s.data());
    }
});
