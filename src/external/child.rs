//! A bot's process: JSON Lines over its stdin and stdout, stderr drained,
//! a timeout on every answer, and no zombie left behind.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// Why talking to the bot's process stopped.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProcessFailure {
    /// The command could not be started.
    #[error("cannot start {command:?}: {reason}")]
    Start {
        /// The command.
        command: String,
        /// The OS error.
        reason: String,
    },
    /// The bot exited while heapbound waited for an answer.
    #[error("the bot exited ({status}) while answering {request}")]
    Exited {
        /// Its exit status.
        status: String,
        /// The request it did not answer.
        request: String,
    },
    /// The bot closed its stdout while heapbound waited for an answer.
    #[error("the bot closed its stdout while answering {request}; it was stopped")]
    ClosedOutput {
        /// The request it did not answer.
        request: String,
    },
    /// No answer within the timeout; the bot was killed.
    #[error("no answer to {request} within {seconds} s; the bot was killed")]
    Timeout {
        /// The request.
        request: String,
        /// The timeout.
        seconds: f64,
    },
    /// An answer line longer than the limit (a bot that floods).
    #[error("the answer to {request} is over {limit} bytes (--max-line); the bot was stopped")]
    LineTooLong {
        /// The request.
        request: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The bot misbehaved at shutdown: it exited with an error after `bye`.
    #[error("after bye the bot exited with {status}")]
    ExitAfterBye {
        /// Its exit status.
        status: String,
    },
    /// An answer that is not the protocol (not JSON, an `error`, the wrong type).
    #[error("protocol error answering {request}: {reason}; the bot sent: {line}")]
    Protocol {
        /// The request.
        request: String,
        /// What is wrong.
        reason: String,
        /// The line it sent (cut to 200 characters).
        line: String,
    },
}

impl ProcessFailure {
    /// Whether the bot broke the protocol (a usage error, exit 2) rather
    /// than dying or hanging (a failed check, exit 1).
    pub fn is_protocol(&self) -> bool {
        matches!(
            self,
            ProcessFailure::Protocol { .. } | ProcessFailure::Start { .. }
        )
    }
}

/// Where the bot's stderr goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BotLog {
    /// Through to heapbound's stderr.
    #[default]
    Inherit,
    /// Appended to a file.
    File(PathBuf),
}

/// What the reader thread hands over: a line, or why reading stopped.
enum Read {
    Line(String),
    TooLong,
}

/// Answer lines longer than this are refused unless `--max-line` says more.
pub const DEFAULT_MAX_LINE: usize = 16 << 20;

/// A running bot process.
pub struct BotProcess {
    child: Child,
    /// The bot's exit status, once seen.
    status: Option<ExitStatus>,
    max_line: usize,
    /// Requests go to a writer thread: a bot that stops reading its stdin
    /// must not block heapbound on a full pipe, only run into the timeout.
    requests: Option<Sender<String>>,
    lines: Receiver<Read>,
    writer: Option<JoinHandle<()>>,
    reader: Option<JoinHandle<()>>,
    drain: Option<JoinHandle<()>>,
    timeout: Duration,
}

fn write_requests(mut stdin: ChildStdin, requests: Receiver<String>) {
    for line in requests {
        let written = stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"))
            .and_then(|()| stdin.flush());
        if written.is_err() {
            break;
        }
    }
}

fn cut(line: &str) -> String {
    line.chars().take(200).collect()
}

