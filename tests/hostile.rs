//! Hostile input: 1 MiB pathological shapes finish (linear-time paths), decompression is
//! capped, and nothing secret leaks through errors or `Debug`.

use djsign::encoding::{base62, base64, zlib};
use djsign::pyjson::{self, JsonErrorKind};
use djsign::{ErrorKind, Malformed, Settings, Signer, TimestampSigner};

const MIB: usize = 1 << 20;

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    for open in [b"[".as_slice(), b"{\"a\":"] {
        let doc: Vec<u8> = open.iter().copied().cycle().take(MIB).collect();
        let err = pyjson::from_slice(&doc).unwrap_err();
        assert_eq!(err.kind(), JsonErrorKind::TooDeep);
    }
    // 1000 levels are accepted, as Python accepts them.
    let ok = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    assert!(pyjson::from_slice(ok.as_bytes()).is_ok());
}

/// A nesting level takes a bounded stack: 1000 levels of dicts and lists, with a key and
/// a scalar at every level, parse on a 512 KiB thread stack (optimized builds; the frames
/// of an unoptimized build are larger, and get 4 MiB here).
#[test]
fn the_deepest_accepted_document_fits_a_small_stack() {
    let levels = pyjson::DEFAULT_MAX_DEPTH / 2;
    let doc = format!(
        "{}1{}",
        "[0, {\"k\": 1.5, \"a\":".repeat(levels),
        "}]".repeat(levels)
    );
    let kib = if cfg!(debug_assertions) { 4096 } else { 512 };
    let parsed = std::thread::Builder::new()
        .stack_size(kib * 1024)
        .spawn(move || pyjson::from_slice(doc.as_bytes()).map(|v| pyjson::to_vec(&v).len()))
        .unwrap()
        .join()
        .unwrap();
    assert!(parsed.unwrap() > 10 * levels);
}

#[test]
fn many_keys_and_duplicates_stay_linear() {
    let mut doc = String::from("{");
    for i in 0..60_000 {
        doc.push_str(&format!("\"k{i}\":{i},"));
    }
    for _ in 0..60_000 {
        doc.push_str("\"dup\":1,");
    }
    doc.push_str("\"end\":0}");
    let v = pyjson::from_slice(doc.as_bytes()).unwrap();
    match v {
        pyjson::Value::Dict(d) => assert_eq!(d.len(), 60_002),
        _ => unreachable!(),
    }
}

#[test]
fn long_strings_and_escapes() {
    let escapes = format!("\"{}\"", "\\u00e9\\ud83d\\ude00\\n".repeat(MIB / 20));
    assert!(pyjson::from_slice(escapes.as_bytes()).is_ok());
    let latin1: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(0xE9, MIB))
        .chain([b'"'])
        .collect();
    assert!(pyjson::from_slice(&latin1).is_ok());
    let digits = "9".repeat(MIB);
    assert_eq!(
        pyjson::from_slice(digits.as_bytes()).unwrap_err().kind(),
        JsonErrorKind::IntTooLarge
    );
}

#[test]
fn junk_base64_and_huge_timestamps() {
    assert!(base64::decode(&vec![b'!'; MIB]).unwrap().is_empty());
    let mixed: Vec<u8> = b"eyJ!".iter().copied().cycle().take(MIB).collect();
    let _ = base64::decode(&mixed);
    let ts = "z".repeat(MIB);
    let n = base62::decode(&ts).unwrap();
    assert_eq!(n.as_f64(), None);
    assert_eq!(
        base62::decode(&"$".repeat(MIB)).unwrap_err(),
        base62::Base62Error::InvalidDigit
    );
}

#[test]
fn huge_and_separator_heavy_tokens() {
    let s = TimestampSigner::builder().key("k").build().unwrap();
    let colons = ":".repeat(MIB);
    assert!(
        s.unsign_at(&colons, None, 0.0)
            .unwrap_err()
            .is_bad_signature()
    );
    let big = format!("{}:1:sig", "a".repeat(MIB));
    assert!(s.unsign_at(&big, None, 0.0).unwrap_err().is_bad_signature());
    // A validly signed 1 MiB timestamp: linear to decode, an overflow to compare.
    let plain = Signer::builder()
        .key("k")
        .salt("django.core.signing.TimestampSigner")
        .build()
        .unwrap();
    let token = plain.sign(&format!("v:{}", "z".repeat(MIB)));
    let err = s.unsign_at(&token, Some(10.into()), 0.0).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::Malformed(Malformed::TimestampOverflow)
    );
    assert_eq!(s.unsign_at(&token, None, 0.0).unwrap(), "v");
}

#[test]
fn decompression_bombs_are_capped() {
    let bomb = zlib::compress(&vec![b' '; 64 * MIB]);
    assert!(bomb.len() < 200_000);
    let s = Signer::builder()
        .key("k")
        .max_decompressed_size(MIB)
        .build()
        .unwrap();
    let token = s.sign(&format!(".{}", base64::encode(&bomb)));
    let err = s.unsign_value(&token).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Malformed(Malformed::Zlib(zlib::ZlibError::TooLarge { limit })) if *limit == MIB)
    );
}

#[test]
fn no_secret_or_signature_in_errors_and_debug() {
    let secret = "super-secret-key-4f9a";
    let mut settings = Settings::new(secret);
    settings.secret_key_fallbacks = vec![format!("{secret}-old").into()];
    let s = TimestampSigner::builder()
        .settings(&settings)
        .build()
        .unwrap();
    let good = s.sign_at("value", 100.0);
    let real_sig = good.rsplit(':').next().unwrap().to_owned();
    let tampered = good.replacen("value", "valuf", 1);
    let shown = [
        format!("{s:?}"),
        format!("{settings:?}"),
        format!("{:?}", s.unsign_at(&tampered, None, 0.0).unwrap_err()),
        s.unsign_at(&tampered, None, 0.0).unwrap_err().to_string(),
        format!("{:?}", s.unsign_at(&good, Some(1.into()), 1e9).unwrap_err()),
        s.unsign_at(&good, Some(1.into()), 1e9)
            .unwrap_err()
            .to_string(),
    ];
    for text in shown {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains(&real_sig), "{text}");
    }
}

