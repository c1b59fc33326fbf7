//! Finding, killing and reaping every process of one hook run (Linux, through `/proc`;
//! elsewhere only the process group is killed, as `/proc` and subreapers do not exist).
//!
//! A hook's processes are: its process group (`process_group(0)` at spawn); the descendants
//! of its direct child while that child lives (the child is made a *child subreaper* before
//! it execs the shell, so even double-forked, `setsid` grandchildren stay in its subtree);
//! and, once the run's output pipes should have closed, any process still holding them
//! open (but a fork of the harness itself, which may be a sibling hook between fork and
//! exec). The harness itself is a child subreaper too ([`become_subreaper`]), so orphans of a
//! hook are re-parented to it rather than to `init` (which, in some containers, never reaps)
//! and the runner reaps the ones it killed. A process that leaves the group *and* the
//! subtree *and* the pipes (a `setsid` daemon started by a hook whose shell then exits
//! normally, with its output redirected elsewhere) is not tracked.

use std::collections::{HashMap, HashSet};
use std::sync::Once;
use std::time::Duration;

use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag};
use nix::unistd::Pid;

/// One line of `/proc/<pid>/stat`, the fields the runner needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Proc {
    pid: i32,
    ppid: i32,
    pgid: i32,
    sid: i32,
    zombie: bool,
}

fn parse_stat(text: &str) -> Option<Proc> {
    let pid = text.split(' ').next()?.parse().ok()?;
    // `comm` is in parentheses and may contain spaces or parentheses: split after the last.
    let mut fields = text.get(text.rfind(')')? + 1..)?.split_whitespace();
    let state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgid = fields.next()?.parse().ok()?;
    let sid = fields.next()?.parse().ok()?;
    Some(Proc {
        pid,
        ppid,
        pgid,
        sid,
        zombie: state == "Z" || state == "X",
    })
}

fn snapshot() -> Vec<Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<i32>().is_ok())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|text| parse_stat(&text))
        .collect()
}

/// Makes the harness a child subreaper, once: orphaned hook descendants are re-parented to
/// it, so the runner can reap what it kills. Best effort (a failure only means orphans go
/// to `init`).
pub(crate) fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        let _ = nix::sys::prctl::set_child_subreaper(true);
    });
}

/// Runs in the forked child before `exec`: makes the hook's direct child (the shell) a
/// child subreaper, so its whole subtree stays findable while it lives. Only a `prctl`
/// syscall, which is async-signal-safe.
pub(crate) fn subreaper_pre_exec() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_child_subreaper(true);
    Ok(())
}

/// The `pipe:[inode]` name of an open pipe fd of this process, as other processes'
/// `/proc/<pid>/fd/*` links show it.
pub(crate) fn pipe_name(fd: std::os::fd::RawFd) -> Option<String> {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|name| name.starts_with("pipe:"))
}

fn holds_any(pid: i32, pipes: &[String]) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .map(|target| pipes.iter().any(|p| target.as_os_str() == p.as_str()))
            .unwrap_or(false)
    })
}

/// Every process of one hook run; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct HookProcesses {
    /// The direct child's pid, which is also the group id. The direct child itself is the
    /// caller's to wait for (tokio owns it); it is killed here but never reaped.
    root: i32,
    /// The run's stdout/stderr pipe names, to find processes still holding them.
    pipes: Vec<String>,
    /// Every pid seen as part of the hook, so it is still recognised once re-parented.
    seen: HashSet<i32>,
}

impl HookProcesses {
    pub(crate) fn new(root: i32, pipes: Vec<String>) -> Self {
        HookProcesses {
            root,
            pipes,
            seen: HashSet::new(),
        }
    }

    /// The common end of a run: the group is empty (no member, not even a zombie) and no
    /// process ever escaped it. One syscall, no `/proc` scan, so callers may check it
    /// inline before handing a sweep to a blocking thread.
    pub(crate) fn nothing_left(&self) -> bool {
        self.seen.is_empty()
            && killpg(Pid::from_raw(self.root), None) == Err(nix::errno::Errno::ESRCH)
    }

