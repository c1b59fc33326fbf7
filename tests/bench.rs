//! `hooktape bench` as a user runs it, on a small root (the five scenarios the generated
//! suites copy, with their goldens), every part at its smallest. Figures depend on the
//! machine, so this checks the report's shape and its arithmetic, never a speed.

#[path = "support/cli.rs"]
mod cli;

use anyhow::Context as _;
use hooktape::bench::SCALING_SOURCES;

/// The numbers in `line`, in order (`1.23`, `456`; a `-` right before one is kept).
fn numbers(line: &str) -> Vec<f64> {
    let re = regex::Regex::new(r"-?\d+(?:\.\d+)?").expect("the pattern is valid");
    re.find_iter(line)
        .filter_map(|m| m.as_str().parse().ok())
        .collect()
}

fn line_with<'a>(report: &'a str, needle: &str) -> anyhow::Result<&'a str> {
    report
        .lines()
        .find(|l| l.contains(needle))
        .with_context(|| format!("no line with {needle:?} in:\n{report}"))
}

#[test]
fn bench_reports_every_part_on_a_small_root() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    for name in SCALING_SOURCES {
        for (dir, ext) in [("scenarios", "toml"), ("goldens", "snap")] {
            let rel = format!("{dir}/{name}.{ext}");
            let text = std::fs::read_to_string(cli::repo().join(&rel))?;
            cli::write(&root.path().join(&rel), &text)?;
        }
    }
    let root_arg = root.path().to_string_lossy().into_owned();
    let out = cli::run(
        root.path(),
        &[
            "bench",
            "--runs",
            "5",
            "--parser-seconds",
            "0.01",
            "--suite-rounds",
            "1",
            "--sizes",
            "5,10",
            "--root",
            &root_arg,
        ],
    )?;
    let report = cli::text(&out);
    assert!(out.status.success(), "{report}");

    for part in [
        "1. spawn floor",
        "2. engine, one handler",
        "3. bundled suite end to end",
        "4. pure parser",
        "5. scaling: generated suites",
        "6. servers: 10 generated scenarios",
    ] {
        line_with(&report, part)?;
    }
    // Part 3 replayed the root's five scenarios, on one core and on all of them.
    let one_core = line_with(&report, "one core (pinned to cpu 0, 1 job)")?;
    assert!(
        one_core.contains(" 5 scenarios, 1 cpus, 1 jobs"),
        "{one_core}"
    );
    // Part 5: one line per size, each with its ratio.
    for size in ["5 scenarios: wall", "10 scenarios: wall"] {
        let l = line_with(&report, size)?;
        let ratio = *numbers(l).last().context("a ratio")?;
        assert!(ratio > 0.0, "{l}");
    }
    // Part 6: both configurations, then the verdict on the goal beside its two ratios.
    let per = numbers(line_with(&report, "per scenario  wall")?);
    let shared = numbers(line_with(&report, "shared        wall")?);
    let verdict = line_with(&report, "shared servers: wall/(Σ hook/cores)")?;
    let v = numbers(verdict);
    assert_eq!(
        (v[0], v[1]),
        (
            *per.last().context("a ratio")?,
            *shared.last().context("a ratio")?
        ),
        "{verdict}"
    );
    // The report judges the unrounded ratio; at a printed 1.10 either verdict is right.
    if v[1] != 1.1 {
        let expected = if v[1] < 1.1 { "met" } else { "NOT met" };
        assert!(
            verdict.ends_with(&format!("(goal <= 1.1: {expected})")),
            "{verdict}"
        );
    }
    // The budget line: harness time + Σ hook = wall × cores, and the goal leaves a tenth of
    // the hook time; both per scenario, so their ratio is the suite's (to rounding).
    let budget = numbers(line_with(&report, "a ratio of 1.1 leaves")?);
    let (hook, beyond, allowed) = (budget[0], budget[1], budget[3]);
    assert!(hook > 0.0, "{budget:?}");
    assert!((allowed - hook / 10.0).abs() < 0.002, "{budget:?}");
    let implied_ratio = (hook + beyond) / hook;
    assert!(
        (implied_ratio - v[1]).abs() < 0.02,
        "harness {beyond} ms + hooks {hook} ms per scenario imply {implied_ratio}, the report says {}",
        v[1]
    );
    Ok(())
}
