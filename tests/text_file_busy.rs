//! `Text file busy` (ETXTBSY, exit 126): a hook script written for one scenario while another
//! scenario's hook is being forked. The fork's child holds a copy of every open descriptor
//! until it execs, so a script still open for writing in the parent is "busy" for whoever
//! execs it in that window. This stress test materialises workspaces and runs their scripts
//! from many threads at once and counts runs that did not exit 0.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hooktape::engine::outcome::HandlerExit;
use hooktape::engine::runner::{run_command, Invocation, RunnerConfig};
use hooktape::scenario::{load_str, Workspace};

/// A scenario with `files` hook scripts of about 64 KiB each (a comment pads them), so that
/// writing a workspace takes long enough for other threads' forks to land inside it.
fn scenario_text(files: usize) -> String {
    let pad = format!("# {}\n", "x".repeat(64 * 1024));
    let mut text = String::from("description = \"scripts to exec\"\n");
    for i in 0..files {
        text += &format!(
            "[[files]]\npath = \".codex/hooks/h{i}.sh\"\ncontent = \"\"\"\n#!/bin/sh\n{pad}exit 0\n\"\"\"\n"
        );
    }
    text + "[[turns]]\nprompt = \"p\"\n"
}

/// Runs `threads × rounds` materialise-then-exec cycles; returns (failures, total, examples).
fn stress(threads: usize, rounds: usize) -> (usize, usize, Vec<String>) {
    let failures = Arc::new(AtomicUsize::new(0));
    let examples = Arc::new(std::sync::Mutex::new(Vec::new()));
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario_path = dir.path().join("scenarios/busy.toml");
    let scenario = Arc::new(load_str(&scenario_path, &scenario_text(4)).expect("scenario loads"));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (failures, examples, scenario) =
                (failures.clone(), examples.clone(), scenario.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                for _ in 0..rounds {
                    let ws = Workspace::materialise(&scenario).expect("workspace");
                    let run = rt.block_on(run_command(
                        &RunnerConfig::default(),
                        Invocation::Shell("./.codex/hooks/h0.sh && ./.codex/hooks/h3.sh"),
                        Path::new(&ws.project),
                        b"",
                        Duration::from_secs(30),
                        30,
                    ));
                    if run.exit != (HandlerExit::Code { code: 0 }) {
                        failures.fetch_add(1, Ordering::Relaxed);
                        let mut ex = examples.lock().expect("lock");
                        if ex.len() < 3 {
                            ex.push(format!(
                                "{:?} {}",
                                run.exit,
                                String::from_utf8_lossy(&run.stderr).trim()
                            ));
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("stress thread");
    }
    let examples = examples.lock().expect("lock").clone();
    (failures.load(Ordering::Relaxed), threads * rounds, examples)
}

#[test]
fn scripts_written_while_others_fork_never_fail_with_text_file_busy() {
    let rounds: usize = std::env::var("HOOKTAPE_BUSY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let threads: usize = std::env::var("HOOKTAPE_BUSY_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let (failed, total, examples) = stress(threads, rounds);
    println!("text file busy stress: {failed} of {total} runs failed");
    assert_eq!(
        failed, 0,
        "{failed} of {total} runs failed, e.g. {examples:#?}"
    );
}
