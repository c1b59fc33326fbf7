//! `hooktape bench`: prints what the harness costs against the floor of spawning the hook.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::bench::{floor_and_engine, parser_throughput, Stats, HOOK_COMMAND};
use crate::engine::HookEvent;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Hook runs for the spawn floor and for the engine.
    #[arg(long, default_value_t = 500)]
    runs: usize,
    /// Seconds of pure parsing per event.
    #[arg(long, default_value_t = 1.0)]
    parser_seconds: f64,
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

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let out = &mut std::io::stdout().lock();
    if cfg!(debug_assertions) {
        writeln!(
            out,
            "warning: debug build; run `cargo run --release -- bench` for real figures"
        )?;
    }
    writeln!(
        out,
        "machine: {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    )?;
    writeln!(out, "hook command: sh -c {HOOK_COMMAND:?}\n")?;
    // Warm up the page cache and the shell.
    floor_and_engine(20)?;
    let (floor, engine) = floor_and_engine(args.runs)?;
    line(out, "1. spawn floor (std)", &floor)?;
    line(out, "2. engine, one handler", &engine)?;
    let ratio = engine.median.as_secs_f64() / floor.median.as_secs_f64().max(f64::MIN_POSITIVE);
    let verdict = if ratio <= 1.15 { "met" } else { "NOT met" };
    writeln!(
        out,
        "   engine / floor (median): {ratio:.3}  (goal <= 1.15: {verdict})\n"
    )?;
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
    let verdict = if slowest >= 300_000.0 {
        "met"
    } else {
        "NOT met"
    };
    writeln!(
        out,
        "   slowest event: {slowest:.0} outputs/s  (goal >= 300,000: {verdict})"
    )?;
    Ok(ExitCode::SUCCESS)
}