    /// SIGKILLs every process of the hook (the direct child included when `with_root`) and
    /// reaps those re-parented to the harness, until none is left or `budget` runs out.
    /// `with_pipes`: also look for processes holding the output pipes (costlier: it reads
    /// every process's fd table), for when the pipes should have closed but did not.
    /// Blocking (reads `/proc`, sleeps a few ms between rounds): call it off the runtime.
    pub(crate) fn kill_all(&mut self, with_root: bool, with_pipes: bool, budget: Duration) {
        let me = std::process::id() as i32;
        let my_sid = nix::unistd::getsid(None).map(Pid::as_raw).unwrap_or(-1);
        let give_up = std::time::Instant::now() + budget;
        // The common case, a hook that exited with nothing left: the group is empty (no
        // member, not even a zombie) and nothing escaped it so far. One syscall, no scan.
        if !with_root && !with_pipes && self.nothing_left() {
            return;
        }
        loop {
            let procs = snapshot();
            let by_pid: HashMap<i32, Proc> = procs.iter().map(|p| (p.pid, *p)).collect();
            // A pid that vanished may be reused by an unrelated process: forget it.
            self.seen.retain(|pid| by_pid.contains_key(pid));
            let mut victims: HashSet<i32> = HashSet::new();
            let root_alive = by_pid.get(&self.root).is_some_and(|p| !p.zombie);
            if root_alive {
                let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
                for p in &procs {
                    children.entry(p.ppid).or_default().push(p.pid);
                }
                let mut stack = vec![self.root];
                while let Some(pid) = stack.pop() {
                    for &child in children.get(&pid).map(Vec::as_slice).unwrap_or(&[]) {
                        if victims.insert(child) {
                            stack.push(child);
                        }
                    }
                }
            }
            let group_alive = procs.iter().any(|p| p.pgid == self.root && !p.zombie);
            for p in &procs {
                if p.pgid == self.root || self.seen.contains(&p.pid) {
                    victims.insert(p.pid);
                }
            }
            if with_pipes && !self.pipes.is_empty() {
                // A process holding our pipes is an escaped descendant, unless it is a
                // fork of the harness itself between fork and exec (a sibling hook being
                // spawned; our pipes are close-on-exec): same session, same executable.
                let my_exe = std::fs::read_link("/proc/self/exe").ok();
                for p in &procs {
                    if p.pid == me || p.zombie || !holds_any(p.pid, &self.pipes) {
                        continue;
                    }
                    let forked_harness = p.sid == my_sid
                        && my_exe.is_some()
                        && std::fs::read_link(format!("/proc/{}/exe", p.pid)).ok() == my_exe;
                    if !forked_harness {
                        victims.insert(p.pid);
                    }
                }
            }
            victims.remove(&self.root);
            victims.remove(&me);
            self.seen.extend(victims.iter().copied());

            // The group first, in one call: every member gets SIGKILL at once, so no shell of
            // the hook outlives its child long enough to report it ("Killed" on stderr
            // would otherwise appear or not depending on the kill order: goldens would flap).
            // Only signal the group while a member lives: an empty group's id could be
            // reused by an unrelated process group.
            // Without `/proc` (not Linux) nothing is known: signal the group and root blindly.
            let blind = procs.is_empty();
            if group_alive || blind {
                let _ = killpg(Pid::from_raw(self.root), Signal::SIGKILL);
            }
            for &pid in &victims {
                if by_pid.get(&pid).is_some_and(|p| !p.zombie) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                }
            }
            if with_root && (root_alive || blind) {
                let _ = kill(Pid::from_raw(self.root), Signal::SIGKILL);
            }

            // Reap what was re-parented to us. Still pending: a victim not dead yet, or a
            // zombie whose parent is a hook process that is dying (it will be re-parented
            // to us). A zombie of anyone else (`init`, if we could not become a subreaper)
            // is not ours to reap.
            let mut pending = false;
            for &pid in &victims {
                let Some(p) = by_pid.get(&pid) else { continue };
                if p.ppid == me {
                    match waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
                        Ok(nix::sys::wait::WaitStatus::StillAlive) => pending = true,
                        _ => {
                            self.seen.remove(&pid);
                        }
                    }
                } else if !p.zombie || p.ppid == self.root || victims.contains(&p.ppid) {
                    pending = true;
                }
            }
            if !pending || std::time::Instant::now() >= give_up {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_even_with_odd_command_names() {
        let p = parse_stat("4242 (we(ird) name) S 10 4242 4242 0 -1 4194560 97").unwrap();
        assert_eq!(
            p,
            Proc {
                pid: 4242,
                ppid: 10,
                pgid: 4242,
                sid: 4242,
                zombie: false
            }
        );
        assert!(parse_stat("7 (sleep) Z 1 7 7 0").unwrap().zombie);
        assert_eq!(parse_stat("garbage"), None);
    }
}
