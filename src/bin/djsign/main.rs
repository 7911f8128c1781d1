//! The `djsign` command-line tool: a thin layer over the library's public API.

mod password_reset;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use djsign::pyjson::{self, Value};
use djsign::sessions::backends::stored::DecodeError;
use djsign::signing::{SignerBuilder, SignerKind};
use djsign::{
    Algorithm, Error, ErrorKind, Malformed, MaxAge, SecretKey, Settings, Signer, TimestampSigner,
    dangerous, signing,
};

const EXAMPLES: &str = "Examples:
  djsign --secret-key-file fixtures/secret_key.txt loads --salt django.contrib.sessions.backends.signed_cookies \"$(cat fixtures/session_cookie.txt)\"
  djsign --secret-key 'k' dumps '{\"a\":1}' --compress
  djsign inspect '.eJyrVkpUslIqSSxR0lFKTS4tTsxR0lFKLi1KT...'";

/// Read and write Django's signed values exactly as Django does.
#[derive(Parser, Debug)]
#[command(name = "djsign", version, about, after_help = EXAMPLES)]
struct Cli {
    /// SECRET_KEY (or set DJANGO_SECRET_KEY; prefer --secret-key-file on shared machines).
    #[arg(long, global = true, env = "DJANGO_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Read SECRET_KEY from this file (a trailing newline is removed).
    #[arg(long, global = true, value_name = "PATH")]
    secret_key_file: Option<PathBuf>,
    /// An entry of SECRET_KEY_FALLBACKS; repeat for more (or DJANGO_SECRET_KEY_FALLBACKS as a JSON list).
    #[arg(long = "fallback-key", global = true, value_name = "KEY")]
    fallback_keys: Vec<String>,
    /// Read entries of SECRET_KEY_FALLBACKS from this file, one per line (empty lines are
    /// skipped); repeatable, after any --fallback-key.
    #[arg(long = "fallback-key-file", global = true, value_name = "PATH")]
    fallback_key_files: Vec<PathBuf>,
    /// A Django setting as NAME=JSON, e.g. DEFAULT_HASHING_ALGORITHM="sha1"; repeatable.
    /// DJANGO_<NAME> environment variables are read too; a flag wins.
    #[arg(long = "setting", global = true, value_name = "NAME=JSON")]
    settings: Vec<String>,
    /// The Django version to behave like: X.Y.Z, or X.Y for the newest release of that
    /// series djsign knows (5.2 means 5.2.19, 6.1 means 6.1.3); default 6.1.
    #[arg(long, global = true, value_name = "VERSION")]
    django: Option<String>,
    /// Pin the clock: Unix time in seconds, fractions allowed.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    now: Option<f64>,
    /// Print every result as one JSON object: {"ok": …} or {"error": {"kind", "message"}}.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug)]
struct SignerArgs {
    /// The salt (default: the class default, as in Django).
    #[arg(long)]
    salt: Option<String>,
    /// The separator (default ":").
    #[arg(long, default_value = ":")]
    sep: String,
    /// sha1, sha224, sha256, sha384 or sha512 (default: the Django version's).
    #[arg(long)]
    algorithm: Option<String>,
    /// Use a TimestampSigner.
    #[arg(long)]
    timestamp: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign a string as Signer.sign / TimestampSigner.sign.
    #[command(after_help = "Example: djsign --secret-key k sign hello --timestamp")]
    Sign {
        /// The value ("-" reads standard input).
        value: String,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// Verify a signed string and print its value.
    #[command(
        after_help = "Example: djsign --secret-key k unsign 'hello:…' --timestamp --max-age 60"
    )]
    Unsign {
        /// The signed value ("-" reads standard input).
        token: String,
        #[command(flatten)]
        signer: SignerArgs,
        /// Reject values older than this (with --timestamp): seconds, or 90s, 15m, 1h, 14d, 2w.
        #[arg(long, allow_negative_numbers = true)]
        max_age: Option<String>,
    },
    /// Sign a JSON value as signing.dumps.
    #[command(after_help = "Example: djsign --secret-key k dumps '{\"a\":1}' --compress")]
    Dumps {
        /// The value as JSON ("-" reads standard input).
        #[arg(value_name = "JSON")]
        value: String,
        /// The salt (default "django.core.signing").
        #[arg(long, default_value = signing::DUMPS_SALT)]
        salt: String,
        /// Compress as compress=True does.
        #[arg(long)]
        compress: bool,
        /// sha1, sha224, sha256, sha384 or sha512 (default: the Django version's).
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// Verify a signing.dumps token and print its value as Python's json.dumps does.
    #[command(after_help = "Example: djsign --secret-key k loads 'eyJhIjoxfQ:…' --max-age 300")]
    Loads {
        /// The token ("-" reads standard input).
        token: String,
        /// The salt (default "django.core.signing").
        #[arg(long, default_value = signing::DUMPS_SALT)]
        salt: String,
        /// Reject tokens older than this: seconds, or 90s, 15m, 1h, 14d, 2w.
        #[arg(long, allow_negative_numbers = true)]
        max_age: Option<String>,
        /// sha1, sha224, sha256, sha384 or sha512 (default: the Django version's).
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// Django sessions: encode a session as Django stores it, or decode one.
    #[command(subcommand)]
    Session(SessionCommand),
    /// set_signed_cookie / get_signed_cookie.
    #[command(subcommand)]
    SignedCookie(SignedCookieCommand),
    /// The messages cookie: encode a list of messages, or decode a cookie.
    #[command(subcommand)]
    Messages(MessagesCommand),
    /// Decode every Django cookie in a whole `Cookie:` header.
    #[command(
        after_help = "Example: djsign --secret-key k cookies 'sessionid=…; messages=…; csrftoken=…'"
    )]
    Cookies {
        /// The header value ("-" reads standard input).
        header: String,
    },
    /// Show what a token holds WITHOUT verifying it; with keys, also what verifies it.
    #[command(after_help = "Example: djsign inspect '.eJyrVkpUslIqSSxR0lFKTS4t…'")]
    Inspect {
        /// The token ("-" reads standard input).
        token: String,
    },
    /// Password-reset links: mint one Django accepts, or check one Django sent.
    #[command(subcommand)]
    PasswordReset(password_reset::PasswordResetCommand),
    /// Print shell completions.
    #[command(after_help = "Example: djsign completions bash > /etc/bash_completion.d/djsign")]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Backend {
    /// SESSION_ENGINE "django.contrib.sessions.backends.signed_cookies": the cookie is the session.
    SignedCookies,
    /// The db, cached_db and file engines' stored `session_data`.
    Db,
    /// The cache and cached_db engines' cache entry: the pickled session, in hex
    /// (e.g. `redis-cli --raw GET ':1:django.contrib.sessions.cache<key>' | xxd -p`).
    Cache,
}

