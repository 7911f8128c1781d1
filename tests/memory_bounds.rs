//! Peak memory of the decoders on the shapes that expand most, measured with a counting
//! allocator against the bounds `djsign::limits` states: a small input, or a validly
//! signed one, must not make djsign allocate without bound.

use djsign::encoding::{base64, zlib};
use djsign::pyjson::{self, JsonErrorKind};
use djsign::{ErrorKind, Limits, Malformed, Settings, Signer, TimestampSigner};

const MIB: usize = 1 << 20;

/// The peak number of bytes held at once while `f` runs (this thread only).
fn peak(f: impl FnOnce()) -> usize {
    let mut f = Some(f);
    allocation_counter::measure(|| (f.take().unwrap())()).bytes_max as usize
}

/// The JSON reader's stated bound for a document of `input` bytes (`Limits::peak_bound`
/// with nothing to decompress).
fn json_bound(input: usize, max_values: usize) -> usize {
    let limits = Limits {
        max_decompressed_size: 0,
        max_values,
    };
    limits.peak_bound(input)
}

fn nested_empty_lists(bytes: usize) -> Vec<u8> {
    let mut doc = b"[".to_vec();
    while doc.len() < bytes {
        doc.extend_from_slice(b"[],");
    }
    doc.extend_from_slice(b"[]]");
    doc
}

/// Values within the limit: the reader's peak stays within the stated bound of its input.
#[test]
fn json_peak_is_bounded_by_input_and_values() {
    for doc in [
        nested_empty_lists(4 * MIB),
        format!("[{}0]", "0,".repeat(2 * MIB)).into_bytes(),
        format!(
            "{{{}\"e\":0}}",
            (0..200_000)
                .map(|i| format!("\"k{i}\":[],"))
                .collect::<String>()
        )
        .into_bytes(),
        format!("[\"{}\"]", "\u{e9}".repeat(MIB)).into_bytes(),
    ] {
        let limit = 4 * MIB;
        let p = peak(|| {
            let v = pyjson::from_slice_with_limits(&doc, pyjson::DEFAULT_MAX_DEPTH, limit);
            assert!(v.is_ok());
        });
        assert!(
            p <= json_bound(doc.len(), limit),
            "{} bytes: peak {p}",
            doc.len()
        );
    }
}

/// Past the value limit the reader stops, holding no more than the limit allows.
#[test]
fn json_value_limit_stops_the_reader_early() {
    let doc = nested_empty_lists(8 * MIB);
    for limit in [1000, 100_000] {
        let p = peak(|| {
            let e = pyjson::from_slice_with_limits(&doc, pyjson::DEFAULT_MAX_DEPTH, limit);
            assert_eq!(e.unwrap_err().kind(), JsonErrorKind::TooManyValues);
        });
        // Tighter than the stated bound: stopped early, the reader holds no more than the
        // values it was allowed (and no decompressed text).
        assert!(p <= limit * 192 + 256 * 1024, "limit {limit}: peak {p}");
    }
    // Dicts past 16 entries (hash-indexed) and nested levels count too.
    let many_keys: String = (0..5000).map(|i| format!("\"k{i}\":{i},")).collect();
    let doc = format!("{{{many_keys}\"end\":0}}");
    let e = pyjson::from_slice_with_limits(doc.as_bytes(), 1000, 4000).unwrap_err();
    assert_eq!(e.kind(), JsonErrorKind::TooManyValues);
    assert!(pyjson::from_slice_with_limits(doc.as_bytes(), 1000, 5002).is_ok());
    assert_eq!(
        pyjson::from_slice_with_limits(b"[[[]]]", 1000, 2)
            .unwrap_err()
            .kind(),
        JsonErrorKind::TooManyValues
    );
    assert!(pyjson::from_slice_with_limits(b"[[[]]]", 1000, 3).is_ok());
}

/// A validly signed token of 32 MiB of nested empty lists, compressed to a few hundred
/// kilobytes: with the default limits it is refused after at most the default number of
/// values, not parsed into tens of millions.
#[test]
fn a_signed_token_cannot_expand_past_the_limits() {
    let json = nested_empty_lists(30 * MIB);
    let signer = TimestampSigner::builder()
        .key("django-insecure-test-key")
        .salt(djsign::signing::DUMPS_SALT)
        .build()
        .unwrap();
    let payload = format!(".{}", base64::encode(&zlib::compress(&json)));
    drop(json);
    let token = signer.sign(&payload);
    assert!(token.len() < MIB, "{}", token.len());
    let defaults = Limits::default();
    let p = peak(|| {
        let e = signer.unsign_value(&token, None).unwrap_err();
        assert!(matches!(
            e.kind(),
            ErrorKind::Malformed(Malformed::Json(j)) if j.kind() == JsonErrorKind::TooManyValues
        ));
    });
    let bound = defaults.peak_bound(token.len());
    assert!(p <= bound, "peak {p} > {bound}");

    // Lower limits, from the settings, as stores and the messages cookie take them.
    let mut settings = Settings::new("django-insecure-test-key");
    settings.limits = Limits {
        max_decompressed_size: MIB,
        max_values: 10_000,
    };
    let tight = TimestampSigner::builder()
        .settings(&settings)
        .salt(djsign::signing::DUMPS_SALT)
        .build()
        .unwrap();
    let p = peak(|| {
        let e = tight.unsign_value(&token, None).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Malformed(Malformed::Zlib(_))));
    });
    assert!(p <= settings.limits.peak_bound(token.len()), "peak {p}");
}

