//! Property tests of the hook-output parsers, aggregation and matchers. The properties
//! themselves live in `hooktape::fuzz::properties` (shared with `hooktape fuzz`); this file
//! drives them through proptest. `PROPTEST_CASES` sets the case count (default 256);
//! failures are persisted in `proptest-regressions/properties.txt`.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use hooktape::engine::clock::FixedClock;
use hooktape::engine::config::{ConfiguredHandler, Discovered, DiscoveryInput};
use hooktape::engine::matcher::Matcher;
use hooktape::engine::outcome::{EntryKind, HandlerExit, HandlerOutcome};
use hooktape::engine::parse::parse_output;
use hooktape::engine::request::{EventPayload, HookContext, HookRequest, PermissionMode};
use hooktape::engine::runner::RunnerConfig;
use hooktape::engine::summary::HookSource;
use hooktape::engine::{Engine, HookEvent};
use hooktape::fuzz::properties::{
    aggregation_ignores_completion_order, check_parser_case, matcher_all_forms_match_everything,
    matcher_exact_set_or_regex, spec_aggregate_rules, spec_invalid_json_text, spec_plain_text_rule,
    wire_accepts, SpecPlainText,
};
use hooktape::fuzz::repro::reproduction;
use hooktape::fuzz::strategies::{
    exact_matcher, handlers_and_completion, near_miss, parser_case, regex_matcher,
    schema_valid_case, subject, valid_output, ParserCase, WHITESPACE,
};
use proptest::prelude::*;
use proptest::sample::select;

#[path = "support/payload.rs"]
mod payload;
#[path = "support/schemas.rs"]
mod schemas;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Value};

/// `PROPTEST_CASES` (or 256) cases, failures persisted under `proptest-regressions/`.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// For tests that spawn processes: at most 8 cases, whatever `PROPTEST_CASES` says (use it
/// with `TestRunner::new`, not `proptest!`, which re-applies the variable).
fn process_config() -> ProptestConfig {
    let mut c = config();
    c.cases = c.cases.min(8);
    c
}

fn any_event() -> impl Strategy<Value = HookEvent> {
    select(HookEvent::ALL.to_vec())
}

fn reference_event() -> impl Strategy<Value = HookEvent> {
    select(HookEvent::REFERENCE.to_vec())
}

fn check(event: HookEvent, case: &ParserCase) -> Result<(), TestCaseError> {
    check_parser_case(event, case).map_err(|f| TestCaseError::fail(f.to_string()))
}

// ---- every parser property, per event ----

macro_rules! parser_properties {
    ($($name:ident => $event:expr),* $(,)?) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $name(case in parser_case($event)) {
                    check($event, &case)?;
                }
            )*
        }
    };
}

parser_properties! {
    parser_properties_pre_tool_use => HookEvent::PreToolUse,
    parser_properties_permission_request => HookEvent::PermissionRequest,
    parser_properties_post_tool_use => HookEvent::PostToolUse,
    parser_properties_session_start => HookEvent::SessionStart,
    parser_properties_user_prompt_submit => HookEvent::UserPromptSubmit,
    parser_properties_stop => HookEvent::Stop,
    parser_properties_pre_compact => HookEvent::PreCompact,
    parser_properties_post_compact => HookEvent::PostCompact,
    parser_properties_subagent_start => HookEvent::SubagentStart,
    parser_properties_subagent_stop => HookEvent::SubagentStop,
    parser_properties_session_end => HookEvent::SessionEnd,
}

// ---- the generators agree with the published schemas ----

/// The six reference events' output schemas, compiled once.
static VALIDATORS: LazyLock<Vec<(HookEvent, jsonschema::Validator)>> = LazyLock::new(|| {
    HookEvent::REFERENCE
        .iter()
        .map(|&event| {
            let validator = schemas::hook(event, "output")
                .and_then(|schema| schemas::validator(&schema))
                .unwrap_or_else(|e| panic!("{event} output schema: {e}"));
            (event, validator)
        })
        .collect()
});

fn validator(event: HookEvent) -> &'static jsonschema::Validator {
    &VALIDATORS
        .iter()
        .find(|(e, _)| *e == event)
        .unwrap_or_else(|| panic!("no schema for {event}"))
        .1
}

