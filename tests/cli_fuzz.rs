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

/// The scenario snippet `hooktape fuzz` prints for a failure is a scenario the real loader
/// accepts, with the handler's command intact.
#[test]
fn the_scenario_snippet_loads() -> anyhow::Result<()> {
    use hooktape::engine::HookEvent;
    use hooktape::fuzz::repro::{scenario_snippet, Reproduction};
    for event in HookEvent::ALL {
        for timeout_secs in [None, Some(1)] {
            let repro = Reproduction {
                command: "printf '{\"decision\":\"block\",\"reason\":\"\"}'; exit 0".to_owned(),
                timeout_secs,
            };
            let text = scenario_snippet(event, &repro);
            let path = std::path::Path::new("fuzz_repro.toml");
            hooktape::scenario::load::load_str(path, &text)
                .map_err(|e| anyhow::anyhow!("{event}: {e}\n{text}"))?;
            assert!(text.contains("exit 0"), "{text}");
        }
    }
    Ok(())
}

/// Played through `replay`, each event's snippet fires that event's hook.
#[test]
fn the_scenario_snippet_fires_its_event() -> anyhow::Result<()> {
    use hooktape::engine::HookEvent;
    use hooktape::fuzz::repro::{scenario_snippet, Reproduction};
    let runtime = tokio::runtime::Runtime::new()?;
    for event in HookEvent::ALL {
        let repro = Reproduction {
            command: "cat >/dev/null; exit 0".to_owned(),
            timeout_secs: None,
        };
        let text = scenario_snippet(event, &repro);
        let scenario =
            hooktape::scenario::load::load_str(std::path::Path::new("fuzz_repro.toml"), &text)?;
        let replayed = runtime
            .block_on(hooktape::replay::replay(&scenario))
            .map_err(|e| anyhow::anyhow!("{event}: {e}\n{text}"))?;
        let fired = replayed
            .recording
            .hook_events()
            .any(|e| e.event.config_name() == event.config_name());
        assert!(fired, "{event} did not fire:\n{}", replayed.text);
    }
    Ok(())
}
