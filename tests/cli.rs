//! Drives the real `djsign` binary: Django fixtures through every command, exit codes,
//! `--json`, standard input, `--`, and secrets never printed.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value as J;

const SECRET: &str = "djsign-cli-test-secret-Zq8";

fn djsign() -> Command {
    let mut c = Command::cargo_bin("djsign").unwrap();
    c.env_remove("DJANGO_SECRET_KEY")
        .env_remove("DJANGO_SECRET_KEY_FALLBACKS");
    c
}

fn fixture(line: &str) -> J {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/django-{line}.json"));
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn exit_code(kind: &str) -> i32 {
    match kind {
        "bad_signature" => 1,
        "expired" => 3,
        k if k.starts_with("malformed") => 4,
        _ => 5,
    }
}

/// Runs a sample of each fixture operation through the binary.
#[test]
fn fixtures_through_the_binary() {
    let mut ran = 0;
    for line in ["2.2", "3.1", "4.2", "6.1"] {
        let data = fixture(line);
        let django = data["django"].as_str().unwrap().to_owned();
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for case in data["cases"].as_array().unwrap() {
            let op = case["op"].as_str().unwrap();
            let outcome = if case.get("ok").is_some() {
                "ok"
            } else {
                "err"
            };
            let n = seen.entry(format!("{op}{outcome}")).or_default();
            if *n >= 6 {
                continue;
            }
            let mut cmd = djsign();
            cmd.args(["--django", &django, "--now", &case["now"].to_string()]);
            let cfg = &case["signer"];
            let expected_stdout = match op {
                "sign" | "ts_sign" | "unsign" | "ts_unsign" => {
                    if cfg.get("key").and_then(J::as_str).is_none_or(str::is_empty)
                        || cfg.get("fallback_keys").is_some_and(|f| !f.is_null())
                        || cfg.get("settings_fallbacks").is_some()
                        || cfg.get("dha").is_some()
                    {
                        continue;
                    }
                    cmd.args(["--secret-key", cfg["key"].as_str().unwrap()]);
                    let sub = if op.ends_with("unsign") {
                        "unsign"
                    } else {
                        "sign"
                    };
                    cmd.arg(sub);
                    if let Some(s) = cfg.get("salt").and_then(J::as_str) {
                        cmd.args(["--salt", s]);
                    }
                    if let Some(s) = cfg.get("sep").and_then(J::as_str) {
                        cmd.args(["--sep", s]);
                    }
                    if let Some(a) = cfg.get("algorithm").and_then(J::as_str) {
                        cmd.args(["--algorithm", a]);
                    }
                    if op.starts_with("ts_") {
                        cmd.arg("--timestamp");
                    }
                    if let Some(m) = case.get("max_age").and_then(|m| m.get("int")) {
                        cmd.args(["--max-age", &m.to_string()]);
                    }
                    let input = if sub == "sign" {
                        &case["value"]
                    } else {
                        &case["token"]
                    };
                    cmd.args(["--", input.as_str().unwrap()]);
                    case.get("ok").and_then(J::as_str).map(str::to_owned)
                }
                "loads" => {
                    if case.get("fallback_keys").is_some_and(|f| !f.is_null()) {
                        continue;
                    }
                    cmd.args([
                        "--secret-key",
                        case["key"].as_str().unwrap(),
                        "loads",
                        "--salt",
                        case["salt"].as_str().unwrap(),
                    ]);
                    if let Some(m) = case["max_age"].get("int") {
                        cmd.args(["--max-age", &m.to_string()]);
                    }
                    cmd.args(["--", case["token"].as_str().unwrap()]);
                    case.get("ok").and_then(J::as_str).map(str::to_owned)
                }
                "dumps" if case["compress"] == false => {
                    cmd.args([
                        "--secret-key",
                        case["key"].as_str().unwrap(),
                        "dumps",
                        "--salt",
                        case["salt"].as_str().unwrap(),
                    ]);
                    cmd.args(["--", case["json"].as_str().unwrap()]);
                    case.get("ok").and_then(J::as_str).map(str::to_owned)
                }
                _ => continue,
            };
            *n += 1;
            ran += 1;
            let out = cmd.output().unwrap();
            let id = case["id"].as_str().unwrap();
            match (expected_stdout, case.get("err").and_then(J::as_str)) {
                (Some(ok), _) => {
                    assert_eq!(
                        out.status.code(),
                        Some(0),
                        "Django {django} {id}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert_eq!(
                        String::from_utf8_lossy(&out.stdout),
                        format!("{ok}\n"),
                        "Django {django} {id}"
                    );
                }
                (None, Some(kind)) => {
                    assert_eq!(
                        out.status.code(),
                        Some(exit_code(kind)),
                        "Django {django} {id}: {kind}"
                    );
                    assert!(out.stdout.is_empty());
                    assert!(!out.stderr.is_empty(), "an error says what went wrong");
                }
                _ => unreachable!(),
            }
        }
    }
    assert!(ran > 150, "ran {ran} fixture cases");
}

#[test]
fn standard_input_and_double_dash() {
    djsign()
        .args([
            "--secret-key",
            "secret",
            "--now",
            "1700000000.25",
            "dumps",
            "-",
        ])
        .write_stdin("\"hello\"\n")
        .assert()
        .success()
        .stdout("ImhlbGxvIg:1r31eq:a3CFcK7P0T4YtvcQde-8mW6c7nClbqAtZDLbkQ7-O9A\n");
    // A value that looks like an option passes after `--`.
    let out = djsign()
        .args([
            "--secret-key",
            "secret",
            "--now",
            "0",
            "dumps",
            "--",
            "-Infinity",
        ])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap();
    assert!(token.starts_with("LUluZmluaXR5:0:"), "{token}");
    djsign()
        .args(["--secret-key", "secret", "loads", "--", token.trim()])
        .assert()
        .success()
        .stdout("-Infinity\n");
}

#[test]
fn json_output_and_exit_codes() {
    djsign()
        .args([
            "--json",
            "--secret-key",
            "secret",
            "unsign",
            "hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18",
        ])
        .assert()
        .success()
        .stdout("{\"ok\":\"hello\"}\n");
    djsign()
        .args(["--json", "--secret-key", "secret", "unsign", "hello:forged"])
        .assert()
        .code(1)
        .stdout(predicates::str::starts_with(
            "{\"error\":{\"kind\":\"bad_signature\"",
        ));
    djsign()
        .args([
            "--json",
            "--secret-key",
            "secret",
            "--now",
            "1700000020",
            "unsign",
            "--timestamp",
            "--max-age",
            "10",
            "hello:1r31eq:cd3olmP207LffIZrXNJ8LTxzeEF4brfUrRYVM3D-t8Q",
        ])
        .assert()
        .code(3)
        .stdout(predicates::str::contains("\"kind\":\"expired\""));
    djsign()
        .args(["--secret-key", "k", "sign", "v", "--sep", "-"])
        .assert()
        .code(5);
    djsign()
        .args(["--secret-key", "k", "sign", "v", "--algorithm", "md4"])
        .assert()
        .code(5);
    djsign()
        .args(["--secret-key", "k", "--django", "1.8", "sign", "v"])
        .assert()
        .code(5);
    djsign().args(["sign"]).assert().code(2);
    djsign()
        .args(["sign", "v"])
        .assert()
        .code(5)
        .stderr(predicates::str::contains("--secret-key"));
    djsign()
        .args([
            "--setting",
            "DEFAULT_HASHING_ALGORITHM=sha1",
            "--secret-key",
            "k",
            "sign",
            "v",
        ])
        .assert()
        .code(5)
        .stderr(predicates::str::contains("quote strings"));
}

#[test]
fn settings_from_flags_and_environment() {
    // DEFAULT_HASHING_ALGORITHM on 3.2: from the environment, and a flag beats it.
    djsign()
        .env("DJANGO_DEFAULT_HASHING_ALGORITHM", "\"sha1\"")
        .args(["--django", "3.2", "--secret-key", "secret", "sign", "hello"])
        .assert()
        .success()
        .stdout("hello:AmyOTQY9JAikz0u2GebORkTo4LA\n");
    djsign()
        .env("DJANGO_DEFAULT_HASHING_ALGORITHM", "\"sha1\"")
        .args([
            "--django",
            "3.2",
            "--setting",
            "DEFAULT_HASHING_ALGORITHM=\"sha256\"",
            "--secret-key",
            "secret",
            "sign",
            "hello",
        ])
        .assert()
        .success()
        .stdout("hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18\n");
    // Fallback keys from the environment verify old tokens.
    djsign()
        .env("DJANGO_SECRET_KEY", "new")
        .env("DJANGO_SECRET_KEY_FALLBACKS", "[\"secret\"]")
        .args([
            "unsign",
            "hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18",
        ])
        .assert()
        .success()
        .stdout("hello\n");
}

#[test]
fn real_django_cookie_and_inspect() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let cookie = std::fs::read_to_string(dir.join("session_cookie.txt")).unwrap();
    djsign()
        .args([
            "--secret-key-file",
            dir.join("secret_key.txt").to_str().unwrap(),
            "loads",
            "--salt",
            "django.contrib.sessions.backends.signed_cookies",
            cookie.trim(),
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"_auth_user_id\":\"1\""));
    djsign()
        .args(["inspect", cookie.trim()])
        .assert()
        .success()
        .stdout(predicates::str::starts_with("UNVERIFIED"));
    djsign()
        .args([
            "--secret-key-file",
            dir.join("secret_key.txt").to_str().unwrap(),
            "--now",
            "1700000100",
            "inspect",
            cookie.trim(),
        ])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("signed-cookie session")
                .and(predicates::str::contains("expired:          false")),
        );
}

