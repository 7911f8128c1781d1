//! `djsign password-reset make|check`: Django's password-reset links
//! (`djsign::auth::tokens`).

use djsign::auth::tokens::{self, PasswordResetTokenGenerator, ResetTokenError, ResetUser};
use djsign::pyjson::{self, Dict, Value};
use djsign::sessions::PyDateTime;
use djsign::{Algorithm, Settings};

use crate::error::CliError;
use crate::input::{invalid, read_arg};
use crate::output::Output;

/// The user a token is for, as Django's user table holds it.
#[derive(clap::Args, Debug)]
pub(crate) struct UserArgs {
    /// The user's primary key, as `str(user.pk)`.
    #[arg(long, value_name = "PK")]
    user_id: String,
    /// File holding the user's stored password hash (`auth_user.password`); "-" reads
    /// standard input. Or set DJSIGN_PASSWORD_HASH. Never printed.
    #[arg(long, value_name = "PATH", env = "DJSIGN_PASSWORD_HASH_FILE")]
    password_hash_file: Option<String>,
    /// `last_login` as the database holds it (ISO 8601, e.g. 2026-01-02T03:04:05+00:00);
    /// omit for a user who never logged in.
    #[arg(long, value_name = "DATETIME")]
    last_login: Option<String>,
    /// The user's email (Django 3.2+ binds tokens to it).
    #[arg(long, default_value = "")]
    email: String,
    /// The server's UTC offset under its TIME_ZONE now: seconds, or ±HH:MM (default 0, UTC).
    #[arg(
        long,
        value_name = "OFFSET",
        default_value = "0",
        allow_hyphen_values = true
    )]
    utc_offset: String,
    /// A subclass's key_salt (default: PasswordResetTokenGenerator's).
    #[arg(long)]
    key_salt: Option<String>,
    /// A subclass's algorithm (3.1+; default: the Django version's).
    #[arg(long)]
    algorithm: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
pub(crate) enum PasswordResetCommand {
    /// Mint a reset link's `<uidb64>/<token>/`, as `PasswordResetForm` puts it in the email.
    #[command(
        after_help = "Example: djsign --secret-key k password-reset make --user-id 42 --password-hash-file hash.txt --email a@example.com"
    )]
    Make {
        #[command(flatten)]
        user: UserArgs,
    },
    /// Check a token (or a whole `<uidb64>/<token>/` path) as `PasswordResetConfirmView`
    /// does: exit 0 valid, 1 not this user's, 3 expired, 4 not a token.
    #[command(
        after_help = "Example: djsign --secret-key k password-reset check MQ/bxodq8-8721…/ --user-id 1 --password-hash-file hash.txt"
    )]
    Check {
        /// The token, or `<uidb64>/<token>/` ("-" reads standard input).
        token: String,
        #[command(flatten)]
        user: UserArgs,
    },
}

fn password_hash(args: &UserArgs) -> Result<String, CliError> {
    if let Some(path) = &args.password_hash_file {
        return if path == "-" {
            read_arg("-")
        } else {
            std::fs::read_to_string(path)
                .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
                .map_err(|e| invalid(format!("--password-hash-file {path}: {e}")))
        };
    }
    std::env::var("DJSIGN_PASSWORD_HASH").map_err(|_| {
        invalid("the user's password hash is needed: --password-hash-file PATH, or DJSIGN_PASSWORD_HASH".into())
    })
}

/// Seconds, or `±HH:MM`.
fn utc_offset(text: &str) -> Result<i64, CliError> {
    let bad = || invalid(format!("--utc-offset {text}: expected seconds or ±HH:MM"));
    if let Ok(s) = text.parse::<i64>() {
        return Ok(s);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60))
}

fn generator(args: &UserArgs, s: &Settings) -> Result<PasswordResetTokenGenerator, CliError> {
    let mut g = PasswordResetTokenGenerator::new(s).utc_offset(utc_offset(&args.utc_offset)?);
    if let Some(salt) = &args.key_salt {
        g = g.key_salt(salt.as_str());
    }
    if let Some(a) = &args.algorithm {
        g = g.algorithm(a.parse::<Algorithm>()?);
    }
    Ok(g)
}

fn last_login(args: &UserArgs) -> Result<Option<PyDateTime>, CliError> {
    args.last_login
        .as_deref()
        .map(|t| {
            PyDateTime::from_isoformat(t)
                .map_err(|_| invalid(format!("--last-login {t}: not an ISO 8601 date-time")))
        })
        .transpose()
}

pub(crate) fn run(
    cmd: &PasswordResetCommand,
    s: &Settings,
    now: f64,
    json: bool,
) -> Result<Output, CliError> {
    let args = match cmd {
        PasswordResetCommand::Make { user } | PasswordResetCommand::Check { user, .. } => user,
    };
    let hash = password_hash(args)?;
    let mut user = ResetUser::new(&args.user_id, &hash).email(&args.email);
    user.last_login = last_login(args)?;
    let g = generator(args, s)?;
    match cmd {
        PasswordResetCommand::Make { .. } => {
            let path = format!(
                "{}/{}/",
                tokens::uidb64_encode(&args.user_id),
                g.make_token_at(&user, now)
            );
            Ok(Output::Text(path))
        }
        PasswordResetCommand::Check { token, .. } => {
            let given = read_arg(token)?;
            // A whole `<uidb64>/<token>/` path: its uidb64 must name this user.
            let parts: Vec<&str> = given.trim_matches('/').split('/').collect();
            let (uid, token) = match parts.as_slice() {
                [uid, token] => (Some(*uid), *token),
                _ => (None, given.as_str()),
            };
            let result = match uid.map(tokens::uidb64_decode) {
                Some(found) if found.as_deref() != Some(args.user_id.as_str()) => {
                    Err(ResetTokenError::Invalid)
                }
                _ => g.check_token_at(&user, token, now),
            };
            let (reason, code) = match result {
                Ok(()) => (None, 0),
                Err(ResetTokenError::Invalid) => (Some("invalid"), 1),
                Err(ResetTokenError::Expired) => (Some("expired"), 3),
                Err(ResetTokenError::Malformed) => (Some("malformed"), 4),
            };
            let out = if json {
                let mut d = Dict::new();
                d.insert("valid", Value::Bool(result.is_ok()));
                d.insert("reason", reason.map_or(Value::Null, Value::from));
                Output::Json(pyjson::to_vec(&Value::Dict(d)))
            } else {
                Output::Text(match result {
                    Ok(()) => "valid".into(),
                    Err(e) => e.to_string(),
                })
            };
            Ok(if code == 0 {
                out
            } else {
                Output::Failed(Box::new(out), code)
            })
        }
    }
}
