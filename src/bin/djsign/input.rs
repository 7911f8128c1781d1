//! What the user gives: arguments (standard input for `-`), the settings from flags,
//! files and the environment, and the signer options.

use std::io::Read;

use djsign::pyjson::{self};
use djsign::signing::{SignerBuilder, SignerKind};
use djsign::{Algorithm, MaxAge, SecretKey, Settings};

use crate::args::*;
use crate::error::CliError;

pub(crate) fn read_arg(v: &str) -> Result<String, CliError> {
    if v != "-" {
        return Ok(v.to_owned());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| invalid(format!("cannot read standard input: {e}")))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_owned())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex digits (whitespace ignored, as `xxd -p` wraps lines) to bytes.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

pub(crate) fn invalid(msg: String) -> CliError {
    CliError::Argument(msg)
}

pub(crate) fn settings(cli: &Cli) -> Result<Settings, CliError> {
    let key = match (&cli.secret_key_file, &cli.secret_key) {
        (Some(path), _) => std::fs::read_to_string(path)
            .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
            .map_err(|e| {
                invalid(format!(
                    "cannot read --secret-key-file {}: {e}",
                    path.display()
                ))
            })?,
        (None, Some(k)) => k.clone(),
        (None, None) => String::new(),
    };
    let mut s = Settings::new(key);
    if let Some(v) = &cli.django {
        s.version = v.parse()?;
    }
    s.apply_env(std::env::vars().filter(|(k, _)| k != "DJANGO_SECRET_KEY"))?;
    for entry in &cli.settings {
        let (name, json) = entry
            .split_once('=')
            .ok_or_else(|| invalid(format!("--setting {entry:?}: expected NAME=JSON")))?;
        let value = pyjson::from_str(json)
            .map_err(|e| invalid(format!("--setting {name}: the value is not JSON ({e}); quote strings, e.g. {name}='\"sha1\"'")))?;
        s.set(name, &value)?;
    }
    if !s.secret_key_fallbacks.is_empty() && !s.version.has_fallback_keys() {
        // Django before 4.1 has no such setting and ignores it; so does djsign when it
        // comes with the project's settings (an explicit --fallback-key is refused below).
        eprintln!(
            "djsign: SECRET_KEY_FALLBACKS ignored: Django {} has no fallback keys (4.1+)",
            s.version
        );
        s.secret_key_fallbacks.clear();
    }
    let mut fallbacks: Vec<SecretKey> = cli.fallback_keys.iter().map(SecretKey::from).collect();
    for path in &cli.fallback_key_files {
        let text = std::fs::read_to_string(path).map_err(|e| {
            invalid(format!(
                "cannot read --fallback-key-file {}: {e}",
                path.display()
            ))
        })?;
        let lines = text.lines().map(|l| l.trim_end_matches('\r'));
        fallbacks.extend(lines.filter(|l| !l.is_empty()).map(SecretKey::from));
    }
    if !fallbacks.is_empty() {
        s.secret_key_fallbacks = fallbacks;
    }
    Ok(s)
}

pub(crate) fn need_key(s: &Settings) -> Result<(), CliError> {
    if s.secret_key.is_empty() {
        return Err(invalid(
            "no secret key: pass --secret-key KEY, --secret-key-file PATH or set DJANGO_SECRET_KEY"
                .into(),
        ));
    }
    Ok(())
}

/// `--max-age`: seconds (integer or fractional, as Django's `max_age`), or a number with a
/// unit: `s`, `m`, `h`, `d` or `w` (`90s`, `1h`, `14d`).
pub(crate) fn parse_max_age(v: &Option<String>) -> Result<Option<MaxAge>, CliError> {
    let Some(v) = v else { return Ok(None) };
    let bad = || {
        invalid(format!(
            "--max-age {v:?}: expected seconds, or a number with a unit (90s, 15m, 1h, 14d, 2w)"
        ))
    };
    let (number, scale) = match v.char_indices().last() {
        Some((at, unit @ ('s' | 'm' | 'h' | 'd' | 'w'))) => (
            &v[..at],
            match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => 604_800,
            },
        ),
        _ => (v.as_str(), 1),
    };
    if let Ok(i) = number.parse::<i64>() {
        return i
            .checked_mul(scale)
            .map(|s| Some(MaxAge::Seconds(s)))
            .ok_or_else(bad);
    }
    number
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() || scale == 1)
        .map(|f| Some(MaxAge::Fractional(f * scale as f64)))
        .ok_or_else(bad)
}

pub(crate) fn parse_algorithm(v: &Option<String>) -> Result<Option<Algorithm>, CliError> {
    Ok(v.as_deref().map(str::parse).transpose()?)
}

/// Applies the settings and the command's signer options to a builder.
pub(crate) fn configure<K: SignerKind>(
    builder: SignerBuilder<K>,
    settings: &Settings,
    salt: Option<&str>,
    sep: &str,
    algorithm: &Option<String>,
) -> Result<K::Output, CliError> {
    let mut b = builder.settings(settings).sep(sep);
    if let Some(salt) = salt {
        b = b.salt(salt);
    }
    if let Some(a) = parse_algorithm(algorithm)? {
        b = b.algorithm(a);
    }
    Ok(b.build()?)
}

impl SignerArgs {
    pub(crate) fn build<K: SignerKind>(
        &self,
        builder: SignerBuilder<K>,
        s: &Settings,
    ) -> Result<K::Output, CliError> {
        configure(builder, s, self.salt.as_deref(), &self.sep, &self.algorithm)
    }
}
