//! proptest strategies for everything a hook can do to the parser: exit statuses, stderr,
//! and stdout that is empty, valid under the event's published schema (or, for the later
//! events, under the wire structs of `engine/wire/output.rs`), a near miss of it, plain
//! text or arbitrary bytes. Plus strategies for multi-handler outcomes and matchers.

use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{Map, Value};

use crate::engine::outcome::{HandlerExit, RawOutput};
use crate::engine::HookEvent;

/// Characters `str::trim` removes, as the reference engine trims: Unicode `White_Space`,
/// NBSP included. The BOM (`U+FEFF`) is deliberately absent: it is not whitespace.
pub const WHITESPACE: &[char] = &[
    ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2007}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

/// The six `hookEventName` values the reference accepts (never cross-checked).
pub const HOOK_EVENT_NAMES: &[&str] = &[
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "SessionStart",
    "UserPromptSubmit",
    "Stop",
];

/// Where a case's stdout came from; properties use it only for what the generator promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutKind {
    /// Empty or whitespace only.
    Blank,
    /// A JSON object valid under the event's output schema (serialized compactly).
    SchemaValid,
    /// A mutation of a valid object: unknown key, wrong type, null, truncation, scalar,
    /// text before it, BOM, non-UTF-8 byte, duplicate key, misplaced `hookSpecificOutput`.
    NearMiss,
    /// Text that may or may not look like JSON.
    Text,
    /// Arbitrary bytes.
    Bytes,
}

/// Whitespace put around a stream by the trimming property.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Padding {
    pub before: String,
    pub after: String,
}

impl Padding {
    pub fn wrap(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.before.len() + bytes.len() + self.after.len());
        out.extend_from_slice(self.before.as_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(self.after.as_bytes());
        out
    }
}

/// One generated hook result for one event.
#[derive(Clone, PartialEq, Eq)]
pub struct ParserCase {
    pub exit: HandlerExit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_kind: StdoutKind,
    /// Whitespace the trimming property wraps stdout in.
    pub stdout_pad: Padding,
    /// Whitespace the trimming property wraps stderr in.
    pub stderr_pad: Padding,
}

/// Streams shown as text (escaped), or as escaped bytes when they are not UTF-8.
pub fn show_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => format!("{s:?}"),
        Err(_) => format!("b\"{}\"", bytes.escape_ascii()),
    }
}

impl std::fmt::Debug for ParserCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParserCase")
            .field("exit", &self.exit)
            .field("stdout", &format_args!("{}", show_bytes(&self.stdout)))
            .field("stderr", &format_args!("{}", show_bytes(&self.stderr)))
            .field("stdout_kind", &self.stdout_kind)
            .field("stdout_pad", &self.stdout_pad)
            .field("stderr_pad", &self.stderr_pad)
            .finish()
    }
}

impl ParserCase {
    /// What the parser is given.
    pub fn raw(&self) -> RawOutput {
        RawOutput {
            exit: self.exit.clone(),
            stdout: self.stdout.clone(),
            stderr: self.stderr.clone(),
        }
    }

    /// The same result with both streams wrapped in their padding.
    pub fn padded_raw(&self) -> RawOutput {
        RawOutput {
            exit: self.exit.clone(),
            stdout: self.stdout_pad.wrap(&self.stdout),
            stderr: self.stderr_pad.wrap(&self.stderr),
        }
    }
}

// ---- text ----

fn whitespace_char() -> impl Strategy<Value = char> + Clone {
    select(WHITESPACE)
}

/// Whitespace only (possibly empty).
pub fn blank_text() -> impl Strategy<Value = String> + Clone {
    proptest::collection::vec(whitespace_char(), 0..4).prop_map(String::from_iter)
}

