//! Walking a tree the way an agent reads it: hidden and git-ignored files
//! included, symlinks not followed, git's internals (but not `.git/config`)
//! skipped, binaries and oversized files skipped, every skip recorded.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::matcher::{scan_bytes, Hit};
use super::rules::Rules;
use super::{ScanOptions, Skipped};

/// Files are binary when a NUL byte shows up this early (git's own test).
const BINARY_PROBE: usize = 8 * 1024;

/// Directories under a `.git` directory that hold git's data, not settings:
/// the object store is large and compressed, logs and refs carry no
/// credentials. `config` files (also those of submodules under
/// `.git/modules/*/`) and hooks are still read.
const GIT_DATA_DIRS: &[&str] = &["objects", "lfs", "logs", "refs", "rr-cache"];

#[derive(Default)]
pub struct Collected {
    pub hits: Vec<(PathBuf, Hit)>,
    pub skipped: Vec<Skipped>,
}

pub struct WalkOutcome {
    pub collected: Collected,
    pub files: u64,
    pub bytes: u64,
}

enum Content {
    Text,
    Binary,
    TooLarge(u64),
}

/// Reads `path` into `buf` unless it is binary or larger than `max` (0: no
/// limit). The size is checked before reading and again after, since files
/// can grow while we read.
fn read_file(path: &Path, max: u64, buf: &mut Vec<u8>) -> std::io::Result<Content> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if max > 0 && len > max {
        return Ok(Content::TooLarge(len));
    }
    buf.clear();
    if let Ok(len) = usize::try_from(len) {
        buf.reserve(len.saturating_add(1));
    }
    (&mut f).take(BINARY_PROBE as u64).read_to_end(buf)?;
    if memchr::memchr(0, buf).is_some() {
        return Ok(Content::Binary);
    }
    let limit = if max > 0 { max } else { u64::MAX - 1 };
    let rest = (limit + 1).saturating_sub(buf.len() as u64);
    (&mut f).take(rest).read_to_end(buf)?;
    if buf.len() as u64 > limit {
        return Ok(Content::TooLarge(buf.len() as u64));
    }
    Ok(Content::Text)
}

/// Whether `path` is a git data directory (`.../.git/.../objects`).
fn is_git_data_dir(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let data = GIT_DATA_DIRS.iter().find(|d| **d == name)?;
    let parent = path.parent()?;
    parent
        .components()
        .any(|c| matches!(c, Component::Normal(n) if n == ".git"))
        .then_some(data)
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// One walker thread's state; merged into the shared result when the walker
/// drops it, so threads never contend on the lock while scanning.
struct Worker<'s> {
    rules: &'s Rules,
    max: u64,
    shared: &'s Mutex<Collected>,
    files: &'s AtomicU64,
    bytes: &'s AtomicU64,
    progress: Option<ProgressBar>,
    buf: Vec<u8>,
    hits: Vec<Hit>,
    local: Collected,
}

impl Worker<'_> {
    fn skip(&mut self, path: &Path, reason: impl Into<String>) {
        self.local.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: reason.into(),
        });
    }

    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>, root: &Path) -> WalkState {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = error_path(&err).unwrap_or_else(|| root.to_path_buf());
                self.skip(&path, format!("unreadable: {err}"));
                return WalkState::Continue;
            }
        };
        let path = entry.path();
        let Some(ft) = entry.file_type() else {
            // stdin is the only entry without a type; nothing to read.
            return WalkState::Continue;
        };
        if ft.is_symlink() {
            self.skip(path, "symlink (not followed)");
            return WalkState::Continue;
        }
        if ft.is_dir() {
            if let Some(name) = is_git_data_dir(path) {
                self.skip(path, format!("git internals ({name})"));
                return WalkState::Skip;
            }
            return WalkState::Continue;
        }
        if !ft.is_file() {
            // FIFOs, sockets and devices: opening a FIFO would block forever.
            self.skip(path, "not a regular file");
            return WalkState::Continue;
        }
        self.scan_file(path);
        WalkState::Continue
    }

    fn scan_file(&mut self, path: &Path) {
        match read_file(path, self.max, &mut self.buf) {
            Err(err) => self.skip(path, format!("unreadable: {err}")),
            Ok(Content::Binary) => self.skip(path, "binary (NUL byte in the first 8 KiB)"),
            Ok(Content::TooLarge(len)) => self.skip(
                path,
                format!("larger than the limit ({len} > {} bytes)", self.max),
            ),
            Ok(Content::Text) => {
                let n = self.buf.len() as u64;
                self.files.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(n, Ordering::Relaxed);
                if let Some(p) = &self.progress {
                    p.inc(n);
                }
                let path_str = path.to_string_lossy();
                let path_str = if std::path::MAIN_SEPARATOR == '/' {
                    path_str
                } else {
                    path_str.replace(std::path::MAIN_SEPARATOR, "/").into()
                };
                scan_bytes(self.rules, Some(&path_str), &self.buf, &mut self.hits);
                for hit in self.hits.drain(..) {
                    self.local.hits.push((path.to_path_buf(), hit));
                }
            }
        }
        // A one-off huge file should not pin its buffer for the whole walk.
        if self.buf.capacity() > 64 << 20 {
            self.buf = Vec::new();
        }
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        // A poisoned lock only means another worker panicked mid-merge; the
        // data is still a plain Vec, so keep going.
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.hits.extend(local.hits);
        shared.skipped.extend(local.skipped);
    }
}

fn progress_bar(enabled: bool) -> Option<ProgressBar> {
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} scanning: {binary_bytes} ({binary_bytes_per_sec}) {elapsed}",
    ) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}

pub fn walk(root: &Path, options: &ScanOptions, rules: &Rules) -> WalkOutcome {
    let shared = Mutex::new(Collected::default());
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let progress = progress_bar(options.progress);

    let walker = WalkBuilder::new(root)
        // An agent reads everything: hidden files, git-ignored files, files
        // excluded by .ignore; so do we.
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
        .build_parallel();
    walker.run(|| {
        let mut worker = Worker {
            rules,
            max: options.max_file_size,
            shared: &shared,
            files: &files,
            bytes: &bytes,
            progress: progress.clone(),
            buf: Vec::new(),
            hits: Vec::new(),
            local: Collected::default(),
        };
        Box::new(move |entry| worker.visit(entry, root))
    });
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    WalkOutcome {
        collected: shared.into_inner().unwrap_or_else(|e| e.into_inner()),
        files: files.into_inner(),
        bytes: bytes.into_inner(),
    }
}