#[derive(Subcommand, Debug)]
enum SignedCookieCommand {
    /// The value `response.set_signed_cookie(NAME, VALUE, salt=S)` puts in the cookie.
    #[command(after_help = "Example: djsign --secret-key k signed-cookie set name val --salt s")]
    Set {
        /// Cookie name.
        name: String,
        /// Value ("-" reads standard input).
        value: String,
        /// The salt.
        #[arg(long, default_value = "")]
        salt: String,
    },
    /// `request.get_signed_cookie(NAME, salt=S, max_age=…)` for a cookie value.
    #[command(
        after_help = "Example: djsign --secret-key k signed-cookie get name 'val:1r31eq:…' --salt s"
    )]
    Get {
        /// Cookie name.
        name: String,
        /// The cookie's value ("-" reads standard input).
        token: String,
        /// The salt.
        #[arg(long, default_value = "")]
        salt: String,
        /// Reject values older than this many seconds.
        #[arg(long, allow_negative_numbers = true)]
        max_age: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum MessagesCommand {
    /// Encode messages, a JSON list of {"level", "message", "extra_tags", "safe"}, as the
    /// messages cookie value (trimmed to 2048 bytes as Django trims it).
    #[command(
        after_help = "Example: djsign --secret-key k messages encode '[{\"level\":20,\"message\":\"Saved.\"}]'"
    )]
    Encode {
        /// The messages as JSON ("-" reads standard input).
        #[arg(value_name = "JSON")]
        messages: String,
    },
    /// Decode a messages cookie value into that JSON list.
    #[command(after_help = "Example: djsign --secret-key k messages decode '.eJy…'")]
    Decode {
        /// The cookie value ("-" reads standard input).
        token: String,
    },
}