fn word_char() -> impl Strategy<Value = char> + Clone {
    prop_oneof![
        8 => select(&b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.!?"[..])
            .prop_map(char::from),
        1 => select(&['é', 'ß', '漢', '🦀', '\u{feff}', '"', '\\', '{', '<', '%', '\''][..]),
    ]
}

fn text_char() -> impl Strategy<Value = char> + Clone {
    prop_oneof![
        6 => word_char(),
        2 => whitespace_char(),
        1 => any::<char>(),
    ]
}

/// Any short text (possibly blank).
pub fn text() -> impl Strategy<Value = String> + Clone {
    proptest::collection::vec(text_char(), 0..12).prop_map(String::from_iter)
}

/// Text with at least one non-whitespace character, possibly wrapped in whitespace.
pub fn nonblank_text() -> impl Strategy<Value = String> + Clone {
    (
        blank_text(),
        select(&b"abcdefghijklmnopqrstuvwxyz0123456789"[..]),
        proptest::collection::vec(word_char(), 0..8),
        blank_text(),
    )
        .prop_map(|(before, first, rest, after)| {
            let mut s = before;
            s.push(char::from(first));
            s.extend(rest);
            s.push_str(&after);
            s
        })
}

/// A reason as hooks write them: blank about as often as not.
pub fn reason() -> impl Strategy<Value = String> + Clone {
    prop_oneof![blank_text(), nonblank_text()]
}

// ---- JSON values ----

fn string_value(s: impl Strategy<Value = String> + Clone + 'static) -> BoxedStrategy<Value> {
    s.prop_map(Value::String).boxed()
}

fn bool_value() -> BoxedStrategy<Value> {
    any::<bool>().prop_map(Value::Bool).boxed()
}

fn const_str(values: &'static [&'static str]) -> BoxedStrategy<Value> {
    select(values)
        .prop_map(|v| Value::String(v.to_owned()))
        .boxed()
}

/// Any small JSON value (for `updatedInput`, `updatedPermissions`, `updatedMCPToolOutput`).
pub fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::vec((select(&["a", "command", "x"][..]), inner), 0..3).prop_map(
                |kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            ),
        ]
    })
    .boxed()
}

