//! `hooktape fuzz` from the command line: a clean run reports every event, bad arguments
//! exit 2.

use assert_cmd::Command;

#[test]
fn a_clean_run_reports_cases_per_second_for_every_event() -> anyhow::Result<()> {
    let out = Command::cargo_bin("hooktape")?
        .args(["fuzz", "--cases", "4096", "--seed", "7"])
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("seed 7 (repeat with --seed 7)"), "{stdout}");
    for event in hooktape::engine::HookEvent::ALL {
        let line = format!("  {:<18}        4,096 cases in", event.config_name());
        assert!(stdout.contains(&line), "{event}: {stdout}");
    }
    assert!(stdout.contains("ok: 45,056 cases in"), "{stdout}");
    Ok(())
}

#[test]
fn the_proptest_generator_runs_too() -> anyhow::Result<()> {
    let out = Command::cargo_bin("hooktape")?
        .args([
            "fuzz",
            "--event",
            "stop",
            "--cases",
            "1",
            "--seed",
            "7",
            "--proptest",
        ])
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("  Stop                      4,096 cases in"),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn bad_arguments_exit_two() -> anyhow::Result<()> {
    for (args, expected) in [
        (
            vec!["fuzz", "--event", "Nope"],
            "--event: expected `all` or one of PreToolUse",
        ),
        (
            vec!["fuzz", "--seconds", "0"],
            "--seconds: expected a positive number",
        ),
        (
            vec!["fuzz", "--cases", "5", "--seconds", "1"],
            "cannot be used with",
        ),
    ] {
        let out = Command::cargo_bin("hooktape")?.args(&args).output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    Ok(())
}