#[derive(Subcommand, Debug)]
enum SessionCommand {
    /// Encode a session (a JSON object) as Django would store it.
    #[command(
        after_help = "Example: djsign --secret-key k session encode '{\"_auth_user_id\":\"1\"}' --set-cookie"
    )]
    Encode {
        /// The session as a JSON object ("-" reads standard input).
        #[arg(value_name = "JSON")]
        data: String,
        /// The session engine.
        #[arg(long, value_enum, default_value = "signed-cookies")]
        backend: Backend,
        /// Also print the Set-Cookie header SessionMiddleware sends for it.
        #[arg(long)]
        set_cookie: bool,
    },
    /// Decode a session cookie or stored session_data and print the session as JSON.
    #[command(
        after_help = "Example: djsign --secret-key k session decode \"$(cat fixtures/session_cookie.txt)\""
    )]
    Decode {
        /// The cookie value or session_data ("-" reads standard input).
        token: String,
        /// The session engine.
        #[arg(long, value_enum, default_value = "signed-cookies")]
        backend: Backend,
        /// Also enforce the session's own _session_expiry (Django does not, ticket #27775).
        #[arg(long)]
        strict_expiry: bool,
    },
}

/// What a command prints on success: plain text, or a JSON value already serialized.
enum Output {
    Text(String),
    Json(Vec<u8>),
    /// Printed as the inner output, then the command fails with this exit status (an
    /// `inspect` that nothing verifies).
    Failed(Box<Output>, u8),
}