type Field = (&'static str, BoxedStrategy<Option<Value>>);

/// An optional key: present with probability `p`.
fn optional(name: &'static str, p: f64, value: BoxedStrategy<Value>) -> Field {
    (name, proptest::option::weighted(p, value).boxed())
}

fn required(name: &'static str, value: BoxedStrategy<Value>) -> Field {
    (name, value.prop_map(Some).boxed())
}

/// A JSON object made of the given keys, in order, each present or not.
fn object(fields: Vec<Field>) -> BoxedStrategy<Value> {
    let (names, values): (Vec<&'static str>, Vec<BoxedStrategy<Option<Value>>>) =
        fields.into_iter().unzip();
    values
        .prop_map(move |values| {
            let mut map = Map::new();
            for (name, value) in names.iter().zip(values) {
                if let Some(value) = value {
                    map.insert((*name).to_owned(), value);
                }
            }
            Value::Object(map)
        })
        .boxed()
}

fn universal_fields() -> Vec<Field> {
    vec![
        optional("continue", 0.3, bool_value()),
        optional("stopReason", 0.2, string_value(text())),
        optional("suppressOutput", 0.15, bool_value()),
        optional("systemMessage", 0.3, string_value(text())),
    ]
}

fn with_universal(mut specific: Vec<Field>) -> BoxedStrategy<Value> {
    let mut fields = universal_fields();
    fields.append(&mut specific);
    object(fields)
}

fn hook_event_name() -> BoxedStrategy<Value> {
    const_str(HOOK_EVENT_NAMES)
}

fn block_and_reason() -> Vec<Field> {
    vec![
        optional("decision", 0.5, const_str(&["block"])),
        optional("reason", 0.6, string_value(reason())),
    ]
}

/// A stdout object valid for `event`: under its published JSON Schema for the six reference
/// events (no `null`s: the schemas type optional strings as plain strings), under the wire
/// structs for the later events.
pub fn valid_output(event: HookEvent) -> BoxedStrategy<Value> {
    match event {
        HookEvent::PreToolUse => with_universal(vec![
            optional("decision", 0.5, const_str(&["approve", "block"])),
            optional("reason", 0.6, string_value(reason())),
            optional(
                "hookSpecificOutput",
                0.4,
                object(vec![
                    required("hookEventName", hook_event_name()),
                    optional(
                        "permissionDecision",
                        0.6,
                        const_str(&["allow", "deny", "ask"]),
                    ),
                    optional("permissionDecisionReason", 0.6, string_value(reason())),
                    optional("updatedInput", 0.1, any_json()),
                    optional("additionalContext", 0.2, string_value(reason())),
                ]),
            ),
        ]),
        HookEvent::PermissionRequest => with_universal(vec![optional(
            "hookSpecificOutput",
            0.7,
            object(vec![
                required("hookEventName", hook_event_name()),
                optional(
                    "decision",
                    0.8,
                    object(vec![
                        required("behavior", const_str(&["allow", "deny"])),
                        optional("message", 0.6, string_value(reason())),
                        optional("updatedInput", 0.1, any_json()),
                        optional("updatedPermissions", 0.1, any_json()),
                        optional("interrupt", 0.2, bool_value()),
                    ]),
                ),
            ]),
        )]),
        HookEvent::PostToolUse => {
            let mut fields = block_and_reason();
            fields.push(optional(
                "hookSpecificOutput",
                0.4,
                object(vec![
                    required("hookEventName", hook_event_name()),
                    optional("additionalContext", 0.6, string_value(text())),
                    optional("updatedMCPToolOutput", 0.1, any_json()),
                ]),
            ));
            with_universal(fields)
        }
        HookEvent::SessionStart => with_universal(vec![context_output(hook_event_name())]),
        HookEvent::UserPromptSubmit => {
            let mut fields = block_and_reason();
            fields.push(context_output(hook_event_name()));
            with_universal(fields)
        }
        HookEvent::Stop | HookEvent::SubagentStop => with_universal(block_and_reason()),
        HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => with_universal(Vec::new()),
        HookEvent::SubagentStart => {
            with_universal(vec![context_output(const_str(&["SubagentStart"]))])
        }
    }
}

fn context_output(name: BoxedStrategy<Value>) -> Field {
    optional(
        "hookSpecificOutput",
        0.5,
        object(vec![
            required("hookEventName", name),
            optional("additionalContext", 0.7, string_value(text())),
        ]),
    )
}

/// The top-level keys the event's output object accepts.
pub fn accepted_keys(event: HookEvent) -> &'static [&'static str] {
    const UNIVERSAL: &[&str] = &["continue", "stopReason", "suppressOutput", "systemMessage"];
    match event {
        HookEvent::PreToolUse | HookEvent::PostToolUse | HookEvent::UserPromptSubmit => &[
            "continue",
            "stopReason",
            "suppressOutput",
            "systemMessage",
            "decision",
            "reason",
            "hookSpecificOutput",
        ],
        HookEvent::Stop | HookEvent::SubagentStop => &[
            "continue",
            "stopReason",
            "suppressOutput",
            "systemMessage",
            "decision",
            "reason",
        ],
        HookEvent::PermissionRequest | HookEvent::SessionStart | HookEvent::SubagentStart => &[
            "continue",
            "stopReason",
            "suppressOutput",
            "systemMessage",
            "hookSpecificOutput",
        ],
        HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => UNIVERSAL,
    }
}

/// Keys no event accepts at the top level (case and spelling slips included).
const UNKNOWN_KEYS: &[&str] = &[
    "Continue",
    "stop_reason",
    "hookEventName",
    "additionalContext",
    "permissionDecision",
    "foo",
    "",
];

fn wrong_type_value() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::from(7)),
        Just(Value::Array(Vec::new())),
        Just(serde_json::json!({"x": 1})),
        Just(Value::String("true".to_owned())),
        Just(Value::Bool(false)),
        Just(Value::String("Block".to_owned())),
    ]
    .boxed()
}

fn to_bytes(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn insert_first(value: &Value, key: &str, new: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), new);
    if let Value::Object(old) = value {
        for (k, v) in old {
            map.insert(k.clone(), v.clone());
        }
    }
    Value::Object(map)
}