use predicates::prelude::*;

#[test]
fn secrets_never_appear_in_any_output() {
    let runs: Vec<Vec<&str>> = vec![
        vec!["sign", "v"],
        vec!["unsign", "v:bad"],
        vec!["unsign", "novalue"],
        vec!["loads", "e30:1:bad"],
        vec!["dumps", "not json"],
        vec![
            "inspect",
            "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk",
        ],
        vec!["--help"],
        vec!["sign", "--help"],
        vec!["sign", "v", "--sep", "-"],
        vec!["--json", "unsign", "v:bad"],
        vec![
            "session",
            "decode",
            "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk",
        ],
        vec!["session", "encode", "{\"a\":1}", "--set-cookie"],
        vec!["signed-cookie", "get", "name", "val:1r31eq:x"],
        vec!["messages", "decode", "x:1:y"],
        vec!["cookies", "sessionid=abc:1:x; messages=y"],
    ];
    for args in runs {
        for via_env in [false, true] {
            let mut c = djsign();
            if via_env {
                c.env("DJANGO_SECRET_KEY", SECRET)
                    .env("DJANGO_SECRET_KEY_FALLBACKS", format!("[\"{SECRET}-old\"]"));
            } else {
                c.args([
                    "--secret-key",
                    SECRET,
                    "--fallback-key",
                    &format!("{SECRET}-old"),
                ]);
            }
            let out = c.args(&args).output().unwrap();
            for stream in [&out.stdout, &out.stderr] {
                let text = String::from_utf8_lossy(stream);
                assert!(
                    !text.contains(SECRET),
                    "{args:?} printed the secret: {text}"
                );
            }
        }
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish"] {
        djsign()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicates::str::contains("djsign"));
    }
}

