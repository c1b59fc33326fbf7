//! Running the `hooktape` command in a folder and the file helpers its tests share (include
//! with `#[path = "support/cli.rs"] mod cli;`).

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::Context as _;
use assert_cmd::cargo::CommandCargoExt as _;

/// This checkout.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `hooktape` in `dir`, as a user outside CI runs it (no `CI`, no `INSTA_UPDATE`, no colour).
pub fn hooktape(dir: &Path) -> anyhow::Result<Command> {
    let mut cmd = Command::cargo_bin("hooktape")?;
    cmd.current_dir(dir)
        .env_remove("CI")
        .env_remove("INSTA_UPDATE")
        .env("NO_COLOR", "1");
    Ok(cmd)
}

/// Runs `hooktape args…` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> anyhow::Result<Output> {
    Ok(hooktape(dir)?.args(args).output()?)
}

/// stdout then stderr, as text.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Writes `content` at `path`, creating its folders.
pub fn write(path: &Path, content: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(path.parent().context("a parent folder")?)?;
    std::fs::write(path, content)?;
    Ok(())
}

pub fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// Every file under `dir` with its bytes, by relative path (empty when `dir` is absent).
pub fn snapshot_dir(dir: &Path) -> anyhow::Result<BTreeMap<PathBuf, Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) -> anyhow::Result<()> {
        for e in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
            let p = e?.path();
            if p.is_dir() {
                walk(root, &p, out)?;
            } else {
                out.insert(p.strip_prefix(root)?.to_path_buf(), std::fs::read(&p)?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out)?;
    }
    Ok(out)
}

/// Copies every file under `from` to the same relative path under `to`.
pub fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for (rel, bytes) in snapshot_dir(from)? {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().context("a parent folder")?)?;
        std::fs::write(dest, bytes)?;
    }
    Ok(())
}

/// Whether this runs in CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// A repository in `dir`: an empty `hooktape.toml` and `scenarios/<name>.toml` for each.
pub fn repository(dir: &Path, scenarios: &[(&str, &str)]) -> anyhow::Result<()> {
    write(&dir.join("hooktape.toml"), "")?;
    for (name, text) in scenarios {
        write(&dir.join(format!("scenarios/{name}.toml")), text)?;
    }
    Ok(())
}
