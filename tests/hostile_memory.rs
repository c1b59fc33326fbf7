//! 1 GiB of hook output, on stdout and then on stderr: the capture stays at the cap, the
//! rest is counted as dropped, and this process's peak resident memory (VmHWM) stays under
//! 100 MiB. A test binary of its own, with a single test, so nothing else inflates VmHWM.

#[path = "support/payload.rs"]
mod payload;
#[path = "support/hostile.rs"]
mod support;

use std::time::Duration;

use hooktape::engine::runner::{RunnerConfig, DEFAULT_OUTPUT_CAP};
use hooktape::engine::{HookEvent, RunStatus};
use support::{assert_summary, only, payload, peak_rss_kib, report, run_one, HookDir};

const GIB: u64 = 1024 * 1024 * 1024;
const PEAK_LIMIT_KIB: u64 = 100 * 1024;

#[test]
fn one_gib_of_output_is_capped_and_memory_stays_bounded() {
    let before = peak_rss_kib();
    let cap = DEFAULT_OUTPUT_CAP as u64;
    for (case, command, on_stdout) in [
        ("1 GiB to stdout", "head -c 1073741824 /dev/zero", true),
        ("1 GiB to stderr", "head -c 1073741824 /dev/zero >&2", false),
    ] {
        let dir = HookDir::new().unwrap();
        let (run, elapsed) = run_one(
            &dir,
            HookEvent::PreToolUse,
            command,
            120,
            RunnerConfig::default(),
            payload(HookEvent::PreToolUse),
        )
        .unwrap();
        let h = only(&run).unwrap();
        let peak = peak_rss_kib();
        report(
            case,
            &format!(
                "completed; kept {} + {} B, dropped {} + {} B",
                h.stdout.len(),
                h.stderr.len(),
                h.stdout_dropped,
                h.stderr_dropped
            ),
            elapsed,
            0,
            "one_gib_of_output_is_capped_and_memory_stays_bounded",
        );
        // 8 MiB of NUL bytes is plain text for PreToolUse: ignored.
        assert_summary(h, RunStatus::Completed, &[]);
        let (kept, dropped, other, other_dropped) = if on_stdout {
            (
                h.stdout.len(),
                h.stdout_dropped,
                h.stderr.len(),
                h.stderr_dropped,
            )
        } else {
            (
                h.stderr.len(),
                h.stderr_dropped,
                h.stdout.len(),
                h.stdout_dropped,
            )
        };
        assert_eq!(kept as u64, cap, "{case}");
        assert_eq!(dropped, GIB - cap, "{case}");
        assert_eq!((other, other_dropped), (0, 0), "{case}");
        assert!(elapsed < Duration::from_secs(120), "{case}");
        assert!(
            peak < PEAK_LIMIT_KIB,
            "{case}: peak RSS {peak} KiB (was {before} KiB before)"
        );
    }
    eprintln!(
        "HOSTILE-MEMORY | peak RSS before {} MiB, after both runs {} MiB",
        before / 1024,
        peak_rss_kib() / 1024
    );
}
