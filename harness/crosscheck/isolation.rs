//! The network namespace the real CLI runs in: nothing but loopback. Entered by this
//! process before any thread starts (every thread, the scripted model server's and the
//! real CLI's children, inherits it). Nothing is ever sent to check it: the proof is the
//! namespace's interface list.

/// The interfaces this process sees (`/proc/net/dev`).
pub fn interfaces() -> Result<Vec<String>, String> {
    let dev =
        std::fs::read_to_string("/proc/net/dev").map_err(|e| format!("/proc/net/dev: {e}"))?;
    Ok(dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(|s| s.trim().to_owned())
        .collect())
}

/// Moves this process into a new network namespace with only loopback, up; returns the
/// interfaces it then sees (`["lo"]`). Needs root or user namespaces.
pub fn enter() -> Result<Vec<String>, String> {
    if interfaces()? == ["lo"] {
        return Ok(vec!["lo".to_owned()]);
    }
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("unshare(CLONE_NEWNET): {e} (needs root or user namespaces)"))?;
    let status = std::process::Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .map_err(|e| format!("ip link set lo up: {e}"))?;
    if !status.success() {
        return Err(format!("ip link set lo up: {status}"));
    }
    let seen = interfaces()?;
    if seen != ["lo"] {
        return Err(format!("the namespace has more than loopback: {seen:?}"));
    }
    Ok(seen)
}