#[test]
fn session_commands() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let key_file = dir.join("secret_key.txt");
    let cookie = std::fs::read_to_string(dir.join("session_cookie.txt")).unwrap();
    // The real Django cookie: valid 100 s after signing, expired after two weeks.
    djsign()
        .args([
            "--secret-key-file",
            key_file.to_str().unwrap(),
            "--now",
            "1700000100",
            "session",
            "decode",
            cookie.trim(),
        ])
        .assert()
        .success()
        .stdout(predicates::str::starts_with("{\"_auth_user_id\":\"1\""))
        .stderr(predicates::str::contains("expires at 2023-11-28T22:13:20Z"));
    djsign()
        .args([
            "--secret-key-file",
            key_file.to_str().unwrap(),
            "--now",
            "1701209600.5",
            "session",
            "decode",
            cookie.trim(),
        ])
        .assert()
        .code(3);
    djsign()
        .args(["--secret-key", "wrong", "session", "decode", cookie.trim()])
        .assert()
        .code(1);
    // Encoding gives Django's bytes and the middleware's header.
    djsign()
        .args(["--secret-key", "django-insecure-test-key", "--now", "1700000000.25", "session", "encode", "{\"a\":1}", "--set-cookie"])
        .assert()
        .success()
        .stdout("Set-Cookie: sessionid=eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax\n");
    djsign()
        .args([
            "--secret-key",
            "django-insecure-test-key",
            "--setting",
            "SESSION_COOKIE_AGE=300",
            "--setting",
            "SESSION_COOKIE_NAME=\"sid\"",
            "--now",
            "1700000000.25",
            "session",
            "encode",
            "{\"a\":1}",
            "--set-cookie",
        ])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("sid=eyJhIjoxfQ:")
                .and(predicates::str::contains("Max-Age=300;")),
        );
    // Stored session data: legacy format on 3.0, read back by 3.2.
    djsign()
        .args([
            "--secret-key",
            "django-insecure-test-key",
            "--django",
            "3.0",
            "session",
            "encode",
            "{\"a\":1}",
            "--backend",
            "db",
        ])
        .assert()
        .success()
        .stdout("ZWVlZDBhZWE2NGE4MGM4ZmZlZGE1YTYxM2Q3MjRmZmNjYmYxNmM3ZDp7ImEiOjF9\n");
    djsign()
        .args([
            "--secret-key",
            "django-insecure-test-key",
            "--django",
            "3.2",
            "session",
            "decode",
            "--backend",
            "db",
            "ZWVlZDBhZWE2NGE4MGM4ZmZlZGE1YTYxM2Q3MjRmZmNjYmYxNmM3ZDp7ImEiOjF9",
        ])
        .assert()
        .success()
        .stdout("{\"a\":1}\n");
    djsign()
        .args([
            "--secret-key",
            "django-insecure-test-key",
            "session",
            "encode",
            "[1]",
        ])
        .assert()
        .code(5);
}

