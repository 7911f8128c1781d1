//! Verifying a signature allocates nothing: `Signer::unsign` borrows its result from the
//! input and keeps every MAC and base-64 buffer on the stack.

use djsign::{MaxAge, Signer, TimestampSigner};

#[test]
fn unsign_allocates_nothing() {
    let data: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/workloads.json"
        ))
        .unwrap(),
    )
    .unwrap();
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