proptest! {
    #![proptest_config(config())]

    /// The "valid" generator really produces schema-valid objects (checked against the
    /// real schema files), and every one parses without the invalid-JSON error.
    #[test]
    fn schema_valid_outputs_validate_and_parse(
        (event, (value, case)) in reference_event().prop_flat_map(|e| (Just(e), schema_valid_case(e)))
    ) {
        let v = validator(event);
        let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
        prop_assert!(errors.is_empty(), "{event}: generated {value} is not schema-valid: {errors:?}");
        check(event, &case)?;
        let outcome = parse_output(event, &case.padded_raw());
        prop_assert!(
            !outcome.entries.iter().any(|e| e.text == spec_invalid_json_text(event)),
            "{event}: schema-valid {value} got the invalid-JSON error"
        );
    }

    /// For the later events (no published schema), the valid generator matches the wire structs.
    #[test]
    fn later_event_outputs_match_the_wire_structs(
        (event, value) in select(HookEvent::ALL[6..].to_vec()).prop_flat_map(|e| (Just(e), valid_output(e)))
    ) {
        prop_assert!(wire_accepts(event, &value), "{event}: generated {value} is rejected by the wire struct");
    }

    /// Schema and parser agree on near misses that are objects: schema-invalid ⇒ the parser
    /// rejects it too, except for `null` on an optional string, which the parser treats as
    /// absent (spec §9.6) while the schema types those keys as plain strings.
    #[test]
    fn near_miss_objects_rejected_by_the_schema_are_rejected_by_the_parser(
        (event, bytes) in reference_event().prop_flat_map(|e| (Just(e), near_miss(e)))
    ) {
        let Ok(text) = std::str::from_utf8(&bytes) else { return Ok(()); };
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else { return Ok(()); };
        if !value.is_object() || has_null(&value) || has_duplicate_keys(text) {
            return Ok(());
        }
        let schema_ok = validator(event).is_valid(&value);
        let parser_ok = wire_accepts(event, &value);
        prop_assert_eq!(schema_ok, parser_ok, "{}: schema and parser disagree on {}", event, value);
    }

    /// Aggregation depends on declaration order only (pure): handlers finishing in any
    /// order give the declaration-order aggregate, which follows the spec's rules.
    #[test]
    fn aggregation_depends_on_declaration_order_only(
        (event, (cases, completion)) in any_event().prop_flat_map(|e| (Just(e), handlers_and_completion(e, 5)))
    ) {
        let outcomes: Vec<HandlerOutcome> = cases.iter().map(|c| parse_output(event, &c.raw())).collect();
        aggregation_ignores_completion_order(event, &outcomes, &completion).map_err(TestCaseError::fail)?;
    }

    /// The exact-set/regex split of matchers.
    #[test]
    fn matchers_are_exact_sets_or_unanchored_regexes(
        matcher in prop_oneof![exact_matcher(), regex_matcher()],
        subject in subject(),
    ) {
        matcher_exact_set_or_regex(&matcher, &subject).map_err(TestCaseError::fail)?;
    }

    /// `*`, `""` and an omitted matcher match everything.
    #[test]
    fn star_empty_and_omitted_matchers_match_everything(subject in subject()) {
        matcher_all_forms_match_everything(&subject).map_err(TestCaseError::fail)?;
    }

    /// `Engine::select` picks a handler once however many of the tool's names (canonical
    /// and aliases) match it, exactly when one matches, in declaration order.
    #[test]
    fn a_handler_is_selected_once_however_many_aliases_match(
        matchers in proptest::collection::vec(
            proptest::option::of(prop_oneof![exact_matcher(), regex_matcher(), Just("*".to_owned())]),
            1..6,
        ),
        tool_name in subject(),
        aliases in proptest::collection::vec(subject(), 0..4),
    ) {
        let handlers: Vec<ConfiguredHandler> = matchers
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let matcher = Matcher::compile(m.as_deref()).ok()?;
                Some(handler(HookEvent::PreToolUse, matcher, m.clone(), i as i64))
            })
            .collect();
        let engine = Engine::new(
            Discovered { handlers: handlers.clone(), warnings: Vec::new(), skipped: Vec::new(), start_error: None },
            RunnerConfig::default(),
            Arc::new(FixedClock::new(0)),
        );
        let mut request = HookRequest::new(
            context("/"),
            EventPayload::PreToolUse {
                tool_name: tool_name.clone(),
                tool_input: json!({}),
                tool_use_id: "call-1".to_owned(),
            },
        );
        request.matcher_aliases = aliases.clone();
        let selected: Vec<i64> = engine.select(&request).iter().map(|h| h.display_order).collect();
        let subjects: Vec<&str> = std::iter::once(tool_name.as_str()).chain(aliases.iter().map(String::as_str)).collect();
        let expected: Vec<i64> = handlers
            .iter()
            .filter(|h| subjects.iter().any(|s| h.matcher.matches(s)))
            .map(|h| h.display_order)
            .collect();
        prop_assert_eq!(&selected, &expected, "subjects {:?}", subjects);
        let unique: BTreeSet<i64> = selected.iter().copied().collect();
        prop_assert_eq!(unique.len(), selected.len(), "a handler was selected twice");
    }
}

