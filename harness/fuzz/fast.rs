//! The fast path of `hooktape fuzz`: a direct generator drawing the same kinds of cases as
//! [`super::strategies::parser_case`] straight from a seeded RNG (no proptest value trees,
//! which cost ~10 µs a case), and a greedy shrinker for what it finds: simpler exit, no
//! padding, empty streams, JSON keys removed and strings shortened, then byte chunks removed,
//! for as long as the same property still fails.

use super::properties::check_parser_case;
use super::strategies::{
    accepted_keys, Padding, ParserCase, StdoutKind, HOOK_EVENT_NAMES, RUNNER_ERRORS, WHITESPACE,
};
use crate::engine::{HandlerExit, HookEvent};

/// xorshift64* seeded through splitmix64.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[usize]) -> usize {
        let total: usize = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

const WORD: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.!?";
const ODD: &[char] = &[
    'é', 'ß', '漢', '🦀', '\u{feff}', '"', '\\', '{', '<', '%', '\'',
];

fn push_word_char(rng: &mut Rng, out: &mut String) {
    if rng.below(9) == 0 {
        out.push(*rng.pick(ODD));
    } else {
        out.push(char::from(*rng.pick(WORD)));
    }
}

fn push_blank(rng: &mut Rng, out: &mut String) {
    for _ in 0..rng.below(4) {
        out.push(*rng.pick(WHITESPACE));
    }
}

fn push_text(rng: &mut Rng, out: &mut String) {
    for _ in 0..rng.below(12) {
        match rng.below(9) {
            0..=5 => push_word_char(rng, out),
            6 | 7 => out.push(*rng.pick(WHITESPACE)),
            _ => out.push(char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{fffd}')),
        }
    }
}

fn push_nonblank(rng: &mut Rng, out: &mut String) {
    push_blank(rng, out);
    out.push(char::from(*rng.pick(&WORD[..36])));
    for _ in 0..rng.below(8) {
        push_word_char(rng, out);
    }
    push_blank(rng, out);
}

fn push_reason(rng: &mut Rng, out: &mut String) {
    if rng.chance(50) {
        push_blank(rng, out);
    } else {
        push_nonblank(rng, out);
    }
}

/// Writes `s` as a JSON string.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON object being written: keys in order, commas handled.
struct Obj<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, empty: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        push_json_str(self.out, key);
        self.out.push(':');
        self.out
    }

    fn close(self) {
        self.out.push('}');
    }
}

type Gen = fn(&mut Rng, &mut String);

/// Writes the value of an extra first key.
type FirstValue<'a> = dyn Fn(&mut Rng, &mut String) + 'a;

fn gen_text(rng: &mut Rng, out: &mut String) {
    let mut s = String::new();
    push_text(rng, &mut s);
    push_json_str(out, &s);
}

fn gen_reason(rng: &mut Rng, out: &mut String) {
    let mut s = String::new();
    push_reason(rng, &mut s);
    push_json_str(out, &s);
}

fn gen_bool(rng: &mut Rng, out: &mut String) {
    out.push_str(if rng.chance(50) { "true" } else { "false" });
}

fn gen_any(rng: &mut Rng, out: &mut String) {
    match rng.below(6) {
        0 => out.push_str("null"),
        1 => gen_bool(rng, out),
        2 => out.push_str(&(rng.next_u64() as i32).to_string()),
        3 => gen_text(rng, out),
        4 => out.push_str("[1,\"a\"]"),
        _ => out.push_str("{\"command\":\"echo hi\"}"),
    }
}

fn gen_event_name(rng: &mut Rng, out: &mut String) {
    push_json_str(out, rng.pick::<&str>(HOOK_EVENT_NAMES));
}

fn field(rng: &mut Rng, obj: &mut Obj<'_>, key: &str, percent: usize, gen: Gen) {
    if rng.chance(percent) {
        gen(rng, obj.key(key));
    }
}

fn universal(rng: &mut Rng, obj: &mut Obj<'_>) {
    field(rng, obj, "continue", 30, gen_bool);
    field(rng, obj, "stopReason", 20, gen_text);
    field(rng, obj, "suppressOutput", 15, gen_bool);
    field(rng, obj, "systemMessage", 30, gen_text);
}

fn block_and_reason(rng: &mut Rng, obj: &mut Obj<'_>) {
    field(rng, obj, "decision", 50, |_, out| out.push_str("\"block\""));
    field(rng, obj, "reason", 60, gen_reason);
}

fn context_specific(rng: &mut Rng, obj: &mut Obj<'_>, percent: usize, name: Gen) {
    if rng.chance(percent) {
        let out = obj.key("hookSpecificOutput");
        let mut inner = Obj::open(out);
        name(rng, inner.key("hookEventName"));
        field(rng, &mut inner, "additionalContext", 70, gen_text);
        inner.close();
    }
}

