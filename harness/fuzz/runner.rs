//! Runs the parser properties in-process with proptest's `TestRunner`, a seeded RNG and
//! proptest's shrinking. Cases are drawn in chunks of [`CHUNK`]; chunk `k` of an event has
//! its own seed derived from `(seed, event, k)`, so a run by time and a run by count draw
//! the same cases, and a failure found in chunk `k` is found again by
//! `--seed S --cases (k+1)*CHUNK`.

use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use super::fast;
use super::properties::{check_parser_case, PropertyFailure};
use super::strategies::{parser_case, ParserCase};
use crate::engine::HookEvent;

/// Cases per runner (and per seed).
pub const CHUNK: u64 = 4096;

/// How long to fuzz one event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// At least this many cases (rounded up to whole chunks).
    Cases(u64),
    /// Until this much time has passed (checked between chunks).
    Time(Duration),
}

/// One event fuzzed without failure.
#[derive(Debug, Clone, PartialEq)]
pub struct EventReport {
    pub event: HookEvent,
    pub cases: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// CPU time of the fuzzing thread (what one core did, whatever else the machine ran).
    pub cpu: Duration,
}

impl EventReport {
    pub fn cases_per_second(&self) -> f64 {
        self.cases as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn cases_per_cpu_second(&self) -> f64 {
        self.cases as f64 / self.cpu.as_secs_f64().max(1e-9)
    }
}

/// CPU time consumed by the calling thread so far (zero if the clock cannot be read).
pub fn thread_cpu_time() -> Duration {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// A property that failed, with the shrunk case.
#[derive(Debug, Clone)]
pub struct FuzzFailure {
    pub event: HookEvent,
    pub failure: PropertyFailure,
    /// The minimal failing case proptest shrank to.
    pub case: ParserCase,
    pub seed: u64,
    /// The chunk the failure was found in (0-based).
    pub chunk: u64,
    /// Cases run before the chunk that failed.
    pub cases_before: u64,
}

/// splitmix64: spreads `(seed, event, chunk)` into independent RNG seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn chunk_seed(seed: u64, event: HookEvent, chunk: u64) -> u64 {
    let event_index = HookEvent::ALL.iter().position(|e| *e == event).unwrap_or(0) as u64;
    mix(mix(seed ^ mix(event_index.wrapping_add(1))) ^ chunk)
}

fn chunk_rng(seed: u64, event: HookEvent, chunk: u64) -> TestRng {
    let a = chunk_seed(seed, event, chunk);
    let b = mix(a);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::XorShift, &bytes)
}

fn chunk_config(cases: u64) -> Config {
    Config {
        cases: u32::try_from(cases).unwrap_or(u32::MAX),
        failure_persistence: None,
        max_shrink_iters: 100_000,
        max_shrink_time: 10_000,
        source_file: None,
        verbose: 0,
        ..Config::default()
    }
}

/// Fuzzes one event's parser with every parser property.
pub fn fuzz_event(
    event: HookEvent,
    budget: Budget,
    seed: u64,
) -> Result<EventReport, Box<FuzzFailure>> {
    let strategy = parser_case(event);
    fuzz_with(event, &strategy, budget, seed, |case| {
        check_parser_case(event, case)
    })
}

/// Runs chunks of [`CHUNK`] cases until the budget is spent: `chunk(n)` runs chunk `n` and
/// returns the first failing case, already shrunk. Both generators share this loop.
fn chunk_loop(
    event: HookEvent,
    budget: Budget,
    seed: u64,
    mut chunk: impl FnMut(u64) -> Option<(PropertyFailure, ParserCase)>,
) -> Result<EventReport, Box<FuzzFailure>> {
    let started = Instant::now();
    let cpu_started = thread_cpu_time();
    let mut cases = 0u64;
    let mut n = 0u64;
    loop {
        let done = match budget {
            Budget::Cases(max) => cases >= max.max(1),
            Budget::Time(t) => cases > 0 && started.elapsed() >= t,
        };
        if done {
            break;
        }
        if let Some((failure, case)) = chunk(n) {
            return Err(Box::new(FuzzFailure {
                event,
                failure,
                case,
                seed,
                chunk: n,
                cases_before: cases,
            }));
        }
        cases += CHUNK;
        n += 1;
    }
    Ok(EventReport {
        event,
        cases,
        elapsed: started.elapsed(),
        cpu: thread_cpu_time().saturating_sub(cpu_started),
    })
}

/// Fuzzes `check` over `strategy`; the shape behind [`fuzz_event`], open for other checks.
pub fn fuzz_with<S>(
    event: HookEvent,
    strategy: &S,
    budget: Budget,
    seed: u64,
    check: impl Fn(&ParserCase) -> Result<(), PropertyFailure>,
) -> Result<EventReport, Box<FuzzFailure>>
where
    S: Strategy<Value = ParserCase>,
{
    chunk_loop(event, budget, seed, |chunk| {
        let mut runner =
            TestRunner::new_with_rng(chunk_config(CHUNK), chunk_rng(seed, event, chunk));
        let result = runner.run(strategy, |case| {
            check(&case).map_err(|f| TestCaseError::fail(f.to_string()))
        });
        match result {
            Ok(()) => None,
            Err(TestError::Fail(reason, case)) => {
                let failure = check(&case).err().unwrap_or(PropertyFailure {
                    property: "unknown",
                    message: reason.to_string(),
                });
                Some((failure, case))
            }
            // No strategy here rejects, so an abort means proptest itself gave up.
            Err(TestError::Abort(reason)) => Some((
                PropertyFailure {
                    property: "proptest_aborted",
                    message: reason.to_string(),
                },
                ParserCase {
                    exit: crate::engine::HandlerExit::Code { code: 0 },
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                    stdout_kind: super::strategies::StdoutKind::Blank,
                    stdout_pad: Default::default(),
                    stderr_pad: Default::default(),
                },
            )),
        }
    })
}

/// How cases are drawn and shrunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// [`super::fast`]: direct generation from the RNG, greedy shrinking (the default).
    Fast,
    /// proptest's `TestRunner` over [`parser_case`], value-tree shrinking (~5x slower).
    Proptest,
}

/// Fuzzes one event with the chosen generator.
pub fn fuzz(
    event: HookEvent,
    budget: Budget,
    seed: u64,
    generator: Generator,
) -> Result<EventReport, Box<FuzzFailure>> {
    match generator {
        Generator::Fast => fuzz_event_fast(event, budget, seed),
        Generator::Proptest => fuzz_event(event, budget, seed),
    }
}

/// Fuzzes one event's parser with every parser property, drawing cases with
/// [`super::fast::generate`] and shrinking a failure with [`super::fast::shrink`].
pub fn fuzz_event_fast(
    event: HookEvent,
    budget: Budget,
    seed: u64,
) -> Result<EventReport, Box<FuzzFailure>> {
    chunk_loop(event, budget, seed, |chunk| {
        let mut rng = fast::Rng::new(chunk_seed(seed, event, chunk));
        for _ in 0..CHUNK {
            let case = fast::generate(event, &mut rng);
            if let Err(failure) = check_parser_case(event, &case) {
                let case = fast::shrink(event, case, failure.property, 10_000);
                let failure = check_parser_case(event, &case).err().unwrap_or(failure);
                return Some((failure, case));
            }
        }
        None
    })
}

/// Runs `f` with panic messages silenced (the never-panics property catches them, and
/// shrinking would print one per attempt), restoring the previous hook afterwards.
pub fn with_quiet_panics<T>(f: impl FnOnce() -> T) -> T {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = f();
    std::panic::set_hook(previous);
    result
}
