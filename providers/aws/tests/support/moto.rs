//! A real local AWS API server (moto) for live tests.
//!
//! Shared by `providers/aws/tests/live_moto.rs` and the binary's
//! `tests/cli/aws_live.rs` (both include this file by path), so that the
//! crate and the CLI are tested against the same server, started the same
//! way. Std only: it must compile in any test binary.
//!
//! Needs `moto_server` on PATH (`pip install 'moto[server]'`, or
//! `scripts/ci-deps`). Without it, `Moto::start` fails under CI (env `CI`
//! set: a missing server must not turn the live tests green) and returns
//! `None` with a note elsewhere (a developer without Python still gets the
//! offline suite).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start listening (a cold Python import of moto
/// takes a few seconds on a slow CI machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `moto_server`, killed (and reaped) on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`: give it as the endpoint of every client.
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto on a free port and waits until it listens, or returns
    /// `None` (with a note on stderr) when it is not installed and this is
    /// not CI.
    pub fn start() -> Option<Moto> {
        let Some(program) = on_path("moto_server") else {
            missing("moto_server is not on PATH");
            return None;
        };
        let port = free_port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // AWS-managed policies would add ~1,000 policies to every GAAD.
            .env_remove("MOTO_IAM_LOAD_MANAGED_POLICIES")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("moto_server does not start: {e}"));
        let mut server = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            // A pyenv shim is on PATH even when moto is not installed in the
            // active Python: it exits at once. That is "missing", not a hang.
            if let Ok(Some(status)) = server.child.try_wait() {
                missing(&format!("moto_server exited ({status}) before listening"));
                return None;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {port} within {START_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }
}

/// A local port nobody listens on right now: bind to 0, read it, release it.
/// (Another process may take it before the caller does; on a test machine
/// that is rare enough, and the caller then fails loudly.)
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Fails under CI, notes and lets the test skip elsewhere.
fn missing(why: &str) {
    let hint = format!("{why}: run `pip install 'moto[server]'` (or scripts/ci-deps)");
    if std::env::var_os("CI").is_some() {
        panic!("{hint}");
    }
    eprintln!("skipping live moto test: {hint}");
}
