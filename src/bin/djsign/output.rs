//! What a command prints, and the human-readable times it prints.

/// What a command prints on success: plain text, or a JSON value already serialized.
pub(crate) enum Output {
    Text(String),
    Json(Vec<u8>),
    /// Printed as the inner output, then the command fails with this exit status (an
    /// `inspect` that nothing verifies).
    Failed(Box<Output>, u8),
}

/// A duration as a person reads it: `1116d 0h 32m 35s`, `-5s` for one in the future.
pub(crate) fn human_duration(secs: f64) -> String {
    let sign = if secs < 0.0 { "-" } else { "" };
    let total = secs.abs().floor() as u64;
    let (d, h, m, s) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{sign}{s}s"),
        (0, 0, _) => format!("{sign}{m}m {s}s"),
        (0, _, _) => format!("{sign}{h}h {m}m {s}s"),
        _ => format!("{sign}{d}d {h}h {m}m {s}s"),
    }
}

pub(crate) fn date(secs: f64) -> String {
    let fmt = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(secs.floor() as i64)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_else(|| "out of range".into())
}
