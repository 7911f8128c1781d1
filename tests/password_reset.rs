//! Every case of every `fixtures/reset-<X.Y>.json` (written by real Django's
//! `PasswordResetTokenGenerator` with its clock frozen, `django/generate/generate_reset.py`)
//! against djsign's, naming each failing case and version.

use djsign::auth::tokens::{self, PasswordResetTokenGenerator, ResetUser};
use djsign::sessions::PyDateTime;
use djsign::{Algorithm, SecretKey, Settings};
use serde_json::Value as J;

#[path = "common/fixtures.rs"]
mod fixtures;

fn generator(f: &fixtures::FixtureFile, cfg: &J) -> PasswordResetTokenGenerator {
    let mut s = Settings::new(cfg["secret"].as_str().unwrap_or(&f.secret_key));
    s.version = f.version;
    if let Some(d) = cfg["dha"].as_str() {
        s.default_hashing_algorithm = Some(d.parse().unwrap());
    }
    if let Some(fb) = cfg["fallbacks"].as_array() {
        s.secret_key_fallbacks = fb
            .iter()
            .map(|k| SecretKey::from(k.as_str().unwrap()))
            .collect();
    }
    if let Some(t) = cfg["timeout"].as_i64() {
        s.password_reset_timeout = t;
    }
    s.password_reset_timeout_days = cfg["timeout_days"].as_i64();
    let mut g = PasswordResetTokenGenerator::new(&s);
    if let Some(salt) = cfg["key_salt"].as_str() {
        g = g.key_salt(salt);
    }
    if let Some(a) = cfg["algorithm"].as_str() {
        g = g.algorithm(a.parse::<Algorithm>().unwrap());
    }
    g
}

fn user(u: &J) -> ResetUser<'_> {
    let mut user = ResetUser::new(u["pk"].as_str().unwrap(), u["password"].as_str().unwrap())
        .email(u["email"].as_str().unwrap());
    if let Some(t) = u["last_login"].as_str() {
        user = user.last_login(PyDateTime::from_isoformat(t).unwrap());
    }
    user
}

#[test]
fn every_django_version_every_case() {
    let mut failures = Vec::new();
    let (mut run, mut accepted) = (0, 0);
    for f in fixtures::fixture_files("reset-") {
        for case in f.data["cases"].as_array().unwrap() {
            run += 1;
            let now = case["now"].as_f64().unwrap_or(0.0);
            let offset = case["utc_offset"].as_i64().unwrap_or(0);
            let got = match case["op"].as_str().unwrap() {
                "make" => J::from(
                    generator(&f, &case["cfg"])
                        .utc_offset(offset)
                        .make_token_at(&user(&case["user"]), now),
                ),
                "check" => {
                    let r = generator(&f, &case["cfg"])
                        .utc_offset(offset)
                        .check_token_at(&user(&case["user"]), case["token"].as_str().unwrap(), now);
                    accepted += usize::from(r.is_ok());
                    J::from(r.is_ok())
                }
                "uid_encode" => J::from(tokens::uidb64_encode(case["pk"].as_str().unwrap())),
                "uid_decode" => J::from(tokens::uidb64_decode(case["s"].as_str().unwrap())),
                other => panic!("unknown op {other}"),
            };
            if got != case["ok"] {
                failures.push(format!(
                    "Django {} case {}: expected {}, got {got}\n    {case}",
                    f.django, case["id"], case["ok"]
                ));
            }
        }
    }
    eprintln!("{run} password-reset cases over 12 versions, {accepted} tokens accepted");
    assert!(accepted > 100, "the cases must include valid tokens");
    if !failures.is_empty() {
        let n = failures.len();
        failures.truncate(30);
        panic!("{n} failing cases:\n{}", failures.join("\n"));
    }
}