#[test]
fn signed_cookie_messages_and_cookie_header() {
    let k = [
        "--secret-key",
        "django-insecure-test-key",
        "--now",
        "1700000000.25",
    ];
    // Django's vectors: the v2 salt (6.1) and the legacy one (5.2.14).
    djsign()
        .args(k)
        .args(["signed-cookie", "set", "name", "val", "--salt", "s"])
        .assert()
        .success()
        .stdout("val:1r31eq:mnoq236ctzNT-EHOfH7MX80RYAUtEN-3yt_ZaTuNn04\n");
    djsign()
        .args(k)
        .args([
            "--django",
            "5.2.14",
            "signed-cookie",
            "set",
            "name",
            "val",
            "--salt",
            "s",
        ])
        .assert()
        .success()
        .stdout("val:1r31eq:CJcEuayekeB9PHv6MBHBGgBz-gnkkq6k5P0UQLXhli4\n");
    djsign()
        .args(k)
        .args([
            "--django",
            "6.0.10",
            "signed-cookie",
            "get",
            "name",
            "val:1r31eq:CJcEuayekeB9PHv6MBHBGgBz-gnkkq6k5P0UQLXhli4",
            "--salt",
            "s",
        ])
        .assert()
        .success()
        .stdout("val\n");
    djsign()
        .args(k)
        .args([
            "signed-cookie",
            "get",
            "name",
            "val:1r31eq:CJcEuayekeB9PHv6MBHBGgBz-gnkkq6k5P0UQLXhli4",
            "--salt",
            "s",
        ])
        .assert()
        .code(1);
    djsign()
        .args([
            "--secret-key",
            "django-insecure-test-key",
            "--now",
            "1700000100",
        ])
        .args([
            "signed-cookie",
            "get",
            "name",
            "val:1r31eq:mnoq236ctzNT-EHOfH7MX80RYAUtEN-3yt_ZaTuNn04",
            "--salt",
            "s",
            "--max-age",
            "10",
        ])
        .assert()
        .code(3);
    // Messages: Django 6.1's cookie for the spec's three messages decodes.
    djsign().args(k).args(["messages", "decode",
        ".eJyLjlaKj88qzs-Lz00tLk5MT1XSMdAxMtBRykjNyclXitXBlDfUMQbK2yTZVdjoJ9kp6SiVJKZjVWigYwJUGFNqYJBqCVSmFBsLAKL1Iak:1r31eq:bVC1QhYM6AFTUmfKsb2mYPw6oTfNUlofWyP6uSj7Rf0"])
        .assert().success()
        .stdout("[{\"level\":20,\"message\":\"hello\",\"extra_tags\":null,\"safe\":false},{\"level\":30,\"message\":\"<b>x</b>\",\"extra_tags\":\"tag\",\"safe\":true},{\"level\":40,\"message\":\"\\u00e9\",\"extra_tags\":\"\",\"safe\":false}]\n");
    let out = djsign()
        .args(k)
        .args([
            "messages",
            "encode",
            "[{\"level\":25,\"message\":\"ok\",\"extra_tags\":null}]",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "W1siX19qc29uX21lc3NhZ2UiLDAsMjUsIm9rIl1d:1r31eq:Qapswzj7wCxJtBQMsRoiJK1QYoIN9JXqr8hYbeva-ik\n"
    );
    djsign()
        .args(k)
        .args(["messages", "decode", "forged:1:x"])
        .assert()
        .code(1);
    djsign()
        .args(k)
        .args(["messages", "encode", "{}"])
        .assert()
        .code(5);
    // A whole Cookie header.
    djsign().env("DJANGO_SESSION_ENGINE", "django.contrib.sessions.backends.signed_cookies")
        .args(k).args(["cookies", "sessionid=eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk; csrftoken=abc; x=1"])
        .assert().success()
        .stdout(predicates::str::contains("\"sessionid\":{\"kind\":\"session (signed_cookies)\",\"session\":{\"a\":1}}")
            .and(predicates::str::contains("\"csrftoken\":{\"kind\":\"CSRF cookie\",\"form\":\"malformed\"}")));
}

/// Cache entries (pickles) through the binary: every protocol-5 pickle Python wrote in
/// `fixtures/pickles.json` decodes to its JSON and encodes back to the same hex.
#[test]
fn cache_entries_as_hex_pickles() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pickles.json");
    let cases: J = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
    let mut seen = 0;
    for case in cases["cases"].as_array().unwrap() {
        let (json, hex) = (
            case["json"].as_str().unwrap(),
            case["pickle"].as_str().unwrap(),
        );
        if case["protocol"] != 5 || !json.starts_with('{') || json.len() > 2000 {
            continue;
        }
        seen += 1;
        djsign()
            .args([
                "--secret-key",
                SECRET,
                "session",
                "decode",
                "--backend",
                "cache",
                hex,
            ])
            .assert()
            .success()
            .stdout(format!("{json}\n"));
        djsign()
            .args([
                "--secret-key",
                SECRET,
                "session",
                "encode",
                "--backend",
                "cache",
                json,
            ])
            .assert()
            .success()
            .stdout(format!("{hex}\n"));
    }
    assert!(seen >= 4);
    djsign()
        .args([
            "--secret-key",
            SECRET,
            "session",
            "decode",
            "--backend",
            "cache",
            "8002636461746574696d650a646174650a",
        ])
        .assert()
        .code(5)
        .stderr(predicates::str::contains(
            "unsupported pickled type: datetime.date",
        ));
}