fn read_arg(v: &str) -> Result<String, Error> {
    if v != "-" {
        return Ok(v.to_owned());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| invalid(format!("cannot read standard input: {e}")))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex digits (whitespace ignored, as `xxd -p` wraps lines) to bytes.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

fn invalid(msg: String) -> Error {
    ErrorKind::ImproperlyConfigured(msg).into()
}

fn settings(cli: &Cli) -> Result<Settings, Error> {
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

fn need_key(s: &Settings) -> Result<(), Error> {
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
fn parse_max_age(v: &Option<String>) -> Result<Option<MaxAge>, Error> {
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

fn parse_algorithm(v: &Option<String>) -> Result<Option<Algorithm>, Error> {
    v.as_deref().map(str::parse).transpose()
}

/// Applies the settings and the command's signer options to a builder.
fn configure<K: SignerKind>(
    builder: SignerBuilder<K>,
    settings: &Settings,
    salt: Option<&str>,
    sep: &str,
    algorithm: &Option<String>,
) -> Result<K::Output, Error> {
    let mut b = builder.settings(settings).sep(sep);
    if let Some(salt) = salt {
        b = b.salt(salt);
    }
    if let Some(a) = parse_algorithm(algorithm)? {
        b = b.algorithm(a);
    }
    b.build()
}

impl SignerArgs {
    fn build<K: SignerKind>(
        &self,
        builder: SignerBuilder<K>,
        s: &Settings,
    ) -> Result<K::Output, Error> {
        configure(builder, s, self.salt.as_deref(), &self.sep, &self.algorithm)
    }
}

fn run(cli: &Cli) -> Result<Output, Error> {
    let s = settings(cli)?;
    let now = cli.now.unwrap_or_else(signing::now);
    match &cli.command {
        Command::Sign { value, signer } => {
            need_key(&s)?;
            let value = read_arg(value)?;
            Ok(Output::Text(if signer.timestamp {
                signer
                    .build(TimestampSigner::builder(), &s)?
                    .sign_at(&value, now)
            } else {
                signer.build(Signer::builder(), &s)?.sign(&value)
            }))
        }
        Command::Unsign {
            token,
            signer,
            max_age,
        } => {
            need_key(&s)?;
            let token = read_arg(token)?;
            let max_age = parse_max_age(max_age)?;
            let value = if signer.timestamp {
                signer
                    .build(TimestampSigner::builder(), &s)?
                    .unsign_at(&token, max_age, now)?
            } else if max_age.is_some() {
                return Err(invalid("--max-age needs --timestamp".into()));
            } else {
                signer.build(Signer::builder(), &s)?.unsign(&token)?
            };
            Ok(Output::Text(value.to_owned()))
        }
        Command::Dumps {
            value,
            salt,
            compress,
            algorithm,
        } => {
            need_key(&s)?;
            let text = read_arg(value)?;
            let value = pyjson::from_str(&text)
                .map_err(|e| invalid(format!("the value is not JSON: {e}")))?;
            let t = configure(TimestampSigner::builder(), &s, Some(salt), ":", algorithm)?;
            Ok(Output::Text(t.sign_value_at(&value, *compress, now)))
        }
        Command::Loads {
            token,
            salt,
            max_age,
            algorithm,
        } => {
            need_key(&s)?;
            let token = read_arg(token)?;
            let t = configure(TimestampSigner::builder(), &s, Some(salt), ":", algorithm)?;
            let v = t.unsign_value_at(&token, parse_max_age(max_age)?, now)?;
            Ok(Output::Json(pyjson::to_vec(&v)))
        }
        Command::Inspect { token } => inspect(&read_arg(token)?, &s, now, cli.json),
        Command::Session(cmd) => {
            need_key(&s)?;
            session_command(cmd, &s, now)
        }
        Command::SignedCookie(cmd) => {
            need_key(&s)?;
            match cmd {
                SignedCookieCommand::Set { name, value, salt } => Ok(Output::Text(
                    signing::set_signed_cookie(&s, name, &read_arg(value)?, salt, now)?,
                )),
                SignedCookieCommand::Get {
                    name,
                    token,
                    salt,
                    max_age,
                } => Ok(Output::Text(signing::get_signed_cookie(
                    &s,
                    name,
                    &read_arg(token)?,
                    salt,
                    parse_max_age(max_age)?,
                    now,
                )?)),
            }
        }
        Command::Messages(cmd) => {
            need_key(&s)?;
            let cookie = djsign::messages::MessageCookie::new(&s)?;
            match cmd {
                MessagesCommand::Encode { messages } => {
                    let msgs = messages_from_json(&read_arg(messages)?)?;
                    let stored = cookie.store(&msgs, true, now);
                    if !stored.unstored.is_empty() {
                        eprintln!(
                            "{} message(s) did not fit in the cookie (Django keeps them in the session)",
                            stored.unstored.len()
                        );
                    }
                    Ok(Output::Text(stored.value.unwrap_or_default()))
                }
                MessagesCommand::Decode { token } => {
                    let token = read_arg(token)?;
                    // An empty cookie is no messages to Django (`_decode` returns None for
                    // it before any signature check), not a bad signature.
                    if token.is_empty() {
                        return Ok(Output::Json(b"[]".to_vec()));
                    }
                    let decoded = cookie
                        .decode(&token)?
                        .ok_or_else(|| Error::from(ErrorKind::BadSignature))?;
                    if !decoded.all_retrieved {
                        eprintln!("more messages wait in the session (not-finished marker)");
                    }
                    Ok(Output::Json(pyjson::to_vec(&messages_to_json(
                        &decoded.messages,
                    ))))
                }
            }
        }
        Command::Cookies { header } => cookies_command(&read_arg(header)?, &s, now),
        Command::PasswordReset(cmd) => password_reset::run(cmd, &s, now, cli.json),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "djsign", &mut out);
            Ok(Output::Text(
                String::from_utf8_lossy(&out).trim_end().to_owned(),
            ))
        }
    }
}

fn session_command(cmd: &SessionCommand, s: &Settings, now: f64) -> Result<Output, Error> {
    use djsign::sessions::backends::{signed_cookies::SignedCookieStore, stored::SessionCodec};
    use djsign::sessions::{Session, middleware, new_session_key};
    match cmd {
        SessionCommand::Encode {
            data,
            backend,
            set_cookie,
        } => {
            let Value::Dict(dict) = pyjson::from_str(&read_arg(data)?)
                .map_err(|e| invalid(format!("the session is not JSON: {e}")))?
            else {
                return Err(invalid(
                    "a session is a JSON object, e.g. '{\"a\":1}'".into(),
                ));
            };
            let mut session = Session::new();
            session.update(
                dict.iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default(), v.clone())),
            );
            let mut lines = Vec::new();
            let out = match backend {
                Backend::SignedCookies => {
                    let store = SignedCookieStore::new(s)?;
                    middleware::process_response(&mut session, false, 200, s, now, |x| {
                        store.save(x, now)
                    })?
                }
                Backend::Db | Backend::Cache => {
                    lines.push(match backend {
                        Backend::Db => SessionCodec::new(s)?.encode(&dict, now),
                        _ => hex(&djsign::pickle::to_vec(&Value::Dict(dict.clone()))),
                    });
                    if !*set_cookie {
                        return Ok(Output::Text(lines.join("\n")));
                    }
                    let key =
                        new_session_key().map_err(|e| invalid(format!("no random key: {e}")))?;
                    middleware::process_response(&mut session, false, 200, s, now, |_| {
                        Ok::<_, Error>(key.clone())
                    })?
                }
            };
            let Some(cookie) = out.set_cookie else {
                // An empty session: the middleware sends no cookie, but Django's
                // `SessionStore.save()` still writes a value for it.
                if matches!(backend, Backend::SignedCookies) && !*set_cookie {
                    lines.push(SignedCookieStore::new(s)?.save(&mut session, now)?);
                    return Ok(Output::Text(lines.join("\n")));
                }
                return Err(invalid(
                    "an empty session: Django's middleware sets no cookie for it".into(),
                ));
            };
            lines.push(if *set_cookie {
                format!("Set-Cookie: {cookie}")
            } else {
                cookie.value.clone()
            });
            Ok(Output::Text(lines.join("\n")))
        }
        SessionCommand::Decode {
            token,
            backend,
            strict_expiry,
        } => {
            let token = read_arg(token)?;
            match backend {
                Backend::SignedCookies => {
                    let store = SignedCookieStore::new(s)?.strict_expiry(*strict_expiry);
                    let session = store.load(Some(&token), now);
                    if let Some(e) = session.load_error() {
                        return Err(e.clone());
                    }
                    if let Some(ts) = dangerous::inspect(&token)
                        .and_then(|i| i.timestamp)
                        .and_then(|t| t.as_i64())
                    {
                        eprintln!(
                            "signed at {} ({} s ago)",
                            date(ts as f64),
                            (now - ts as f64).floor()
                        );
                        eprintln!(
                            "expires at {} (SESSION_COOKIE_AGE {} s)",
                            date((ts + s.session_cookie_age) as f64),
                            s.session_cookie_age
                        );
                    }
                    Ok(Output::Json(pyjson::to_vec(&Value::Dict(
                        session.data().clone(),
                    ))))
                }
                Backend::Cache => {
                    let bytes = unhex(&token)
                        .ok_or_else(|| invalid("a cache entry is given in hex".into()))?;
                    let value = djsign::pickle::from_slice(&bytes)
                        .map_err(|e| invalid(format!("not a session pickle: {e}")))?;
                    Ok(Output::Json(pyjson::to_vec(&value)))
                }
                Backend::Db => {
                    let codec = SessionCodec::new(s)?;
                    // What escapes Django's `decode` is a malformed payload (exit 4), not
                    // a wrong argument.
                    let decoded = codec.decode(&token).map_err(|e| match e {
                        DecodeError::Base64(b) => Error::from(Malformed::Base64(b)),
                        DecodeError::NonAscii => {
                            Malformed::Type("legacy session data is not ASCII".into()).into()
                        }
                        DecodeError::Signed(e) => e,
                    })?;
                    if let Some(e) = decoded.error {
                        return Err(e);
                    }
                    Ok(Output::Json(pyjson::to_vec(&decoded.value)))
                }
            }
        }
    }
}

