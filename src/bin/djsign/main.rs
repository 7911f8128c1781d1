//! The `djsign` command-line tool: a thin layer over the library's public API.

mod args;
mod cookies;
mod error;
mod input;
mod inspect;
mod messages;
mod output;
mod password_reset;
mod session;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use djsign::pyjson::{self, Value};
use djsign::{ErrorKind, Signer, TimestampSigner, signing};

use crate::args::*;
use crate::cookies::cookies_command;
use crate::error::CliError;
use crate::input::*;
use crate::inspect::inspect;
use crate::messages::{messages_from_json, messages_to_json};
use crate::output::*;
use crate::session::session_command;

fn run(cli: &Cli) -> Result<Output, CliError> {
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
                        .ok_or_else(|| djsign::Error::from(ErrorKind::BadSignature))?;
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
            if cli.json {
                let mut err = pyjson::Dict::new();
                err.insert("kind", Value::from(e.kind()));
                err.insert("message", Value::from(e.to_string()));
                let mut d = pyjson::Dict::new();
                d.insert("error", Value::Dict(err));
                let _ = stdout.write_all(&pyjson::to_vec(&Value::Dict(d)));
                let _ = stdout.write_all(b"\n");
            } else {
                eprintln!("djsign: {e}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
