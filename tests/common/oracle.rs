//! A long-running Python process answering one JSON request per line (the Django oracles
//! in `tests/oracle/`), shared by the live tests.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value as J;

pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Starts `python -W ignore tests/oracle/<script> args…`.
    pub fn spawn(python: &str, script: &str, args: &[&str]) -> Oracle {
        let script = format!("{}/tests/oracle/{script}", env!("CARGO_MANIFEST_DIR"));
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