fn messages_from_json(text: &str) -> Result<Vec<djsign::messages::Message>, Error> {
    let bad = || {
        invalid("messages are a JSON list of {\"level\": int, \"message\": str, \"extra_tags\": str|null, \"safe\": bool}".into())
    };
    let Value::List(items) = pyjson::from_str(text).map_err(|_| bad())? else {
        return Err(bad());
    };
    items
        .iter()
        .map(|m| {
            let mut msg = djsign::messages::Message::new(
                m.get("level").and_then(Value::as_i64).ok_or_else(bad)?,
                m.get("message").and_then(Value::as_str).ok_or_else(bad)?,
            );
            match m.get("extra_tags") {
                None => {}
                Some(Value::Null) => msg.extra_tags = None,
                Some(t) => msg.extra_tags = Some(t.as_str().ok_or_else(bad)?.to_owned()),
            }
            msg.safe = matches!(m.get("safe"), Some(Value::Bool(true)));
            Ok(msg)
        })
        .collect()
}

fn messages_to_json(msgs: &[djsign::messages::Message]) -> Value {
    Value::List(
        msgs.iter()
            .map(|m| {
                let mut d = pyjson::Dict::new();
                d.insert("level", Value::Int(m.level));
                d.insert("message", Value::from(m.message.as_str()));
                d.insert(
                    "extra_tags",
                    m.extra_tags.as_deref().map_or(Value::Null, Value::from),
                );
                d.insert("safe", Value::Bool(m.safe));
                Value::Dict(d)
            })
            .collect(),
    )
}