/// Session keys, cookie values and session data are bearer credentials: `Debug` shows
/// their length (and the data's keys), never their text.
#[test]
fn debug_output_redacts_session_keys_cookies_and_data() {
    use djsign::messages::{Message, MessageCookie};
    use djsign::sessions::Session;
    use djsign::sessions::backends::signed_cookies::SignedCookieStore;
    use djsign::sessions::backends::stored::SessionCodec;
    let settings = Settings::new("django-insecure-test-key");
    let store = SignedCookieStore::new(&settings).unwrap();
    let mut s = Session::new();
    s.insert("_auth_user_hash", "hash-0f1e2d3c4b5a").unwrap();
    let cookie = store.save(&mut s, 1e9).unwrap();
    let loaded = store.load(Some(&cookie), 1e9 + 1.0);
    let set_cookie = djsign::http::SetCookie::new("sessionid", &cookie);
    let stored = MessageCookie::new(&settings).unwrap().store(
        &[Message::new(20, "private note")],
        true,
        1e9,
    );
    let message_cookie = stored.value.clone().unwrap();
    let codec = SessionCodec::new(&settings).unwrap();
    let blob = codec.encode(loaded.data(), 1e9);
    let decoded = codec.decode(&blob).unwrap();
    let shown = [
        format!("{s:?}"),
        format!("{loaded:?}"),
        format!("{set_cookie:?}"),
        format!("{stored:?}"),
        format!("{decoded:?}"),
    ];
    let signature = |t: &str| t.rsplit(':').next().unwrap().to_owned();
    for text in &shown {
        for secret in [
            cookie.as_str(),
            &signature(&cookie),
            &message_cookie,
            &signature(&message_cookie),
            "hash-0f1e2d3c4b5a",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
    assert!(shown[1].contains("_auth_user_hash"), "{}", shown[1]);
    assert!(
        shown[2].contains(&format!("{} bytes", cookie.len())),
        "{}",
        shown[2]
    );
}

#[test]
fn huge_cookie_headers_and_message_cookies() {
    // 100 000 cookies, half of them the same name: linear.
    let mut header = String::new();
    for i in 0..100_000 {
        header.push_str(&format!("c{}=v{i}; ", i % 50_000));
    }
    let parsed = djsign::http::parse_cookie(&header);
    assert_eq!(parsed.len(), 50_000);
    assert_eq!(parsed[0].1, "v50000");
    // A 1 MiB quoted value full of escapes.
    let quoted = format!("x=\"{}\"", "\\054".repeat(MIB / 4));
    assert_eq!(djsign::http::parse_cookie(&quoted)[0].1.len(), MIB / 4);
    // A messages cookie of 10 000 tiny messages, validly signed: decodes.
    let c = djsign::messages::MessageCookie::new(&Settings::new("k")).unwrap();
    let msgs: Vec<_> = (0..10_000)
        .map(|i| djsign::messages::Message::new(20, &i.to_string()))
        .collect();
    let value = c.encode(&msgs, 0.0);
    assert_eq!(c.decode(&value).unwrap().unwrap().messages.len(), 10_000);
    // And trimming it to 2048 bytes by bisection stays fast.
    let stored = c.store(&msgs, true, 0.0);
    assert!(stored.value.unwrap().len() <= 2048 && !stored.unstored.is_empty());
}

#[test]
fn hostile_pickles_fail_fast() {
    use djsign::pickle::{self, PickleError};
    // Large integers: each is quadratic to print, so a budget refuses a pickle of them.
    let mut longs = b"\x80\x05(".to_vec();
    while longs.len() < MIB {
        longs.extend_from_slice(&[0x8a, 255]);
        longs.extend(std::iter::repeat_n(0x7f, 255));
    }
    assert_eq!(pickle::from_slice(&longs), Err(PickleError::TooLarge));
    // A LONG4 past 4300 digits.
    let mut huge = vec![0x80, 0x05, 0x8b];
    huge.extend_from_slice(&(4096u32).to_le_bytes());
    huge.extend(std::iter::repeat_n(1u8, 4096));
    huge.push(b'.');
    assert_eq!(pickle::from_slice(&huge), Err(PickleError::TooLarge));
    // Marks, appends and memo references by the megabyte: linear, then refused or read.
    let marks: Vec<u8> = std::iter::repeat_n(b'(', MIB).chain([b'l', b'.']).collect();
    // As Python's unpickler: STOP takes the top of the stack; marks left below are ignored.
    assert_eq!(pickle::from_slice(&marks), Ok(pyjson::Value::List(vec![])));
    let mut appends = b"]\x94".to_vec();
    while appends.len() < MIB {
        appends.extend_from_slice(b"h\x00a");
    }
    appends.push(b'.');
    assert_eq!(pickle::from_slice(&appends), Err(PickleError::TooLarge));
    let mut list = b"](".to_vec();
    while list.len() < MIB {
        list.extend_from_slice(b"K\x01");
    }
    list.extend_from_slice(b"e.");
    match pickle::from_slice(&list).unwrap() {
        pyjson::Value::List(items) => assert_eq!(items.len(), (list.len() - 4) / 2),
        _ => unreachable!(),
    }
}
