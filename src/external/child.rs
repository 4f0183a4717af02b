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
    /// No answer within the timeout; the bot was killed.
    #[error("no answer to {request} within {seconds} s; the bot was killed")]
    Timeout {
        /// The request.
        request: String,
        /// The timeout.
        seconds: f64,
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

/// A running bot process.
pub struct BotProcess {
    child: Child,
    /// Requests go to a writer thread: a bot that stops reading its stdin
    /// must not block heapbound on a full pipe, only run into the timeout.
    requests: Option<Sender<String>>,
    lines: Receiver<String>,
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

impl BotProcess {
    /// Starts `command` through `sh -c`.
    pub fn start(
        command: &str,
        log: &BotLog,
        timeout: Duration,
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
        let reader = stdout.map(|stdout| {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            })
        });
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

    fn exit_status(&mut self) -> Option<ExitStatus> {
        // A dying process closes stdout a moment before it can be reaped.
        for _ in 0..50 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// Sends one request line and waits for the one answer line.
    pub fn request(&mut self, line: &str, what: &str) -> Result<String, ProcessFailure> {
        let exited = |process: &mut BotProcess| ProcessFailure::Exited {
            status: process
                .exit_status()
                .map_or("still running".to_string(), |status| status.to_string()),
            request: what.to_string(),
        };
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|requests| requests.send(line.to_string()).is_ok());
        if !sent {
            return Err(exited(self));
        }
        match self.lines.recv_timeout(self.timeout) {
            Ok(answer) => Ok(answer),
            Err(RecvTimeoutError::Disconnected) => Err(exited(self)),
            Err(RecvTimeoutError::Timeout) => {
                self.kill();
                Err(ProcessFailure::Timeout {
                    request: what.to_string(),
                    seconds: self.timeout.as_secs_f64(),
                })
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

    /// Kills the process group and reaps the process.
    pub fn kill(&mut self) {
        // The whole group: `sh` may have left the bot running without it.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the bot to shut down, waits up to the timeout, then kills it.
    pub fn shutdown(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let answered = self.request(r#"{"type":"shutdown"}"#, "shutdown").is_ok();
            drop(self.requests.take());
            let deadline = std::time::Instant::now() + self.timeout.min(Duration::from_secs(2));
            while answered && std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        self.kill();
    }
}

impl BotProcess {
    /// Shuts the bot down (killing it if it will not go) and joins the
    /// threads that talked to it. Idempotent.
    pub fn close(&mut self) {
        if self.requests.is_some() {
            self.shutdown();
        }
        drop(self.requests.take());
        let threads = [self.writer.take(), self.reader.take(), self.drain.take()];
        for handle in threads.into_iter().flatten() {
            let _ = handle.join();
        }
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        self.close();
    }
}
