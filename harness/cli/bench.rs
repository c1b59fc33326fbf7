//! `hooktape bench`: prints what the harness costs against the floor of spawning the hook.

use super::out::outln;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use crate::bench::{
    allowed_cpus, floor_and_engine, generate_suite, parser_throughput, pin_to_first_cpu, run_suite,
    suite_in_child, Stats, SuiteRun, HOOK_COMMAND, PHASE_NAMES,
};
use crate::engine::HookEvent;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Hook runs for the spawn floor and for the engine.
    #[arg(long, default_value_t = 500)]
    runs: usize,
    /// Seconds of pure parsing per event.
    #[arg(long, default_value_t = 1.0)]
    parser_seconds: f64,
    /// Replays of the bundled suite per configuration (one core, all cores), interleaved;
    /// the medians are reported.
    #[arg(long, default_value_t = 3)]
    suite_rounds: usize,
    /// The project root holding `scenarios/` and `goldens/` (the bundled suite).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Generated suite sizes for the scaling part (comma-separated; empty to skip).
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
    sizes: Vec<usize>,
    /// Internal: replay the suite under PATHS in this process and print one JSON report.
    #[arg(long, hide = true)]
    suite_child: bool,
    /// Internal (with --suite-child): replays at once.
    #[arg(long, hide = true)]
    jobs: Option<usize>,
    /// Internal (with --suite-child): pin this process to CPU 0 before anything starts.
    #[arg(long, hide = true)]
    pin_first_cpu: bool,
    /// Internal (with --suite-child): scenario files or folders.
    #[arg(hide = true)]
    paths: Vec<PathBuf>,
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn line(out: &mut impl Write, name: &str, s: &Stats) -> std::io::Result<()> {
    writeln!(
        out,
        "{name:<28} runs {:>5}  mean {:>10}  median {:>10}  p95 {:>10}",
        s.runs,
        ms(s.mean),
        ms(s.median),
        ms(s.p95)
    )
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// The run with the median wall time.
fn median_run(mut runs: Vec<SuiteRun>) -> SuiteRun {
    runs.sort_by_key(|r| r.wall_ns);
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}

/// The cores a suite replay could use: its CPUs, or fewer jobs.
fn cores_used(r: &SuiteRun) -> usize {
    r.cpus.min(r.jobs).max(1)
}

/// The suite's ratio: wall / (Σ hook time / cores used).
fn suite_ratio(r: &SuiteRun) -> f64 {
    secs(r.wall_ns) / (secs(r.hook_ns) / cores_used(r) as f64).max(f64::MIN_POSITIVE)
}

/// The run with the median ratio (the upper middle one of an even count).
fn median_by_ratio(runs: &[SuiteRun]) -> &SuiteRun {
    let mut sorted: Vec<&SuiteRun> = runs.iter().collect();
    sorted.sort_by(|a, b| suite_ratio(a).total_cmp(&suite_ratio(b)));
    sorted[sorted.len() / 2]
}

fn profile(out: &mut impl Write, title: &str, r: &SuiteRun) -> std::io::Result<()> {
    let n = r.scenarios.max(1) as f64;
    writeln!(
        out,
        "   profile, {title} ({} scenarios; Σ over replays, per scenario):",
        r.scenarios
    )?;
    for (name, ns) in PHASE_NAMES.iter().zip(r.phase_ns) {
        writeln!(
            out,
            "     {name:<10} {:>10.1} ms  {:>8.3} ms/scenario",
            ns as f64 / 1e6,
            ns as f64 / 1e6 / n
        )?;
    }
    let beyond = r.phase_ns[2].saturating_sub(r.hook_ns);
    writeln!(
        out,
        "     (play = hook runs {:.1} ms + servers, agent loop, transcript {:.1} ms = {:.3} ms/scenario)",
        r.hook_ns as f64 / 1e6,
        beyond as f64 / 1e6,
        beyond as f64 / 1e6 / n
    )
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if args.suite_child {
        // Before any thread exists, so every thread and hook process inherits the mask.
        if args.pin_first_cpu {
            pin_to_first_cpu()?;
        }
        let jobs = args.jobs.unwrap_or_else(allowed_cpus);
        let report = run_suite(&args.paths, jobs)?;
        outln!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let out = &mut std::io::stdout().lock();
    if cfg!(debug_assertions) {
        writeln!(
            out,
            "warning: debug build; run `cargo run --release -- bench` for real figures"
        )?;
    }
    let cores = allowed_cpus();
    writeln!(
        out,
        "machine: {cores} cores, {}, load average at start {}",
        cpu_model(),
        loadavg()
    )?;
    writeln!(out, "hook command: sh -c {HOOK_COMMAND:?}\n")?;
    // Warm up the page cache and the shell.
    floor_and_engine(20)?;
    let fe = floor_and_engine(args.runs)?;
    line(out, "1. spawn floor (posix_spawn)", &fe.floor)?;
    line(out, "   floor with pre_exec (fork)", &fe.floor_fork)?;
    line(out, "2. engine, one handler", &fe.engine)?;
    let median = |s: &Stats| s.median.as_secs_f64().max(f64::MIN_POSITIVE);
    let ratio = median(&fe.engine) / median(&fe.floor);
    writeln!(
        out,
        "   fork / posix_spawn (median): {:.3}",
        median(&fe.floor_fork) / median(&fe.floor)
    )?;
    writeln!(
        out,
        "   engine / floor (median): {ratio:.3}  (goal <= 1.15: {})\n",
        verdict(ratio <= 1.15)
    )?;

    let suite = vec![args.root.join("scenarios")];
    let rounds = args.suite_rounds.max(1);
    writeln!(
        out,
        "3. bundled suite end to end ({}), median of {rounds} interleaved rounds, each in a child process:",
        suite[0].display()
    )?;
    suite_in_child(&suite, cores, false).context("warm-up replay of the bundled suite")?;
    let mut one = Vec::new();
    let mut all = Vec::new();
    for _ in 0..rounds {
        one.push(suite_in_child(&suite, 1, true).context("the one-core replay")?);
        all.push(suite_in_child(&suite, cores, false).context("the all-cores replay")?);
    }
    let one = median_run(one);
    let all = median_run(all);
    let mut worst: f64 = 0.0;
    for (name, r) in [
        ("one core (pinned to cpu 0, 1 job)", &one),
        ("all cores", &all),
    ] {
        let ratio = suite_ratio(r);
        worst = worst.max(ratio);
        writeln!(
            out,
            "   {name:<34} {} scenarios, {} cpus, {} jobs: wall {:>9}  Σ hook {:>9}  wall/(Σ hook/{}) {ratio:.2}  (goal <= 1.1: {})",
            r.scenarios,
            r.cpus,
            r.jobs,
            ms(Duration::from_nanos(r.wall_ns)),
            ms(Duration::from_nanos(r.hook_ns)),
            r.cpus.min(r.jobs).max(1),
            verdict(ratio <= 1.1)
        )?;
    }
    writeln!(
        out,
        "   speed-up all cores / one core: {:.2}",
        secs(one.wall_ns) / secs(all.wall_ns).max(f64::MIN_POSITIVE)
    )?;
    profile(out, "one core", &one)?;
    writeln!(out)?;

    writeln!(out, "4. pure parser, one core:")?;
    let budget = Duration::from_secs_f64(args.parser_seconds.max(0.01));
    let mut slowest = f64::INFINITY;
    for event in HookEvent::ALL {
        let (parsed, per_sec) = parser_throughput(event, budget);
        slowest = slowest.min(per_sec);
        writeln!(
            out,
            "   {:<18} {:>12.0} outputs/s  ({parsed} parsed)",
            event.config_name(),
            per_sec
        )?;
    }
    writeln!(
        out,
        "   slowest event: {slowest:.0} outputs/s  (goal >= 300,000: {})\n",
        verdict(slowest >= 300_000.0)
    )?;

    if !args.sizes.is_empty() {
        writeln!(
            out,
            "5. scaling: generated suites (copies of {} bundled scenarios), all cores, each in a child process:",
            crate::bench::SCALING_SOURCES.len()
        )?;
        let mut runs: Vec<SuiteRun> = Vec::new();
        for &size in &args.sizes {
            let dir = generate_suite(&args.root, size)?;
            let r = suite_in_child(&[dir.path().join("scenarios")], cores, false)
                .with_context(|| format!("the {size}-scenario suite"))?;
            writeln!(
                out,
                "   {:>6} scenarios: wall {:>11}  {:>7.3} ms/scenario  peak RSS {:>8} KiB  {:>7.1} KiB/scenario  wall/(Σ hook/{}) {:.2}",
                r.scenarios,
                ms(Duration::from_nanos(r.wall_ns)),
                r.wall_ns as f64 / 1e6 / r.scenarios.max(1) as f64,
                r.peak_rss_kib,
                r.peak_rss_kib as f64 / r.scenarios.max(1) as f64,
                r.cpus.min(r.jobs).max(1),
                suite_ratio(&r)
            )?;
            runs.push(r);
        }
        // Memory per scenario: what each further scenario adds to the peak.
        let mut marginal = Vec::new();
        for pair in runs.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let added = b.scenarios.saturating_sub(a.scenarios).max(1) as f64;
            let kib = (b.peak_rss_kib as f64 - a.peak_rss_kib as f64) / added;
            writeln!(
                out,
                "   {} -> {} scenarios: {kib:+.1} KiB of peak per added scenario",
                a.scenarios, b.scenarios
            )?;
            marginal.push(kib);
        }
        // Flat: the largest suite costs no more per added scenario than a few KiB (noise of
        // the allocator) — the replay keeps nothing per scenario beyond its result line.
        let flat = marginal.last().is_none_or(|&k| k <= 8.0);
        writeln!(
            out,
            "   memory per scenario (goal: flat, <= 8 KiB of peak per added scenario at the largest step): {}",
            verdict(flat)
        )?;
        if let Some(last) = runs.last() {
            profile(out, "largest generated suite, all cores", last)?;
        }
        if let Some(&size) = args.sizes.last() {
            servers(out, &args.root, size, cores, args.suite_rounds)?;
        }
    }
    writeln!(out, "\nload average at end {}", loadavg())?;
    Ok(ExitCode::SUCCESS)
}

/// The largest generated suite with a model server and analytics sink started per scenario
/// and with one shared server per process, interleaved in the same run; the medians.
fn servers(
    out: &mut impl std::io::Write,
    root: &std::path::Path,
    size: usize,
    cores: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    use crate::agent::model_server::Servers;
    writeln!(
        out,
        "\n6. servers: {size} generated scenarios, all cores, {} rounds interleaved; servers per scenario vs one shared per process:",
        rounds.max(1)
    )?;
    let dir = generate_suite(root, size)?;
    let paths = [dir.path().join("scenarios")];
    let (mut per, mut shared) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        per.push(crate::bench::suite_in_child_with(
            &paths,
            cores,
            false,
            Servers::PerSession,
        )?);
        shared.push(crate::bench::suite_in_child_with(
            &paths,
            cores,
            false,
            Servers::Shared,
        )?);
    }
    let mut ratios = Vec::new();
    for (name, runs) in [("per scenario", &per), ("shared", &shared)] {
        let ratio = suite_ratio(median_by_ratio(runs));
        let mut walls: Vec<u64> = runs.iter().map(|r| r.wall_ns).collect();
        walls.sort_unstable();
        let mut rss: Vec<u64> = runs.iter().map(|r| r.peak_rss_kib).collect();
        rss.sort_unstable();
        writeln!(
            out,
            "   {name:<13} wall {:>11} ({:.3} ms/scenario)  peak RSS {:>7} KiB  wall/(Σ hook/cores) {ratio:.2}",
            ms(Duration::from_nanos(walls[walls.len() / 2])),
            walls[walls.len() / 2] as f64 / 1e6 / size.max(1) as f64,
            rss[rss.len() / 2]
        )?;
        ratios.push(ratio);
    }
    writeln!(
        out,
        "   shared servers: wall/(Σ hook/cores) {:.2} -> {:.2}  (goal <= 1.1: {})",
        ratios[0],
        ratios[1],
        verdict(ratios[1] <= 1.1)
    )?;
    // What the goal asks of the harness, in the run with the median ratio: the core time a
    // scenario takes beyond its hooks, against the tenth of its hook time a ratio of 1.1
    // leaves.
    let median = median_by_ratio(&shared);
    let n = median.scenarios.max(1) as f64;
    let hook_ms = median.hook_ns as f64 / 1e6 / n;
    let core_ms = median.wall_ns as f64 / 1e6 * cores_used(median) as f64 / n;
    writeln!(
        out,
        "   per scenario (shared, median run): Σ hook {hook_ms:.3} ms, beyond it {:.3} ms of harness and idle cores (wall x cores - Σ hook); a ratio of 1.1 leaves {:.3} ms",
        core_ms - hook_ms,
        hook_ms / 10.0
    )?;
    Ok(())
}