/// Near misses of a valid output, as stdout bytes. Some are still accepted (a `null` for an
/// optional string, a wrong type that happens to fit); the properties judge each one.
pub fn near_miss(event: HookEvent) -> BoxedStrategy<Vec<u8>> {
    let valid = valid_output(event);
    let keys = accepted_keys(event);
    prop_oneof![
        // An unknown key next to valid ones.
        (valid.clone(), select(UNKNOWN_KEYS), any_json())
            .prop_map(|(v, key, extra)| { to_bytes(&insert_first(&v, key, extra)) }),
        // A wrong type for an accepted key.
        (valid.clone(), select(keys), wrong_type_value())
            .prop_map(|(v, key, bad)| to_bytes(&insert_first(&v, key, bad))),
        // A null for an accepted key (fine for optional strings, fatal for the booleans).
        (valid.clone(), select(keys))
            .prop_map(|(v, key)| to_bytes(&insert_first(&v, key, Value::Null))),
        // Truncated JSON.
        (valid.clone(), any::<Index>()).prop_map(|(v, cut)| {
            let text = to_bytes(&v);
            let at = cut.index(text.len().max(1));
            text[..at.max(1).min(text.len())].to_vec()
        }),
        // JSON scalars, arrays and other almost-objects.
        select(
            &[
                "null",
                "true",
                "false",
                "42",
                "-0.5e3",
                "\"x\"",
                "\"{}\"",
                "[]",
                "[{}]",
                "[{\"continue\":false}]",
                "{}x",
                "{} {}",
                "{\"continue\":false,\"continue\":true}",
                "{\"continue\":true,\"continue\":false}",
                "{\"continue\":null}",
                "{\"suppressOutput\":null}",
                "{\"decision\":null}",
                "{\"hookSpecificOutput\":null}",
                "{\"hookSpecificOutput\":{}}",
                "{\"hookSpecificOutput\":{\"additionalContext\":\"x\"}}",
                "{\"hookSpecificOutput\":{\"hookEventName\":\"Other\"}}",
                "{\"decision\":\"block\"}",
                "{\"decision\":\"block\",\"reason\":\"\\u00a0\"}",
                "{\"decision\":\"block\",\"reason\":\"\\ufeff\"}",
                "{\"continue\":false,\"decision\":\"block\"}",
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
        // Text before the JSON.
        (nonblank_text(), valid.clone()).prop_map(|(before, v)| {
            let mut out = before.into_bytes();
            out.extend(to_bytes(&v));
            out
        }),
        // A BOM before the JSON (a BOM is not whitespace).
        valid.clone().prop_map(|v| {
            let mut out = "\u{feff}".as_bytes().to_vec();
            out.extend(to_bytes(&v));
            out
        }),
        // A byte that is not UTF-8 somewhere inside.
        (valid.clone(), any::<Index>(), select(&[0x80u8, 0xff, 0xc3, 0xfe][..])).prop_map(
            |(v, at, byte)| {
                let mut out = to_bytes(&v);
                let i = at.index(out.len() + 1);
                out.insert(i, byte);
                out
            }
        ),
        // Claude-style hookSpecificOutput named after the running event.
        (valid, text()).prop_map(move |(v, context)| {
            to_bytes(&insert_first(
                &v,
                "hookSpecificOutput",
                serde_json::json!({"hookEventName": event.config_name(), "additionalContext": context}),
            ))
        }),
    ]
    .boxed()
}

/// JSON-ish token soup, to poke the JSON reader.
fn token_soup() -> impl Strategy<Value = Vec<u8>> + Clone {
    proptest::collection::vec(
        select(
            &[
                "{",
                "}",
                "[",
                "]",
                "\"",
                "\\",
                ":",
                ",",
                "null",
                "true",
                "1e999",
                "-0",
                "\"continue\"",
                "\"decision\"",
                "\"block\"",
                "\"reason\"",
                "\"hookSpecificOutput\"",
                " ",
                "\n",
                "\u{feff}",
                "\u{a0}",
            ][..],
        ),
        0..12,
    )
    .prop_map(|tokens| tokens.concat().into_bytes())
}

/// Any stdout for `event`, tagged with where it came from.
pub fn stdout(event: HookEvent) -> BoxedStrategy<(Vec<u8>, StdoutKind)> {
    prop_oneof![
        1 => blank_text().prop_map(|s| (s.into_bytes(), StdoutKind::Blank)),
        4 => valid_output(event).prop_map(|v| (to_bytes(&v), StdoutKind::SchemaValid)),
        4 => near_miss(event).prop_map(|b| (b, StdoutKind::NearMiss)),
        1 => text().prop_map(|s| (s.into_bytes(), StdoutKind::Text)),
        1 => token_soup().prop_map(|b| (b, StdoutKind::Text)),
        1 => proptest::collection::vec(any::<u8>(), 0..32).prop_map(|b| (b, StdoutKind::Bytes)),
    ]
    .boxed()
}

/// Any stderr: empty, whitespace, text (often padded), or bytes.
pub fn stderr() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        2 => blank_text().prop_map(String::into_bytes),
        3 => nonblank_text().prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..16),
    ]
    .boxed()
}

/// Texts the runner reports as errors (spawn failure, stdin write error, timeout).
pub const RUNNER_ERRORS: &[&str] = &[
    "hook timed out after 1s",
    "hook timed out after 600s",
    "failed to write hook stdin: Connection reset by peer (os error 104)",
    "No such file or directory (os error 2)",
    "failed to wait for hook process",
];

