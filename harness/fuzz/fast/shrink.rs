//! Shrinking a failing case: smaller exits, JSON, bytes and padding, while it still fails.

#[allow(unused_imports)]
use super::*;

fn exit_rank(exit: &HandlerExit) -> u8 {
    match exit {
        HandlerExit::Code { code: 0 } => 0,
        HandlerExit::Code { code: 1 } => 1,
        HandlerExit::Code { code: 2 } => 2,
        HandlerExit::Code { .. } => 3,
        HandlerExit::Signal { .. } => 4,
        HandlerExit::RunnerError { .. } | HandlerExit::OutputHeldOpen { .. } => 5,
    }
}

/// Smaller variants of a JSON value: removed keys, shortened strings, recursively.
fn json_candidates(value: &serde_json::Value) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for key in map.keys() {
                let mut smaller = map.clone();
                smaller.shift_remove(key);
                out.push(Value::Object(smaller));
            }
            for (key, inner) in map {
                for candidate in json_candidates(inner) {
                    let mut changed = map.clone();
                    changed.insert(key.clone(), candidate);
                    out.push(Value::Object(changed));
                }
            }
        }
        Value::String(s) if !s.is_empty() => {
            let chars: Vec<char> = s.chars().collect();
            out.push(Value::String(String::new()));
            out.push(Value::String(chars[..chars.len() / 2].iter().collect()));
            out.push(Value::String(chars[1..].iter().collect()));
            out.push(Value::String(chars[..chars.len() - 1].iter().collect()));
        }
        _ => {}
    }
    out
}

fn byte_chunk_removals(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut size = bytes.len() / 2;
    while size >= 1 {
        let mut start = 0;
        while start + size <= bytes.len() {
            let mut v = bytes[..start].to_vec();
            v.extend_from_slice(&bytes[start + size..]);
            out.push(v);
            start += size;
        }
        size /= 2;
    }
    out
}

fn shorter_padding(p: &Padding) -> Vec<Padding> {
    let mut out = Vec::new();
    if *p != Padding::default() {
        out.push(Padding::default());
    }
    if let Some(c) = p.before.chars().next() {
        out.push(Padding {
            before: p.before[c.len_utf8()..].to_owned(),
            after: p.after.clone(),
        });
    }
    if let Some(c) = p.after.chars().next() {
        out.push(Padding {
            before: p.before.clone(),
            after: p.after[c.len_utf8()..].to_owned(),
        });
    }
    out
}

pub(super) fn candidates(case: &ParserCase) -> Vec<ParserCase> {
    let mut out = Vec::new();
    let with = |f: &dyn Fn(&mut ParserCase)| {
        let mut c = case.clone();
        f(&mut c);
        c
    };
    for simpler in [0, 1, 2] {
        let exit = HandlerExit::Code { code: simpler };
        if exit_rank(&exit) < exit_rank(&case.exit) {
            out.push(with(&|c| c.exit = exit.clone()));
        }
    }
    if let HandlerExit::Code { code } = case.exit {
        if !(0..=2).contains(&code) && code != 3 {
            out.push(with(&|c| c.exit = HandlerExit::Code { code: 3 }));
        }
    }
    for pad in shorter_padding(&case.stdout_pad) {
        out.push(with(&|c| c.stdout_pad = pad.clone()));
    }
    for pad in shorter_padding(&case.stderr_pad) {
        out.push(with(&|c| c.stderr_pad = pad.clone()));
    }
    if !case.stderr.is_empty() {
        out.push(with(&|c| c.stderr.clear()));
    }
    if !case.stdout.is_empty() {
        out.push(with(&|c| {
            c.stdout.clear();
            c.stdout_kind = StdoutKind::Blank;
        }));
    }
    if let Ok(text) = std::str::from_utf8(&case.stdout) {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text.trim()) {
            for smaller in json_candidates(&value) {
                let bytes = smaller.to_string().into_bytes();
                if bytes != case.stdout {
                    // Removing a top-level key or shortening a string keeps a schema-valid
                    // object valid; a nested removal may not, so it becomes a near miss.
                    let nested_removal = smaller
                        .as_object()
                        .is_some_and(|m| value.as_object().is_some_and(|o| m.len() == o.len()));
                    out.push(with(&|c| {
                        c.stdout = bytes.clone();
                        if nested_removal && c.stdout_kind == StdoutKind::SchemaValid {
                            c.stdout_kind = StdoutKind::NearMiss;
                        }
                    }));
                }
            }
        }
    }
    for smaller in byte_chunk_removals(&case.stdout) {
        out.push(with(&|c| {
            c.stdout = smaller.clone();
            if c.stdout_kind == StdoutKind::SchemaValid {
                c.stdout_kind = StdoutKind::NearMiss;
            }
        }));
    }
    for smaller in byte_chunk_removals(&case.stderr) {
        out.push(with(&|c| c.stderr = smaller.clone()));
    }
    out
}

/// Greedily shrinks a case on which `property` fails, keeping only variants on which the
/// same property still fails; stops at a fixed point or after `max_steps` accepted steps.
pub fn shrink(event: HookEvent, case: ParserCase, property: &str, max_steps: usize) -> ParserCase {
    let fails = |c: &ParserCase| {
        check_parser_case(event, c)
            .err()
            .is_some_and(|f| f.property == property)
    };
    let mut current = case;
    for _ in 0..max_steps {
        match candidates(&current).into_iter().find(|c| fails(c)) {
            Some(smaller) => current = smaller,
            None => break,
        }
    }
    current
}
