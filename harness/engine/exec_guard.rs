//! Files written for hooks to exec, and forks, exclude each other.
//!
//! A forked child holds a copy of every descriptor of its parent until it execs (the
//! close-on-exec ones close only then). If one thread has a hook script open for writing
//! while another forks a hook, the script stays "open for writing" in that child for a
//! moment after the writer closed it, and whoever execs the script then fails with
//! `Text file busy` (ETXTBSY, exit 126). Every file the harness writes for hooks goes through
//! [`write_file`] / [`copy_file`], which hold this lock exclusively while the descriptor is
//! open; the runner holds it shared around each spawn (fork → exec). Spawns still run in
//! parallel with each other, and no child is ever forked while such a descriptor is open.

use std::io::Write as _;
use std::path::Path;
use std::sync::{RwLock, RwLockReadGuard};

static LOCK: RwLock<()> = RwLock::new(());

/// Held (shared) from just before a fork until the child has exec'd.
pub fn forking() -> RwLockReadGuard<'static, ()> {
    // The lock guards no data, so a poisoned lock is as good as a sound one.
    LOCK.read().unwrap_or_else(|e| e.into_inner())
}

/// Writes `bytes` to `path` (created or truncated), then sets `mode` if given, with no fork
/// in flight while the file is open.
pub fn write_file(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let _exclusive = LOCK.write().unwrap_or_else(|e| e.into_inner());
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    drop(file);
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// Copies the file `from` to `to` with its permission bits, under the same exclusion.
pub fn copy_file(from: &Path, to: &Path) -> std::io::Result<()> {
    let _exclusive = LOCK.write().unwrap_or_else(|e| e.into_inner());
    std::fs::copy(from, to).map(|_| ())
}
