//! The command line: global options and commands, as clap parses them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use djsign::signing;

pub(crate) const EXAMPLES: &str = "Examples:
  djsign --secret-key-file fixtures/secret_key.txt loads --salt django.contrib.sessions.backends.signed_cookies \"$(cat fixtures/session_cookie.txt)\"
  djsign --secret-key 'k' dumps '{\"a\":1}' --compress
  djsign inspect '.eJyrVkpUslIqSSxR0lFKTS4tTsxR0lFKLi1KT...'";

/// Read and write Django's signed values exactly as Django does.
#[derive(Parser, Debug)]
#[command(name = "djsign", version, about, after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// SECRET_KEY (or set DJANGO_SECRET_KEY; prefer --secret-key-file on shared machines).
    #[arg(long, global = true, env = "DJANGO_SECRET_KEY", hide_env_values = true)]
    pub(crate) secret_key: Option<String>,
    /// Read SECRET_KEY from this file (a trailing newline is removed).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) secret_key_file: Option<PathBuf>,
    /// An entry of SECRET_KEY_FALLBACKS; repeat for more (or DJANGO_SECRET_KEY_FALLBACKS as a JSON list).
    #[arg(long = "fallback-key", global = true, value_name = "KEY")]
    pub(crate) fallback_keys: Vec<String>,
    /// Read entries of SECRET_KEY_FALLBACKS from this file, one per line (empty lines are
    /// skipped); repeatable, after any --fallback-key.
    #[arg(long = "fallback-key-file", global = true, value_name = "PATH")]
    pub(crate) fallback_key_files: Vec<PathBuf>,
    /// A Django setting as NAME=JSON, e.g. DEFAULT_HASHING_ALGORITHM="sha1"; repeatable.
    /// DJANGO_<NAME> environment variables are read too; a flag wins.
    #[arg(long = "setting", global = true, value_name = "NAME=JSON")]
    pub(crate) settings: Vec<String>,
    /// The Django version to behave like: X.Y.Z, or X.Y for the newest release of that
    /// series djsign knows (5.2 means 5.2.19, 6.1 means 6.1.3); default 6.1.
    #[arg(long, global = true, value_name = "VERSION")]
    pub(crate) django: Option<String>,
    /// Pin the clock: Unix time in seconds, fractions allowed.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    pub(crate) now: Option<f64>,
    /// Print every result as one JSON object: {"ok": …} or {"error": {"kind", "message"}}.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(clap::Args, Debug)]
pub(crate) struct SignerArgs {
    /// The salt (default: the class default, as in Django).
    #[arg(long)]
    pub(crate) salt: Option<String>,
    /// The separator (default ":").
    #[arg(long, default_value = ":")]
    pub(crate) sep: String,
    /// sha1, sha224, sha256, sha384 or sha512 (default: the Django version's).
    #[arg(long)]
    pub(crate) algorithm: Option<String>,
    /// Use a TimestampSigner.
    #[arg(long)]
    pub(crate) timestamp: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
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
    PasswordReset(crate::password_reset::PasswordResetCommand),
    /// Print shell completions.
    #[command(after_help = "Example: djsign completions bash > /etc/bash_completion.d/djsign")]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Backend {
    /// SESSION_ENGINE "django.contrib.sessions.backends.signed_cookies": the cookie is the session.
    SignedCookies,
    /// The db, cached_db and file engines' stored `session_data`.
    Db,
    /// The cache and cached_db engines' cache entry: the pickled session, in hex
    /// (e.g. `redis-cli --raw GET ':1:django.contrib.sessions.cache<key>' | xxd -p`).
    Cache,
}

#[derive(Subcommand, Debug)]
pub(crate) enum SignedCookieCommand {
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
pub(crate) enum MessagesCommand {
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
pub(crate) enum SessionCommand {
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