/// An object valid for the event (same shape as [`super::strategies::valid_output`]),
/// optionally starting with one extra `"key":value` written by `first`.
fn valid_object(
    event: HookEvent,
    rng: &mut Rng,
    out: &mut String,
    first: Option<(&str, &FirstValue<'_>)>,
) {
    let mut obj = Obj::open(out);
    if let Some((key, value)) = first {
        value(rng, obj.key(key));
    }
    universal(rng, &mut obj);
    match event {
        HookEvent::PreToolUse => {
            field(rng, &mut obj, "decision", 50, |rng, out| {
                push_json_str(out, if rng.chance(50) { "approve" } else { "block" })
            });
            field(rng, &mut obj, "reason", 60, gen_reason);
            if rng.chance(40) {
                let mut inner = Obj::open(obj.key("hookSpecificOutput"));
                gen_event_name(rng, inner.key("hookEventName"));
                field(rng, &mut inner, "permissionDecision", 60, |rng, out| {
                    push_json_str(out, rng.pick::<&str>(&["allow", "deny", "ask"]))
                });
                field(rng, &mut inner, "permissionDecisionReason", 60, gen_reason);
                field(rng, &mut inner, "updatedInput", 10, gen_any);
                field(rng, &mut inner, "additionalContext", 20, gen_reason);
                inner.close();
            }
        }
        HookEvent::PermissionRequest => {
            if rng.chance(70) {
                let mut inner = Obj::open(obj.key("hookSpecificOutput"));
                gen_event_name(rng, inner.key("hookEventName"));
                if rng.chance(80) {
                    let mut decision = Obj::open(inner.key("decision"));
                    let behavior = if rng.chance(50) { "allow" } else { "deny" };
                    push_json_str(decision.key("behavior"), behavior);
                    field(rng, &mut decision, "message", 60, gen_reason);
                    field(rng, &mut decision, "updatedInput", 10, gen_any);
                    field(rng, &mut decision, "updatedPermissions", 10, gen_any);
                    field(rng, &mut decision, "interrupt", 20, gen_bool);
                    decision.close();
                }
                inner.close();
            }
        }
        HookEvent::PostToolUse => {
            block_and_reason(rng, &mut obj);
            if rng.chance(40) {
                let mut inner = Obj::open(obj.key("hookSpecificOutput"));
                gen_event_name(rng, inner.key("hookEventName"));
                field(rng, &mut inner, "additionalContext", 60, gen_text);
                field(rng, &mut inner, "updatedMCPToolOutput", 10, gen_any);
                inner.close();
            }
        }
        HookEvent::SessionStart => context_specific(rng, &mut obj, 50, gen_event_name),
        HookEvent::UserPromptSubmit => {
            block_and_reason(rng, &mut obj);
            context_specific(rng, &mut obj, 50, gen_event_name);
        }
        HookEvent::Stop | HookEvent::SubagentStop => block_and_reason(rng, &mut obj),
        HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => {}
        HookEvent::SubagentStart => context_specific(rng, &mut obj, 50, |_, out| {
            out.push_str("\"SubagentStart\"")
        }),
    }
    obj.close();
}

const UNKNOWN_KEYS: &[&str] = &[
    "Continue",
    "stop_reason",
    "hookEventName",
    "additionalContext",
    "permissionDecision",
    "foo",
    "",
];
const WRONG_TYPES: &[&str] = &["7", "[]", "{\"x\":1}", "\"true\"", "false", "\"Block\""];
const ALMOST: &[&str] = &[
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
];
const TOKENS: &[&str] = &[
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
];

fn near_miss(event: HookEvent, rng: &mut Rng) -> Vec<u8> {
    let mut out = String::new();
    match rng.below(9) {
        0 => {
            let key = *rng.pick(UNKNOWN_KEYS);
            valid_object(event, rng, &mut out, Some((key, &gen_any)));
        }
        1 => {
            let key = *rng.pick(accepted_keys(event));
            let bad = *rng.pick(WRONG_TYPES);
            valid_object(event, rng, &mut out, Some((key, &|_, o| o.push_str(bad))));
        }
        2 => {
            let key = *rng.pick(accepted_keys(event));
            valid_object(
                event,
                rng,
                &mut out,
                Some((key, &|_, o| o.push_str("null"))),
            );
        }
        3 => {
            valid_object(event, rng, &mut out, None);
            let mut cut = 1 + rng.below(out.len());
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut.max(1));
        }
        4 => out.push_str(rng.pick::<&str>(ALMOST)),
        5 => {
            push_nonblank(rng, &mut out);
            valid_object(event, rng, &mut out, None);
        }
        6 => {
            out.push('\u{feff}');
            valid_object(event, rng, &mut out, None);
        }
        7 => {
            valid_object(event, rng, &mut out, None);
            let mut bytes = out.into_bytes();
            let at = rng.below(bytes.len() + 1);
            bytes.insert(at, *rng.pick(&[0x80u8, 0xff, 0xc3, 0xfe]));
            return bytes;
        }
        _ => {
            let name = event.config_name();
            valid_object(
                event,
                rng,
                &mut out,
                Some(("hookSpecificOutput", &|rng: &mut Rng, o: &mut String| {
                    let mut inner = Obj::open(o);
                    push_json_str(inner.key("hookEventName"), name);
                    gen_text(rng, inner.key("additionalContext"));
                    inner.close();
                })),
            );
        }
    }
    out.into_bytes()
}