/// `dangerous::inspect` decodes without verifying, so it keeps to `Limits::INSPECT`.
#[test]
fn inspect_keeps_to_small_limits() {
    let signer = Signer::builder().key("k").build().unwrap();
    let token = signer.sign_object(&vec![0u8; 200_000], true).unwrap();
    let p = peak(|| {
        let i = djsign::dangerous::inspect(&token).unwrap();
        assert!(matches!(i.object, Err(Malformed::Zlib(_))));
    });
    assert!(p <= Limits::INSPECT.peak_bound(token.len()), "peak {p}");
    let small = signer.sign_object(&vec![[0u8; 0]; 20_000], false).unwrap();
    let i = djsign::dangerous::inspect(&small).unwrap();
    assert!(
        matches!(i.object, Err(Malformed::Json(j)) if j.kind() == JsonErrorKind::TooManyValues)
    );
}

/// The pickle shapes that expand most: a long string memoised once and referenced
/// thousands of times, containers doubled through the memo, and runs of one-byte values.
#[test]
fn pickle_peak_is_bounded_by_its_length() {
    // ["x" * 64 KiB, memo 0, then 60,000 references to it]: 266 KB of input.
    let mut shared = b"\x80\x05]\x94(X\x00\x00\x01\x00".to_vec();
    shared.extend(std::iter::repeat_n(b'x', 1 << 16));
    shared.push(0x94);
    for _ in 0..100_000 {
        shared.extend_from_slice(b"h\x01");
    }
    shared.extend_from_slice(b"e.");
    // 40 doublings of a list through the memo.
    let mut doubled = b"\x80\x05]\x94".to_vec();
    for i in 0..40u8 {
        doubled.extend_from_slice(&[b'h', i, b'h', i, 0x86, 0x94]);
    }
    doubled.push(b'.');
    // A list of a million `None`s, and a million memo entries of one.
    let mut nones = b"\x80\x05](".to_vec();
    nones.extend(std::iter::repeat_n(b'N', MIB));
    nones.extend_from_slice(b"e.");
    let mut memos = b"\x80\x05N".to_vec();
    memos.extend(std::iter::repeat_n(0x94, MIB));
    memos.push(b'.');
    for (name, p, refused) in [
        ("shared", &shared, true),
        ("doubled", &doubled, true),
        ("nones", &nones, false),
        ("memos", &memos, false),
    ] {
        let peak = peak(|| {
            let r = djsign::pickle::from_slice(p);
            assert_eq!(r.is_err(), refused, "{name}");
            if refused {
                assert_eq!(
                    r.unwrap_err(),
                    djsign::pickle::PickleError::TooLarge,
                    "{name}"
                );
            }
        });
        assert!(
            peak <= djsign::pickle::peak_bound(p.len()),
            "{name}: {} bytes, peak {peak}",
            p.len()
        );
    }
}

/// The committed fuzz regressions (`fuzz/regressions.py`), one per amplification the
/// hardening review found: each is refused, within the stated bound, by `cargo test` too.
#[test]
fn fuzz_regressions_are_refused_within_bounds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap();
    let fuzz_limits = Limits {
        max_decompressed_size: 64 << 10,
        max_values: 4096,
    };
    let too_many = |e: &djsign::Error| matches!(e.kind(), ErrorKind::Malformed(Malformed::Json(j)) if j.kind() == JsonErrorKind::TooManyValues);

    let p = read("pickle/memoised-string-referenced-20000-times");
    let r = peak(|| {
        assert_eq!(
            djsign::pickle::from_slice(&p).unwrap_err(),
            djsign::pickle::PickleError::TooLarge
        )
    });
    assert!(r <= djsign::pickle::peak_bound(p.len()));

    let payload = String::from_utf8(read("signed_payload/nested-empty-lists")).unwrap();
    let ts = TimestampSigner::builder()
        .key("fuzz-key")
        .limits(fuzz_limits)
        .build()
        .unwrap();
    let token = ts.sign_at(&payload, 1.7e9);
    let r = peak(|| {
        assert!(too_many(
            &ts.unsign_value_at(&token, None, 1.7e9).unwrap_err()
        ))
    });
    assert!(r <= fuzz_limits.peak_bound(token.len()));

    let blob = String::from_utf8(read("stored_decode/nested-empty-lists")).unwrap();
    let mut settings = Settings::new("fuzz-key");
    settings.version = djsign::DjangoVersion::V2_2;
    settings.limits = fuzz_limits;
    let codec = djsign::sessions::backends::stored::SessionCodec::new(&settings).unwrap();
    let r = peak(|| assert!(too_many(&codec.decode(&blob).unwrap().error.unwrap())));
    assert!(r <= fuzz_limits.peak_bound(blob.len()));

    let token = String::from_utf8(read("inspect/inflates-to-8-mib")).unwrap();
    let r = peak(|| {
        let i = djsign::dangerous::inspect(&token).unwrap();
        assert!(matches!(i.object, Err(Malformed::Zlib(_))));
    });
    assert!(r <= Limits::INSPECT.peak_bound(token.len()));
}
