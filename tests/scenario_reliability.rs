//! Scenario-level reliability: many scenarios at once without cross-talk, goldens that do
//! not depend on parallelism or on the directory the suite runs from, and golden writes
//! that survive a `bless` killed with SIGKILL.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::ensure;

#[path = "support/cli.rs"]
mod cli;
use cli::{copy_dir, hooktape, repo, snapshot_dir};

/// Runs `hooktape args…` in `dir`; fails unless it exits 0. Returns stdout.
fn ok(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = hooktape(dir)?.args(args).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    ensure!(
        out.status.success(),
        "hooktape {args:?} in {}: {:?}\n{stdout}{}",
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(stdout)
}

/// Processes (other than this test) whose command line or cwd mentions `dir`.
fn processes_under(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let pid = e.file_name().to_string_lossy().into_owned();
        if !pid.chars().all(|c| c.is_ascii_digit()) || pid == me {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let cwd = std::fs::read_link(e.path().join("cwd"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if cmdline.contains(&needle) || cwd.starts_with(&needle) {
            found.push(format!("{pid}: {cmdline} (cwd {cwd})"));
        }
    }
    found
}

/// A hook that leaves a marker named after its scenario in `$TMPDIR`, `$HOME` and its cwd
/// (the project), and fails loudly if it finds another scenario's marker there. `first`
/// writes the markers; `again` (a later hook of the same session) checks that its own are
/// still the only ones.
const MARK_SH: &str = r#"#!/bin/sh
cat >/dev/null
me="$1"
for d in "$TMPDIR" "$HOME" "$PWD"; do
  for f in "$d"/marker-*; do
    [ -e "$f" ] || continue
    if [ "$f" != "$d/marker-$me" ]; then
      echo "cross-talk: $me found $(basename "$f")" >&2
      exit 2
    fi
  done
  if [ "$2" = first ]; then
    echo "$me" > "$d/marker-$me"
  elif [ "$(cat "$d/marker-$me")" != "$me" ]; then
    echo "cross-talk: $me lost its marker" >&2
    exit 2
  fi
done
sleep 0.05
if [ "$2" = first ]; then echo "isolated: $me"; fi
"#;

/// One generated scenario: template `t` (0..3) with the unique name `name`.
fn generated(name: &str, t: usize) -> String {
    let hook = |arg: &str| {
        format!("[{{ hooks = [{{ type = \"command\", command = \"./.codex/hooks/mark.sh {name} {arg}\" }}] }}]")
    };
    let (events, turn) = match t {
        0 => (
            format!("UserPromptSubmit = {}\nStop = {}", hook("first"), hook("again")),
            "[[turns.responses]]\nmessage = \"done\"\n".to_owned(),
        ),
        1 => (
            format!("SessionStart = {}\nPreToolUse = {}", hook("first"), hook("again")),
            "[[turns.responses]]\ncalls = [{ exec = \"ls\" }]\n[[turns.responses]]\nmessage = \"listed\"\n"
                .to_owned(),
        ),
        _ => (
            format!("UserPromptSubmit = {}\nPostToolUse = {}", hook("first"), hook("again")),
            "[[turns.responses]]\ncalls = [{ exec = \"make test\" }]\n[turns.results.call-1]\noutput = \"ok\"\n[[turns.responses]]\nmessage = \"tested\"\n"
                .to_owned(),
        ),
    };
    format!(
        "description = \"Generated {name}: its hooks see only their own workspace\"\n\n\
         [[layers]]\nkind = \"project\"\n[layers.hooks]\n{events}\n\n\
         [[files]]\npath = \".codex/hooks/mark.sh\"\ncontent = '''\n{MARK_SH}'''\n\n\
         [[turns]]\nprompt = \"Work as {name}\"\n{turn}"
    )
}

/// Writes `count` generated scenarios under `<root>/scenarios/gen/`.
fn generate(root: &Path, count: usize) -> anyhow::Result<Vec<String>> {
    let dir = root.join("scenarios/gen");
    std::fs::create_dir_all(&dir)?;
    let mut names = Vec::new();
    for i in 0..count {
        let name = format!("s{i:03}_t{}", i % 3);
        std::fs::write(dir.join(format!("{name}.toml")), generated(&name, i % 3))?;
        names.push(name);
    }
    Ok(names)
}

#[test]
fn two_hundred_scenarios_in_parallel_have_no_cross_talk_and_match_a_serial_run(
) -> anyhow::Result<()> {
    const COUNT: usize = 200;
    let serial = tempfile::tempdir()?;
    let parallel = tempfile::tempdir()?;
    let names = generate(serial.path(), COUNT)?;
    generate(parallel.path(), COUNT)?;

    let t = Instant::now();
    let out = ok(serial.path(), &["bless", "--jobs", "1"])?;
    let serial_time = t.elapsed();
    ensure!(
        out.ends_with(&format!("{COUNT} written, 0 unchanged, 0 failed\n")),
        "{out}"
    );
    let t = Instant::now();
    let out = ok(parallel.path(), &["bless"])?;
    let parallel_time = t.elapsed();
    ensure!(
        out.ends_with(&format!("{COUNT} written, 0 unchanged, 0 failed\n")),
        "{out}"
    );
    // Far more at once than cores: workspaces must still be isolated.
    let t = Instant::now();
    let out = ok(parallel.path(), &["check", "--jobs", "64"])?;
    let wide_time = t.elapsed();
    ensure!(
        out.ends_with(&format!("{COUNT} passed, 0 failed\n")),
        "{out}"
    );

    let a = snapshot_dir(&serial.path().join("goldens"))?;
    let b = snapshot_dir(&parallel.path().join("goldens"))?;
    ensure!(a.len() == COUNT, "{} goldens", a.len());
    for name in &names {
        let rel = PathBuf::from(format!("gen/{name}.snap"));
        let (Some(ga), Some(gb)) = (a.get(&rel), b.get(&rel)) else {
            anyhow::bail!("no golden {}", rel.display());
        };
        ensure!(ga == gb, "{name}: serial and parallel goldens differ");
        let text = String::from_utf8_lossy(ga);
        ensure!(!text.contains("cross-talk"), "{name}:\n{text}");
        ensure!(
            text.contains(&format!("isolated: {name}")),
            "{name}:\n{text}"
        );
    }
    ensure!(a == b, "the golden sets differ");
    let left = processes_under(serial.path())
        .into_iter()
        .chain(processes_under(parallel.path()))
        .collect::<Vec<_>>();
    ensure!(left.is_empty(), "processes left: {left:#?}");
    eprintln!(
        "{COUNT} scenarios: bless --jobs 1 {serial_time:?}, bless (all cores) {parallel_time:?}, \
         check --jobs 64 {wide_time:?}; {} goldens byte-identical; 0 processes left",
        a.len()
    );
    Ok(())
}

#[test]
fn the_bundled_suite_from_two_dirs_with_one_job_and_all_cores_gives_identical_goldens(
) -> anyhow::Result<()> {
    let one = tempfile::tempdir()?;
    let all = tempfile::tempdir()?;
    for dir in [one.path(), all.path()] {
        copy_dir(&repo().join("scenarios"), &dir.join("scenarios"))?;
        copy_dir(&repo().join("goldens"), &dir.join("goldens"))?;
    }
    let committed = snapshot_dir(&repo().join("goldens"))?;
    let n = committed.len();
    let passed = format!("{n} passed, 0 failed\n");
    let out = ok(one.path(), &["check", "--jobs", "1"])?;
    ensure!(out.ends_with(&passed), "{out}");
    let out = ok(all.path(), &["check"])?;
    ensure!(out.ends_with(&passed), "{out}");

    // Bless from scratch in both.
    for dir in [one.path(), all.path()] {
        std::fs::remove_dir_all(dir.join("goldens"))?;
    }
    let written = format!("{n} written, 0 unchanged, 0 failed\n");
    let out = ok(one.path(), &["bless", "--jobs", "1"])?;
    ensure!(out.ends_with(&written), "{out}");
    let out = ok(all.path(), &["bless"])?;
    ensure!(out.ends_with(&written), "{out}");
    let a = snapshot_dir(&one.path().join("goldens"))?;
    let b = snapshot_dir(&all.path().join("goldens"))?;
    ensure!(a == b, "goldens differ between --jobs 1 and all cores");
    ensure!(a == committed, "and from the committed goldens");
    eprintln!("bundled suite: {n} goldens byte-identical (jobs 1 / all cores / committed)");
    Ok(())
}

/// A scenario whose golden is large (about 1 MB): its hook prints 200 000 × `ch`.
fn large(name: &str, ch: char) -> String {
    format!(
        "description = \"Large golden {name}\"\n\n\
         [[layers]]\nkind = \"project\"\n[layers.hooks]\n\
         UserPromptSubmit = [{{ hooks = [{{ type = \"command\", additionalContextLimit = 0, command = \"cat >/dev/null; head -c 200000 /dev/zero | tr -c {ch} {ch}\" }}] }}]\n\n\
         [[turns]]\nprompt = \"p\"\n[[turns.responses]]\nmessage = \"ok\"\n"
    )
}

fn write_large(root: &Path, count: usize, ch: char) -> anyhow::Result<()> {
    let dir = root.join("scenarios/big");
    std::fs::create_dir_all(&dir)?;
    for i in 0..count {
        let name = format!("g{i:02}");
        std::fs::write(dir.join(format!("{name}.toml")), large(&name, ch))?;
    }
    Ok(())
}

fn is_temp(rel: &Path) -> bool {
    rel.file_name().is_some_and(|n| {
        n.to_string_lossy().starts_with('.') && n.to_string_lossy().ends_with(".tmp")
    })
}

#[test]
fn a_bless_killed_mid_write_leaves_every_golden_complete() -> anyhow::Result<()> {
    const COUNT: usize = 40;
    let work = tempfile::tempdir()?;
    let reference = tempfile::tempdir()?;
    write_large(work.path(), COUNT, 'a')?;
    ok(work.path(), &["bless"])?;
    let old = snapshot_dir(&work.path().join("goldens"))?;
    write_large(reference.path(), COUNT, 'b')?;
    ok(reference.path(), &["bless"])?;
    let new = snapshot_dir(&reference.path().join("goldens"))?;
    ensure!(old.len() == COUNT && new.len() == COUNT);
    let size: usize = new.values().map(Vec::len).sum();
    ensure!(size > COUNT * 500_000, "goldens are large: {size} bytes");

    write_large(work.path(), COUNT, 'b')?;
    // What a writer killed before its rename leaves: a half-written temp file beside a golden.
    let planted = work.path().join("goldens/big/.g00.snap.Ab12Cd.tmp");
    let half = &new[Path::new("big/g00.snap")];
    std::fs::write(&planted, &half[..half.len() / 2])?;
    let mut delay = Duration::from_millis(100);
    let (mut kills, mut partial, mut max_temps) = (0, 0, 0);
    let mut checked_with_temps = false;
    let mut finished = false;
    for _ in 0..40 {
        let mut child = hooktape(work.path())?
            .args(["bless", "--jobs", "4"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        std::thread::sleep(delay);
        if child.try_wait()?.is_some() {
            finished = true;
            break;
        }
        child.kill()?; // SIGKILL
        child.wait()?;
        kills += 1;
        let now = snapshot_dir(&work.path().join("goldens"))?;
        let mut fresh = 0;
        let mut temps = 0;
        for (rel, bytes) in &now {
            if is_temp(rel) {
                temps += 1;
                continue;
            }
            if new.get(rel) == Some(bytes) {
                fresh += 1;
            } else {
                ensure!(
                    old.get(rel) == Some(bytes),
                    "after kill {kills} at {delay:?}: {} is neither the old nor the new golden ({} bytes)",
                    rel.display(),
                    bytes.len()
                );
            }
        }
        ensure!(now.len() - temps == COUNT, "a golden went missing");
        if fresh > 0 && fresh < COUNT {
            partial += 1;
        }
        max_temps = max_temps.max(temps);
        // Stray temporary files never make `check` fail or count as goldens.
        if temps > 0 && !checked_with_temps {
            checked_with_temps = true;
            let out = hooktape(work.path())?
                .args(["check", "--jobs", "4"])
                .output()?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            let line = stdout.lines().last().unwrap_or_default();
            ensure!(
                line == format!("{fresh} passed, {} failed", COUNT - fresh),
                "check with {temps} stray temp files: {line}"
            );
        }
        // Coarse steps until the kills land in the write phase, then fine ones, to hit
        // writes between their temp file and their rename too.
        delay += Duration::from_millis(if fresh > 0 { 7 } else { 60 });
    }
    if !finished {
        ok(work.path(), &["bless"])?;
    }
    let last = snapshot_dir(&work.path().join("goldens"))?;
    ensure!(
        last == new,
        "after a complete bless: the new goldens and no temp file left"
    );
    ensure!(kills >= 3, "bless was killed {kills} times");
    let left = processes_under(work.path());
    ensure!(left.is_empty(), "processes left: {left:#?}");
    eprintln!(
        "{kills} SIGKILLs ({partial} mid-bless), at most {max_temps} stray temp files, \
         every golden complete old or new after each; {} bytes of goldens",
        size
    );
    Ok(())
}