/// Decodes the Django cookies of a `Cookie:` header: the session, messages and CSRF
/// cookies by their names, and any other signed value by what verifies it.
fn cookies_command(header: &str, s: &Settings, now: f64) -> Result<Output, Error> {
    use djsign::sessions::backends::signed_cookies::SignedCookieStore;
    let mut out = pyjson::Dict::new();
    for (name, value) in djsign::http::parse_cookie(header) {
        let mut d = pyjson::Dict::new();
        let signed_cookie_sessions = s.session_engine.ends_with(".signed_cookies");
        if name == s.session_cookie_name && !signed_cookie_sessions {
            // The db, cache, cached_db and file engines put a key into the store here.
            let engine = s.session_engine.rsplit('.').next().unwrap_or_default();
            d.insert(
                "kind",
                Value::from(format!("session key ({engine} engine)")),
            );
            let valid = value.len() >= 8
                && value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            d.insert("valid_key", Value::Bool(valid));
        } else if name == s.session_cookie_name && !s.secret_key.is_empty() {
            let session = SignedCookieStore::new(s)?.load(Some(&value), now);
            d.insert("kind", Value::from("session (signed_cookies)"));
            match session.load_error() {
                None => d.insert("session", Value::Dict(session.data().clone())),
                Some(e) => d.insert("error", Value::from(e.to_string())),
            };
        } else if name == djsign::messages::COOKIE_NAME && !s.secret_key.is_empty() {
            d.insert("kind", Value::from("messages"));
            match djsign::messages::MessageCookie::new(s)?.decode(&value) {
                Ok(Some(m)) => d.insert("messages", messages_to_json(&m.messages)),
                Ok(None) => d.insert(
                    "error",
                    Value::from("bad signature: Django discards this cookie"),
                ),
                Err(e) => d.insert("error", Value::from(e.to_string())),
            };
        } else if name == "csrftoken" {
            d.insert("kind", Value::from("CSRF cookie"));
            let shape = match value.len() {
                32 => "secret (Django 4.1+)",
                64 => "masked token (Django up to 4.0)",
                _ => "malformed",
            };
            d.insert("form", Value::from(shape));
        } else if let Some(found) = (!s.secret_key.is_empty())
            .then(|| dangerous::identify(&value, s))
            .flatten()
        {
            d.insert("kind", Value::from(found.kind));
            d.insert("salt", Value::from(found.salt));
        } else {
            d.insert("kind", Value::from("not recognised (unverified)"));
        }
        out.insert(name, Value::Dict(d));
    }
    Ok(Output::Json(pyjson::to_vec(&Value::Dict(out))))
}

