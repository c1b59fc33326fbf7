//! `hooktape bench`: prints what the harness costs against the floor of spawning the hook.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::bench::{engine_per_hook, parser_throughput, spawn_floor, Stats, HOOK_COMMAND};
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

fn line(name: &str, s: &Stats) {
    println!(
        "{name:<28} runs {:>5}  mean {:>10}  median {:>10}  p95 {:>10}",
        s.runs,
        ms(s.mean),
        ms(s.median),
        ms(s.p95)
    );
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        println!("warning: debug build; run `cargo run --release -- bench` for real figures");
    }
    println!(
        "machine: {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("hook command: sh -c {HOOK_COMMAND:?}\n");
    // Warm up the page cache and the shell.
    spawn_floor(20)?;
    let floor = spawn_floor(args.runs)?;
    let engine = engine_per_hook(args.runs)?;
    line("1. spawn floor (std)", &floor);
    line("2. engine, one handler", &engine);
    let ratio = engine.median.as_secs_f64() / floor.median.as_secs_f64().max(f64::MIN_POSITIVE);
    let verdict = if ratio <= 1.15 { "met" } else { "NOT met" };
    println!("   engine / floor (median): {ratio:.3}  (goal <= 1.15: {verdict})\n");
    println!("4. pure parser, one core:");
    let budget = Duration::from_secs_f64(args.parser_seconds.max(0.01));
    let mut slowest = f64::INFINITY;
    for event in HookEvent::ALL {
        let (parsed, per_sec) = parser_throughput(event, budget);
        slowest = slowest.min(per_sec);
        println!(
            "   {:<18} {:>12.0} outputs/s  ({parsed} parsed)",
            event.config_name(),
            per_sec
        );
    }
    let verdict = if slowest >= 300_000.0 {
        "met"
    } else {
        "NOT met"
    };
    println!("   slowest event: {slowest:.0} outputs/s  (goal >= 300,000: {verdict})");
    Ok(ExitCode::SUCCESS)
}
