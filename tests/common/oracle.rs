//! A long-running Python process answering one JSON request per line (the Django oracles
//! in `django/oracle/`), shared by the live tests.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value as J;

/// `DJSIGN_DJANGO_PYTHONS` (`LINE=PYTHON,…`), or `None` after saying that `what` is
/// skipped without it.
pub fn pythons_or_skip(what: &str) -> Option<String> {
    let spec = std::env::var("DJSIGN_DJANGO_PYTHONS").ok();
    if spec.is_none() {
        eprintln!(
            "SKIPPED {what}: set DJSIGN_DJANGO_PYTHONS=4.2=/path/to/python,... (see .ci/run)"
        );
    }
    spec
}

/// A count from the environment variable `name`, else `default`.
#[allow(dead_code)] // not every test that talks to an oracle takes a count
pub fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Starts `python -W ignore django/oracle/<script> args…`.
    pub fn spawn(python: &str, script: &str, args: &[&str]) -> Oracle {
        let script = format!("{}/django/oracle/{script}", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(python)
            .args(["-W", "ignore", &script])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python}: {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Oracle {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends `req` and returns the answer: `Ok(value of "ok")` or `Err(value of "err")`.
    pub fn request(&mut self, req: &J) -> Result<J, J> {
        writeln!(self.stdin, "{req}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let resp: J = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("bad answer to {req}: {line:?}: {e}"));
        match (resp.get("ok"), resp.get("err")) {
            (Some(ok), _) => Ok(ok.clone()),
            (_, Some(err)) => Err(err.clone()),
            _ => panic!("answer without outcome: {line}"),
        }
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