/// Reads answer lines of at most `max_line` bytes each; a longer line is
/// reported and ends reading (the stream cannot be trusted after it), so a
/// flooding bot costs heapbound at most `max_line` bytes.
fn read_lines(stdout: impl std::io::Read, max_line: usize, lines: Sender<Read>) {
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = (max_line as u64).saturating_add(1);
        let read = std::io::Read::take(&mut reader, limit).read_until(b'\n', &mut line);
        match read {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() > max_line {
            let _ = lines.send(Read::TooLong);
            break;
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        if lines.send(Read::Line(text)).is_err() {
            break;
        }
    }
}

impl BotProcess {
    /// Starts `command` through `sh -c`.
    pub fn start(
        command: &str,
        log: &BotLog,
        timeout: Duration,
        max_line: usize,
    ) -> Result<BotProcess, ProcessFailure> {
        let start_error = |error: std::io::Error| ProcessFailure::Start {
            command: command.to_string(),
            reason: error.to_string(),
        };
        use std::os::unix::process::CommandExt;
        // A plain command line is exec'd by the shell, so the process
        // heapbound watches (RSS, threads) is the bot, not `sh`.
        let plain = !command.contains(|c: char| ";&|()`$<>\n\\".contains(c));
        let line = if plain {
            format!("exec {command}")
        } else {
            command.to_string()
        };
        let mut child = Command::new("sh")
            .args(["-c", &line])
            // Its own process group, so a kill reaches whatever `sh` started.
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(start_error)?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (sender, lines) = mpsc::channel();
        // Reading on threads keeps a timeout on every answer and keeps a
        // bot that floods stderr from blocking on a full pipe.
        let reader =
            stdout.map(|stdout| std::thread::spawn(move || read_lines(stdout, max_line, sender)));
        let drain = match (stderr, log) {
            (Some(mut stderr), BotLog::Inherit) => Some(std::thread::spawn(move || {
                let _ = std::io::copy(&mut stderr, &mut std::io::stderr());
            })),
            (Some(mut stderr), BotLog::File(path)) => {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(start_error)?;
                Some(std::thread::spawn(move || {
                    let _ = std::io::copy(&mut stderr, &mut file);
                }))
            }
            (None, _) => None,
        };
        let (requests, to_write) = mpsc::channel();
        let writer = child
            .stdin
            .take()
            .map(|stdin| std::thread::spawn(move || write_requests(stdin, to_write)));
        Ok(BotProcess {
            child,
            status: None,
            max_line,
            requests: Some(requests),
            lines,
            writer,
            reader,
            drain,
            timeout,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The bot's exit status if it has exited (kept once seen).
    fn poll_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    fn exit_status(&mut self) -> Option<ExitStatus> {
        // A dying process closes stdout a moment before it can be reaped.
        for _ in 0..50 {
            if let Some(status) = self.poll_status() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// Sends one request line and waits for the one answer line. Waiting
    /// stops when the answer comes, when the bot exits (whatever its
    /// children do with the pipe) or when the timeout passes.
    pub fn request(&mut self, line: &str, what: &str) -> Result<String, ProcessFailure> {
        let exited = |process: &mut BotProcess| {
            let status = process.exit_status();
            // Its children may still hold the pipes: stop them too.
            process.kill();
            match status {
                Some(status) => ProcessFailure::Exited {
                    status: status.to_string(),
                    request: what.to_string(),
                },
                None => ProcessFailure::ClosedOutput {
                    request: what.to_string(),
                },
            }
        };
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|requests| requests.send(line.to_string()).is_ok());
        if !sent {
            return Err(exited(self));
        }
        let deadline = std::time::Instant::now() + self.timeout;
        loop {
            let slice = deadline
                .saturating_duration_since(std::time::Instant::now())
                .min(Duration::from_millis(50));
            match self.lines.recv_timeout(slice) {
                Ok(Read::Line(answer)) => return Ok(answer),
                Ok(Read::TooLong) => {
                    self.kill();
                    return Err(ProcessFailure::LineTooLong {
                        request: what.to_string(),
                        limit: self.max_line,
                    });
                }
                Err(RecvTimeoutError::Disconnected) => return Err(exited(self)),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if self.poll_status().is_some() {
                // Exited: an answer it wrote just before may still be in
                // the pipe.
                if let Ok(Read::Line(answer)) = self.lines.recv_timeout(Duration::from_millis(100))
                {
                    return Ok(answer);
                }
                return Err(exited(self));
            }
            if std::time::Instant::now() >= deadline {
                self.kill();
                return Err(ProcessFailure::Timeout {
                    request: what.to_string(),
                    seconds: self.timeout.as_secs_f64(),
                });
            }
        }
    }

    /// A protocol failure about `line`.
    pub fn protocol(what: &str, reason: impl Into<String>, line: &str) -> ProcessFailure {
        ProcessFailure::Protocol {
            request: what.to_string(),
            reason: reason.into(),
            line: cut(line),
        }
    }

    /// Kills the process group and reaps the process, keeping its status.
    pub fn kill(&mut self) {
        // The whole group: `sh` may have left the bot running without it,
        // and the bot's own children belong to it.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        if let Ok(status) = self.child.wait() {
            self.status.get_or_insert(status);
        }
    }

    /// Asks the bot to shut down and checks how it went: `bye`, then
    /// nothing more on stdout, then exit status 0. Waits up to the timeout
    /// (2 s at most) for the exit, then kills it. `Ok(None)` when the bot
    /// was already gone.
    pub fn shutdown(&mut self) -> Result<(), ProcessFailure> {
        if self.poll_status().is_some() {
            self.kill();
            return Ok(());
        }
        let answer = self.request(r#"{"type":"shutdown"}"#, "shutdown");
        drop(self.requests.take());
        let deadline = std::time::Instant::now() + self.timeout.min(Duration::from_secs(2));
        while answer.is_ok() && std::time::Instant::now() < deadline {
            if self.poll_status().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let status = self.poll_status();
        self.kill();
        let answer = answer?;
        if !answer.contains("\"bye\"") {
            return Err(BotProcess::protocol("shutdown", "expected bye", &answer));
        }
        if let Ok(Read::Line(extra)) = self.lines.recv_timeout(Duration::from_millis(50)) {
            return Err(BotProcess::protocol(
                "shutdown",
                "the bot wrote after bye",
                &extra,
            ));
        }
        match status {
            Some(status) if !status.success() => Err(ProcessFailure::ExitAfterBye {
                status: status.to_string(),
            }),
            _ => Ok(()),
        }
    }
}

impl BotProcess {
    /// Shuts the bot down (killing it if it will not go) and joins the
    /// threads that talked to it; a thread still blocked on a pipe that
    /// the bot's children hold open is left to end with them. Idempotent.
    pub fn close(&mut self) -> Result<(), ProcessFailure> {
        let result = if self.requests.is_some() {
            self.shutdown()
        } else {
            Ok(())
        };
        drop(self.requests.take());
        self.kill();
        let threads = [self.writer.take(), self.reader.take(), self.drain.take()];
        let deadline = std::time::Instant::now() + Duration::from_millis(200);
        for handle in threads.into_iter().flatten() {
            while !handle.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
        result
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