/// A duration as a person reads it: `1116d 0h 32m 35s`, `-5s` for one in the future.
fn human_duration(secs: f64) -> String {
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

fn date(secs: f64) -> String {
    let fmt = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(secs.floor() as i64)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_else(|| "out of range".into())
}

fn inspect(token: &str, s: &Settings, now: f64, json: bool) -> Result<Output, Error> {
    let Some(i) = dangerous::inspect(token) else {
        // Django says `No ":" found in value` (a BadSignature); name it for what it is.
        eprintln!("djsign: not a signed value: it has no ':' separator");
        return Ok(Output::Failed(Box::new(Output::Text(String::new())), 1));
    };
    let found = if s.secret_key.is_empty() {
        None
    } else {
        dangerous::identify(token, s)
    };
    let mut d = pyjson::Dict::new();
    d.insert("verified", Value::Bool(found.is_some()));
    d.insert("value", Value::from(i.value));
    d.insert("compressed", Value::Bool(i.compressed));
    let ts = i.timestamp.and_then(|t| t.as_i64());
    d.insert("timestamp", ts.map_or(Value::Null, Value::Int));
    d.insert(
        "signed_at",
        ts.map_or(Value::Null, |t| Value::from(date(t as f64))),
    );
    d.insert(
        "age_seconds",
        ts.map_or(Value::Null, |t| Value::Float(now - t as f64)),
    );
    d.insert("signature_length", Value::Int(i.signature.len() as i64));
    match &i.object {
        Ok(v) => d.insert("payload", v.clone()),
        Err(e) => d.insert("payload_error", Value::from(e.to_string())),
    };
    if let Some(f) = &found {
        d.insert("kind", Value::from(f.kind));
        d.insert("salt", Value::from(f.salt));
        d.insert("algorithm", Value::from(f.algorithm.name()));
        d.insert(
            "key",
            Value::from(if f.key_index == 0 {
                "SECRET_KEY".to_string()
            } else {
                format!("SECRET_KEY_FALLBACKS[{}]", f.key_index - 1)
            }),
        );
        if f.salt == "django.contrib.sessions.backends.signed_cookies" {
            if let Some(t) = ts {
                let expires = t as f64 + s.session_cookie_age as f64;
                d.insert("expires_at", Value::from(date(expires)));
                d.insert(
                    "expired",
                    Value::Bool(now - t as f64 > s.session_cookie_age as f64),
                );
            }
        }
    }
    // Keys were given and none verifies it: print what it holds, but fail (exit 1).
    let fail = |out: Output| {
        if found.is_none() && !s.secret_key.is_empty() {
            Output::Failed(Box::new(out), 1)
        } else {
            out
        }
    };
    if json {
        return Ok(fail(Output::Json(pyjson::to_vec(&Value::Dict(d)))));
    }
    let mut out = String::new();
    out.push_str(match &found {
        Some(_) => "VERIFIED: the signature matches the key below\n",
        None if s.secret_key.is_empty() => {
            "UNVERIFIED: decoded without checking the signature (give --secret-key to verify)\n"
        }
        None => "UNVERIFIED: no known salt and algorithm verifies it with the keys given\n",
    });
    for (k, v) in d.iter() {
        if k == "verified" {
            continue;
        }
        if let ("age_seconds", Value::Float(age)) = (k.as_str().unwrap_or_default(), v) {
            out.push_str(&format!(
                "{:<17} {} ({age:.3} s)\n",
                "age:",
                human_duration(*age)
            ));
            continue;
        }
        let shown = match v {
            Value::Str(s) => s.to_string(),
            other => String::from_utf8_lossy(&pyjson::to_vec(other)).into_owned(),
        };
        out.push_str(&format!("{:<17} {shown}\n", format!("{k}:")));
    }
    Ok(fail(Output::Text(out.trim_end().to_owned())))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = run(&cli);
    let mut stdout = std::io::stdout().lock();
    match result {
        Ok(out) => {
            let (out, code) = match out {
                Output::Failed(inner, code) => (*inner, ExitCode::from(code)),
                out => (out, ExitCode::SUCCESS),
            };
            let line = match (out, cli.json) {
                (Output::Text(t), false) => t.into_bytes(),
                (Output::Json(j), false) => j,
                (Output::Text(t), true) => [
                    b"{\"ok\":".as_slice(),
                    &pyjson::to_vec(&Value::from(t)),
                    b"}",
                ]
                .concat(),
                (Output::Json(j), true) => [b"{\"ok\":".as_slice(), &j, b"}"].concat(),
                (Output::Failed(..), _) => Vec::new(),
            };
            if !line.is_empty() {
                let _ = stdout.write_all(&line);
                let _ = stdout.write_all(b"\n");
            }
            code
        }
        Err(e) => {
            let cat = e.category();
            if cli.json {
                let mut err = pyjson::Dict::new();
                err.insert("kind", Value::from(cat.as_str()));
                err.insert("message", Value::from(e.to_string()));
                let mut d = pyjson::Dict::new();
                d.insert("error", Value::Dict(err));
                let _ = stdout.write_all(&pyjson::to_vec(&Value::Dict(d)));
                let _ = stdout.write_all(b"\n");
            } else {
                eprintln!("djsign: {e}");
            }
            ExitCode::from(cat.exit_code())
        }
    }
}