/// The fast generator of `hooktape fuzz` produces schema-valid objects too.
#[test]
fn fast_generator_outputs_validate_against_the_schemas() {
    let mut rng = hooktape::fuzz::fast::Rng::new(11);
    for event in HookEvent::REFERENCE {
        let v = validator(event);
        for _ in 0..2000 {
            let text = hooktape::fuzz::fast::valid_output_text(event, &mut rng);
            let value: Value = serde_json::from_str(&text).expect("the generator writes JSON");
            let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
            assert!(
                errors.is_empty(),
                "{event}: {text} is not schema-valid: {errors:?}"
            );
        }
    }
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.iter().any(has_null),
        Value::Object(m) => m.values().any(has_null),
        _ => false,
    }
}

/// Near misses include duplicate keys, where the last wins for both; skip those.
fn has_duplicate_keys(text: &str) -> bool {
    text.matches("\"continue\"").count() > 1
}

fn handler(
    event: HookEvent,
    matcher: Matcher,
    text: Option<String>,
    order: i64,
) -> ConfiguredHandler {
    ConfiguredHandler {
        event,
        matcher,
        matcher_text: text,
        command: "true".to_owned(),
        timeout_secs: 5,
        status_message: None,
        source_path: "/hooks.json".to_owned(),
        source: HookSource::User,
        display_order: order,
        is_managed: false,
        is_async: false,
        mcp: None,
        plugin: None,
        context_limit: None,
    }
}

fn context(cwd: &str) -> HookContext {
    HookContext {
        session_id: "s-1".to_owned(),
        turn_id: "turn-1".to_owned(),
        transcript_path: None,
        cwd: cwd.to_owned(),
        model: "gpt-test".to_owned(),
        permission_mode: PermissionMode::Default,
        agent: None,
    }
}

// ---- finishing order with real processes ----

fn runnable_case(event: HookEvent) -> impl Strategy<Value = ParserCase> {
    parser_case(event).prop_filter(
        "a real process can end like this",
        |c| matches!(c.exit, HandlerExit::Code { code } if (0..=255).contains(&code)),
    )
}