/// How the hook ended: exit 0 and 2 often, 1, 127 and any other code, a signal, a runner error.
pub fn exit() -> BoxedStrategy<HandlerExit> {
    prop_oneof![
        6 => Just(HandlerExit::Code { code: 0 }),
        4 => Just(HandlerExit::Code { code: 2 }),
        1 => Just(HandlerExit::Code { code: 1 }),
        1 => Just(HandlerExit::Code { code: 127 }),
        1 => any::<i32>().prop_map(|code| HandlerExit::Code { code }),
        1 => select(&[Some(9), Some(15), Some(6), None][..])
            .prop_map(|signal| HandlerExit::Signal { signal }),
        1 => select(RUNNER_ERRORS).prop_map(|m| HandlerExit::RunnerError { message: m.to_owned() }),
    ]
    .boxed()
}

/// Whitespace around a stream.
pub fn padding() -> impl Strategy<Value = Padding> + Clone {
    (blank_text(), blank_text()).prop_map(|(before, after)| Padding { before, after })
}

/// One complete hook result for `event`.
pub fn parser_case(event: HookEvent) -> BoxedStrategy<ParserCase> {
    (exit(), stdout(event), stderr(), padding(), padding())
        .prop_map(
            |(exit, (stdout, stdout_kind), stderr, stdout_pad, stderr_pad)| ParserCase {
                exit,
                stdout,
                stderr,
                stdout_kind,
                stdout_pad,
                stderr_pad,
            },
        )
        .boxed()
}

/// An exit-0 result whose stdout is valid under the event's schema; the value is returned
/// too so tests can validate it against the schema file.
pub fn schema_valid_case(event: HookEvent) -> BoxedStrategy<(Value, ParserCase)> {
    (valid_output(event), padding())
        .prop_map(|(value, stdout_pad)| {
            let case = ParserCase {
                exit: HandlerExit::Code { code: 0 },
                stdout: to_bytes(&value),
                stderr: Vec::new(),
                stdout_kind: StdoutKind::SchemaValid,
                stdout_pad,
                stderr_pad: Padding::default(),
            };
            (value, case)
        })
        .boxed()
}

/// Several handlers of one event, in declaration order, with the order they finish in
/// (a permutation of their indices).
pub fn handlers_and_completion(
    event: HookEvent,
    max: usize,
) -> BoxedStrategy<(Vec<ParserCase>, Vec<usize>)> {
    proptest::collection::vec(parser_case(event), 1..=max.max(1))
        .prop_flat_map(|cases| {
            let order: Vec<usize> = (0..cases.len()).collect();
            (Just(cases), Just(order).prop_shuffle())
        })
        .boxed()
}

/// Matchers made only of `[A-Za-z0-9_|]`: exact name sets.
pub fn exact_matcher() -> impl Strategy<Value = String> + Clone {
    proptest::collection::vec(
        prop_oneof![
            3 => select(&["Bash", "Write", "Edit", "apply_patch", "mcp__fs__read", "startup", "manual", "art", ""][..])
                .prop_map(str::to_owned),
            1 => "[A-Za-z0-9_]{0,6}",
        ],
        1..4,
    )
    .prop_map(|parts| parts.join("|"))
    .prop_filter("non-empty exact set", |m| !m.is_empty())
}

/// Matchers with at least one regex character (they are unanchored regexes when they compile).
pub fn regex_matcher() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        select(
            &[
                "^Bash",
                "Bash$",
                "^Bash$",
                "mcp__.*",
                ".*",
                "Ed.t",
                "^(Write|Edit)$",
                "a+",
                "[A-Z]",
                " Bash",
                "Bash.*",
                "^apply",
                "(?i)bash",
                "\\w+",
                "r.",
                "^$",
            ][..]
        )
        .prop_map(str::to_owned),
        (
            "[A-Za-z_]{0,4}",
            select(&[".", ".*", "^", "$", "+", "[a-z]", "(a|B)", "\\d"][..]),
            "[A-Za-z_]{0,4}"
        )
            .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
    ]
}

/// Subjects a matcher is tested against: tool names, sources, triggers, agent types.
pub fn subject() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => select(
            &["Bash", "apply_patch", "Write", "Edit", "mcp__fs__read", "mcp__memory__write", "startup",
              "resume", "manual", "auto", "art", "BashOutput", ""][..]
        )
        .prop_map(str::to_owned),
        1 => "[A-Za-z0-9_]{0,8}",
    ]
}