/// JSON typed by a person and keys set in the environment are UTF-8 text; the tokens are
/// what Django 5.2.19's `signing.dumps(obj, key=…)` gave at time 1700000000
/// (`ensure_ascii` escapes, surrogate pairs for emoji).
#[test]
fn non_ascii_json_and_keys_are_read_as_utf8() {
    for (json, token) in [
        (
            r#"{"n":"é"}"#,
            "eyJuIjoiXHUwMGU5In0:1r31eq:3jT1p4jXfpfZuqIAVvWNpSSlXUSthD7HumhwIAw9tX4",
        ),
        (
            r#"{"n":"漢字","e":"🎉"}"#,
            "eyJuIjoiXHU2ZjIyXHU1YjU3IiwiZSI6Ilx1ZDgzY1x1ZGY4OSJ9:1r31eq:MQn0ZQuG9BkHBWdkz3bc78qQOqcaCb0zqSC1C82kJJo",
        ),
    ] {
        let out = djsign()
            .args(["--secret-key", "k", "--now", "1700000000", "dumps", json])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), token);
        let out = djsign()
            .args(["--secret-key", "k", "loads", token])
            .output()
            .unwrap();
        let back: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(back, serde_json::from_str::<J>(json).unwrap());
    }
    // Signed by Django with SECRET_KEY = "clé", read with it as a fallback key: from the
    // environment (JSON), from a file, and refused without it.
    let by_old_key = "eyJ4IjoxfQ:1r31eq:u7GBOePRRx3t_W1yKXQbs-QhDK_AatRplm1v3Oj5CMw";
    djsign()
        .env("DJANGO_SECRET_KEY_FALLBACKS", r#"["clé"]"#)
        .args(["--secret-key", "new", "loads", by_old_key])
        .assert()
        .success()
        .stdout(predicates::str::contains(r#"{"x":1}"#));
    let file = std::env::temp_dir().join(format!("djsign-fallbacks-{}", std::process::id()));
    std::fs::write(&file, "first-old-key\n\nclé\n").unwrap();
    djsign()
        .args(["--secret-key", "new", "--fallback-key-file"])
        .arg(&file)
        .args(["loads", by_old_key])
        .assert()
        .success()
        .stdout(predicates::str::contains(r#"{"x":1}"#));
    djsign()
        .args(["--secret-key", "new", "loads", by_old_key])
        .assert()
        .code(1);
    std::fs::remove_file(&file).unwrap();
}

/// `--django X.Y` is the newest release of the series djsign knows: `5.2` is 5.2.19, which
/// signs cookies with the v2 salt (fixtures/sessions-5.2.json, `set_signed_cookie` of
/// "val" with salt "s" at 1700000000.25); `5.2.0` is the first release, which does not.
#[test]
fn a_django_series_means_its_newest_release() {
    let run = |django: &str| {
        let out = djsign()
            .args([
                "--secret-key",
                "django-insecure-test-key",
                "--now",
                "1700000000.25",
            ])
            .args([
                "--django",
                django,
                "signed-cookie",
                "set",
                "name",
                "val",
                "--salt",
                "s",
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        run("5.2"),
        "val:1r31eq:mnoq236ctzNT-EHOfH7MX80RYAUtEN-3yt_ZaTuNn04\n"
    );
    assert_eq!(run("5.2.19"), run("5.2"));
    assert_eq!(
        run("5.2.0"),
        "val:1r31eq:CJcEuayekeB9PHv6MBHBGgBz-gnkkq6k5P0UQLXhli4\n"
    );
}

/// `DJANGO_<NAME>` variables as django-environ users write them do not stop a command.
#[test]
fn settings_from_the_environment_as_projects_write_them() {
    djsign()
        .env("DJANGO_USE_TZ", "1")
        .env("DJANGO_SESSION_COOKIE_SECURE", "True")
        .env("DJANGO_SESSION_COOKIE_DOMAIN", "None")
        .args([
            "inspect",
            "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk",
        ])
        .assert()
        .success();
    // Comma-separated fallback keys: the second one signed this token.
    let by_old_key = "eyJ4IjoxfQ:1r31eq:u7GBOePRRx3t_W1yKXQbs-QhDK_AatRplm1v3Oj5CMw";
    djsign()
        .env("DJANGO_SECRET_KEY_FALLBACKS", "first-old-key, clé")
        .args(["--secret-key", "new", "loads", by_old_key])
        .assert()
        .success();
    djsign()
        .env("DJANGO_USE_TZ", "maybe")
        .args(["--secret-key", "k", "sign", "v"])
        .assert()
        .code(5)
        .stderr(predicates::str::contains("DJANGO_USE_TZ"));
}

/// Values Django handles that the CLI once refused: an empty session is still a token
/// (Django 6.1.3's `SessionStore().save()` at 1700000000.25 with this key), and an empty
/// messages cookie is no messages.
#[test]
fn empty_sessions_and_messages_as_django_reads_them() {
    djsign()
        .args([
            "--secret-key",
            "django-insecure-test-key",
            "--now",
            "1700000000.25",
        ])
        .args(["session", "encode", "{}"])
        .assert()
        .success()
        .stdout("e30:1r31eq:qQubPKIxKE-3C6ga_zZBYkG5lz63Q7GRKhTJMgeZO88\n");
    djsign()
        .args(["--secret-key", "k", "messages", "decode", ""])
        .assert()
        .success()
        .stdout("[]\n");
}

/// Legacy (pre-3.1) `session_data` that Django 2.2's `decode` raises on (non-ASCII text:
/// `UnicodeEncodeError`) is a malformed payload, exit 4, not a wrong argument.
#[test]
fn undecodable_legacy_session_data_is_malformed() {
    djsign()
        .args(["--secret-key", "k", "--django", "2.2"])
        .args(["session", "decode", "--backend", "db", "é"])
        .assert()
        .code(4);
}

/// `--max-age` takes seconds or a number with a unit; the age here is exactly one hour,
/// which Django accepts for a `max_age` of 3600 and refuses for anything less.
#[test]
fn max_age_with_units() {
    let token = djsign()
        .args([
            "--secret-key",
            "k",
            "--now",
            "1700000000",
            "dumps",
            r#"{"a":1}"#,
        ])
        .output()
        .unwrap()
        .stdout;
    let token = String::from_utf8(token).unwrap();
    for (max_age, code) in [
        ("1h", 0),
        ("3600", 0),
        ("60m", 0),
        ("59m", 3),
        ("0.5h", 3),
        ("14d", 0),
        ("1x", 5),
    ] {
        djsign()
            .args([
                "--secret-key",
                "k",
                "--now",
                "1700003600",
                "loads",
                "--max-age",
                max_age,
            ])
            .arg(token.trim())
            .assert()
            .code(code);
    }
}

/// `inspect` fails (exit 1) when keys were given and none verifies the value, still
/// showing what it holds, and names a value without a separator as not signed.
#[test]
fn inspect_fails_when_nothing_verifies() {
    let token = "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk";
    djsign()
        .args(["--secret-key", "not-the-key", "inspect", token])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("UNVERIFIED"));
    djsign()
        .args(["--now", "1700090061.5", "inspect", token])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "age:              1d 1h 1m 1s (90061.500 s)",
        ));
    djsign()
        .args(["inspect", "novalue"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not a signed value"));
}

/// `cookies` reads the session cookie by `SESSION_ENGINE`: Django's default, the db
/// engine, puts a session key there, not a signed session.
#[test]
fn cookies_tell_session_keys_from_signed_sessions() {
    djsign()
        .args([
            "--secret-key",
            "k",
            "cookies",
            "sessionid=0123456789abcdefghijklmnopqrstuv",
        ])
        .assert()
        .success()
        .stdout(
            r#"{"sessionid":{"kind":"session key (db engine)","valid_key":true}}
"#,
        );
    djsign()
        .env(
            "DJANGO_SESSION_ENGINE",
            "django.contrib.sessions.backends.cache",
        )
        .args(["cookies", "sessionid=Not-A-Key"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            r#""kind":"session key (cache engine)","valid_key":false"#,
        ));
}

/// `password-reset make` mints the token real Django minted in the fixtures (non-ASCII
/// emails, aware and naive last logins, server UTC offsets, fallback keys on 4.1+), with
/// the password hash from a file, standard input or the environment, never printed;
/// `check` answers as Django's `check_token` with its exit status.
#[test]
fn password_reset_links_as_django_makes_and_checks_them() {
    let dir = std::env::temp_dir().join(format!("djsign-cli-reset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ran = 0;
    for line in ["3.0", "3.2", "4.2", "6.1"] {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/reset-{line}.json"));
        let data: J = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        let django = data["django"].as_str().unwrap();
        for case in data["cases"].as_array().unwrap() {
            let op = case["op"].as_str().unwrap();
            let cfg = &case["cfg"];
            if !matches!(op, "make" | "check")
                || cfg.get("dha").is_some()
                || cfg.get("timeout").is_some()
            {
                continue;
            }
            let u = &case["user"];
            let hash = u["password"].as_str().unwrap();
            let mut c = djsign();
            c.args(["--django", django, "--now", &case["now"].to_string()])
                .args([
                    "--secret-key",
                    cfg["secret"]
                        .as_str()
                        .unwrap_or(data["secret_key"].as_str().unwrap()),
                ]);
            for k in cfg["fallbacks"].as_array().into_iter().flatten() {
                c.args(["--fallback-key", k.as_str().unwrap()]);
            }
            if let Some(d) = cfg["timeout_days"].as_i64() {
                c.args(["--setting", &format!("PASSWORD_RESET_TIMEOUT_DAYS={d}")]);
            }
            c.arg("password-reset").arg(op);
            c.args([
                "--user-id",
                u["pk"].as_str().unwrap(),
                "--email",
                u["email"].as_str().unwrap(),
            ])
            .args(["--utc-offset", &case["utc_offset"].to_string()]);
            if let Some(t) = u["last_login"].as_str() {
                c.args(["--last-login", t]);
            }
            if let Some(s) = cfg["key_salt"].as_str() {
                c.args(["--key-salt", s]);
            }
            if let Some(a) = cfg["algorithm"].as_str() {
                c.args(["--algorithm", a]);
            }
            // The hash by each route in turn.
            match ran % 3 {
                0 => {
                    let f = dir.join("hash");
                    std::fs::write(&f, format!("{hash}\n")).unwrap();
                    c.arg("--password-hash-file").arg(&f);
                }
                1 => {
                    c.args(["--password-hash-file", "-"])
                        .write_stdin(format!("{hash}\n"));
                }
                _ => {
                    c.env("DJSIGN_PASSWORD_HASH", hash);
                }
            }
            if op == "check" {
                // After `--`: a token may start with "-".
                c.args(["--", case["token"].as_str().unwrap()]);
            }
            let out = c.output().unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            assert!(!stdout.contains(hash) || hash.len() < 12, "{case}");
            if op == "make" {
                let want = format!(
                    "{}/{}/",
                    djsign::auth::tokens::uidb64_encode(u["pk"].as_str().unwrap()),
                    case["ok"].as_str().unwrap()
                );
                assert_eq!(stdout.trim_end(), want, "Django {django}: {case}");
                assert_eq!(out.status.code(), Some(0));
            } else {
                let valid = case["ok"].as_bool().unwrap();
                assert_eq!(
                    out.status.code() == Some(0),
                    valid,
                    "Django {django}: {case}: {stdout}"
                );
                if !valid {
                    assert!(matches!(out.status.code(), Some(1 | 3 | 4)), "{case}");
                }
            }
            ran += 1;
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(ran > 500, "{ran}");
}

/// Errors about the user's own arguments say so, and which argument: exit 5, kind
/// `invalid_argument` in `--json`.
#[test]
fn argument_errors_name_the_argument() {
    let out = djsign()
        .args([
            "--secret-key",
            SECRET,
            "unsign",
            "--timestamp",
            "--max-age",
            "5x",
            "v:1:x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("djsign: invalid argument: --max-age \"5x\""),
        "{err}"
    );
    let out = djsign()
        .args(["--json", "--setting", "NOPE", "sign", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let j: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["error"]["kind"], "invalid_argument");
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--setting \"NOPE\""),
        "{j}"
    );
}

/// `SECRET_KEY_FALLBACKS` from the environment (or `--setting`) on a Django without
/// fallback keys (before 4.1) is ignored as Django ignores it, with a warning; an explicit
/// `--fallback-key` is still refused there.
#[test]
fn fallbacks_from_the_environment_are_ignored_before_django_4_1() {
    let expected = djsign::Signer::builder()
        .key(SECRET)
        .version(djsign::DjangoVersion::V3_2)
        .build()
        .unwrap()
        .sign("x");
    let out = djsign()
        .env("DJANGO_SECRET_KEY_FALLBACKS", r#"["old-key"]"#)
        .args(["--secret-key", SECRET, "--django", "3.2.25", "sign", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), expected);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("SECRET_KEY_FALLBACKS ignored: Django 3.2.25"),
        "{err}"
    );
    let out = djsign()
        .args([
            "--secret-key",
            SECRET,
            "--django",
            "3.2",
            "--fallback-key",
            "old-key",
            "sign",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    // From 4.1 the same variable is read.
    let out = djsign()
        .env("DJANGO_SECRET_KEY_FALLBACKS", r#"["old-key"]"#)
        .args(["--secret-key", SECRET, "--django", "4.1", "sign", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}