/// Runs the cases as real hooks of one event; handler `i` sleeps `delays[i]` tenths of a
/// second first. Returns each run's (status, entries) and the aggregate.
fn run_real(
    dir: &tempfile::TempDir,
    event: HookEvent,
    cases: &[ParserCase],
    delays: &[u64],
) -> anyhow::Result<RealRun> {
    let hooks: Vec<Value> = cases
        .iter()
        .zip(delays)
        .map(|(case, delay)| {
            let repro = reproduction(case).ok_or_else(|| anyhow::anyhow!("not reproducible"))?;
            Ok(json!({"hooks": [{"type": "command", "command": format!("sleep 0.{delay}; {}", repro.command), "timeout": 10}]}))
        })
        .collect::<anyhow::Result<_>>()?;
    let path = dir.path().join("hooks.json");
    std::fs::write(
        &path,
        json!({"hooks": {event.config_name(): hooks}}).to_string(),
    )?;
    let input = DiscoveryInput::single_json(HookSource::User, path);
    let engine = Engine::discover(
        &input,
        RunnerConfig::default(),
        Arc::new(FixedClock::new(0)),
    );
    let cwd = dir.path().display().to_string();
    let mut request = HookRequest::new(context(&cwd), payload::payload(event));
    if event == HookEvent::PermissionRequest {
        request.run_id_suffix = Some("call-1".to_owned());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let run = runtime.block_on(engine.run(&request));
    let ids = run.runs.iter().map(|r| r.summary.id.clone()).collect();
    let runs = run
        .runs
        .iter()
        .map(|r| {
            (
                r.summary.status.as_str().to_owned(),
                r.summary
                    .entries
                    .iter()
                    .map(|e| (e.kind, e.text.clone()))
                    .collect(),
            )
        })
        .collect();
    Ok((runs, run.outcome, ids))
}

/// Each run's (status, entries), the aggregate, the run ids.
type RealRun = (
    Vec<(String, Vec<(EntryKind, String)>)>,
    hooktape::engine::EventOutcome,
    Vec<String>,
);

/// Real hooks finishing first-declared-last and first-declared-first give the same runs
/// and the same aggregate, equal to the pure parse and aggregation in declaration order.
///
/// Driven by `TestRunner::new` rather than `proptest!`: the macro re-applies
/// `PROPTEST_CASES` over the given config, which would lift the cap on spawned processes.
#[test]
fn finishing_order_never_changes_the_aggregate() {
    let strategy = select(vec![
        HookEvent::PreToolUse,
        HookEvent::PermissionRequest,
        HookEvent::PostToolUse,
        HookEvent::UserPromptSubmit,
        HookEvent::Stop,
    ])
    .prop_flat_map(|e| (Just(e), proptest::collection::vec(runnable_case(e), 2..4)));
    let mut runner = proptest::test_runner::TestRunner::new(process_config());
    let result = runner.run(&strategy, |(event, cases)| {
        let n = cases.len() as u64;
        let late_first: Vec<u64> = (0..n).map(|i| (n - i) * 2).collect();
        let early_first: Vec<u64> = (0..n).map(|i| (i + 1) * 2).collect();
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (runs_a, outcome_a, run_ids) = run_real(&dir, event, &cases, &late_first)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (runs_b, outcome_b, _) = run_real(&dir, event, &cases, &early_first)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&runs_a, &runs_b);
        prop_assert_eq!(&outcome_a, &outcome_b);
        let outcomes: Vec<HandlerOutcome> = cases
            .iter()
            .map(|c| parse_output(event, &c.raw()))
            .collect();
        let pure_runs: Vec<(String, Vec<(EntryKind, String)>)> = outcomes
            .iter()
            .map(|o| {
                (
                    o.status.as_str().to_owned(),
                    o.entries.iter().map(|e| (e.kind, e.text.clone())).collect(),
                )
            })
            .collect();
        prop_assert_eq!(
            &runs_a,
            &pure_runs,
            "real hooks must parse like the pure parser"
        );
        spec_aggregate_rules(event, &outcomes, &run_ids, &outcome_a)
            .map_err(TestCaseError::fail)?;
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

fn repro_config() -> ProptestConfig {
    let mut c = config();
    c.cases = c.cases.min(48);
    c
}

proptest! {
    #![proptest_config(repro_config())]

    /// The `printf` command `hooktape fuzz` prints for a case, run by `sh`, writes exactly the
    /// case's bytes and ends with its exit code (or signal).
    #[test]
    fn the_reproduction_command_replays_the_case(
        (event, case) in any_event().prop_flat_map(|e| (Just(e), parser_case(e)))
    ) {
        let Some(repro) = reproduction(&case) else { return Ok(()); };
        if repro.timeout_secs.is_some() {
            return Ok(()); // a timeout would make this test sleep
        }
        let out = std::process::Command::new("sh").arg("-c").arg(&repro.command).output()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&out.stdout, &case.stdout, "stdout of {}", repro.command);
        prop_assert_eq!(&out.stderr, &case.stderr, "stderr of {}", repro.command);
        use std::os::unix::process::ExitStatusExt;
        match case.exit {
            HandlerExit::Code { code } => prop_assert_eq!(out.status.code(), Some(code.rem_euclid(256))),
            HandlerExit::Signal { signal } => prop_assert_eq!(out.status.signal(), Some(signal.unwrap_or(9))),
            // Both carry a timeout, returned early above.
            HandlerExit::RunnerError { .. } | HandlerExit::OutputHeldOpen { .. } => {}
        }
        let _ = event;
    }
}

// ---- fixed points of spec §9.1 (trimming) ----

#[test]
fn the_whitespace_set_is_whitespace_and_a_bom_is_not() {
    for c in WHITESPACE {
        assert!(c.is_whitespace(), "{c:?}");
    }
    assert!(!'\u{feff}'.is_whitespace());
}

#[test]
fn a_bom_before_json_is_plain_text_and_nbsp_around_it_is_trimmed() {
    let raw = |stdout: &str| hooktape::engine::RawOutput {
        exit: HandlerExit::Code { code: 0 },
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
    };
    for event in HookEvent::ALL {
        let bom = parse_output(event, &raw("\u{feff}{}"));
        let expected = match spec_plain_text_rule(event) {
            SpecPlainText::Context => "context",
            SpecPlainText::Ignored => "completed",
            SpecPlainText::Invalid => "failed",
        };
        let got = match (bom.status.as_str(), bom.entries.first().map(|e| e.kind)) {
            ("completed", Some(EntryKind::Context)) => {
                assert_eq!(
                    bom.entries[0].text, "\u{feff}{}",
                    "{event}: the BOM is kept"
                );
                "context"
            }
            (status, _) => status,
        };
        assert_eq!(got, expected, "{event}: BOM + {{}}");
        let nbsp = parse_output(event, &raw("\u{a0}{}\u{a0}"));
        assert_eq!(
            nbsp,
            HandlerOutcome::completed(),
            "{event}: NBSP around {{}}"
        );
    }
}