fn stdout(event: HookEvent, rng: &mut Rng) -> (Vec<u8>, StdoutKind) {
    match rng.weighted(&[1, 4, 4, 1, 1, 1]) {
        0 => {
            let mut s = String::new();
            push_blank(rng, &mut s);
            (s.into_bytes(), StdoutKind::Blank)
        }
        1 => {
            let mut s = String::new();
            valid_object(event, rng, &mut s, None);
            (s.into_bytes(), StdoutKind::SchemaValid)
        }
        2 => (near_miss(event, rng), StdoutKind::NearMiss),
        3 => {
            let mut s = String::new();
            push_text(rng, &mut s);
            (s.into_bytes(), StdoutKind::Text)
        }
        4 => {
            let mut s = String::new();
            for _ in 0..rng.below(12) {
                s.push_str(rng.pick::<&str>(TOKENS));
            }
            (s.into_bytes(), StdoutKind::Text)
        }
        _ => {
            let n = rng.below(32);
            (
                (0..n).map(|_| rng.next_u64() as u8).collect(),
                StdoutKind::Bytes,
            )
        }
    }
}

fn stderr(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::new();
    match rng.weighted(&[2, 2, 3, 1]) {
        0 => {}
        1 => push_blank(rng, &mut s),
        2 => push_nonblank(rng, &mut s),
        _ => {
            let n = rng.below(16);
            return (0..n).map(|_| rng.next_u64() as u8).collect();
        }
    }
    s.into_bytes()
}

fn exit(rng: &mut Rng) -> HandlerExit {
    match rng.weighted(&[6, 4, 1, 1, 1, 1, 1]) {
        0 => HandlerExit::Code { code: 0 },
        1 => HandlerExit::Code { code: 2 },
        2 => HandlerExit::Code { code: 1 },
        3 => HandlerExit::Code { code: 127 },
        4 => HandlerExit::Code {
            code: rng.next_u64() as i32,
        },
        5 => HandlerExit::Signal {
            signal: *rng.pick(&[Some(9), Some(15), Some(6), None]),
        },
        _ => HandlerExit::RunnerError {
            message: (*rng.pick(RUNNER_ERRORS)).to_owned(),
        },
    }
}

fn padding(rng: &mut Rng) -> Padding {
    let mut p = Padding::default();
    push_blank(rng, &mut p.before);
    push_blank(rng, &mut p.after);
    p
}

/// A stdout object valid for `event` (under its schema for the six reference events), as
/// compact JSON text.
pub fn valid_output_text(event: HookEvent, rng: &mut Rng) -> String {
    let mut out = String::new();
    valid_object(event, rng, &mut out, None);
    out
}

/// One case for `event`, drawn directly from `rng`.
pub fn generate(event: HookEvent, rng: &mut Rng) -> ParserCase {
    let exit = exit(rng);
    let (stdout, stdout_kind) = stdout(event, rng);
    ParserCase {
        exit,
        stdout,
        stderr: stderr(rng),
        stdout_kind,
        stdout_pad: padding(rng),
        stderr_pad: padding(rng),
    }
}

// ---- shrinking ----
mod shrink;
pub use shrink::shrink;

#[cfg(test)]
mod tests {
    use super::shrink::candidates;
    use super::*;
    use crate::fuzz::properties::wire_accepts;

    #[test]
    fn valid_objects_are_accepted_by_the_wire_structs() {
        let mut rng = Rng::new(3);
        for event in HookEvent::ALL {
            for _ in 0..2000 {
                let mut s = String::new();
                valid_object(event, &mut rng, &mut s, None);
                let value: serde_json::Value = serde_json::from_str(&s).expect("generated JSON");
                assert!(wire_accepts(event, &value), "{event}: {s}");
            }
        }
    }

    #[test]
    fn shrinking_keeps_the_failure_and_gets_smaller() {
        let case = ParserCase {
            exit: HandlerExit::RunnerError {
                message: "hook timed out after 1s".to_owned(),
            },
            stdout: b"{\"a\":1}".to_vec(),
            stderr: b"noise".to_vec(),
            stdout_kind: StdoutKind::NearMiss,
            stdout_pad: Padding {
                before: " ".to_owned(),
                after: "\n".to_owned(),
            },
            stderr_pad: Padding::default(),
        };
        let smaller = candidates(&case);
        assert!(smaller
            .iter()
            .any(|c| c.exit == HandlerExit::Code { code: 0 }));
        assert!(smaller.iter().any(|c| c.stdout_pad == Padding::default()));
        assert!(smaller.iter().any(|c| c.stdout == b"{}"));
    }
}
