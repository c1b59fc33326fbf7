//! Pure checks on the request bodies an agent sent.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Checks every request body: each `function_call_output` / `custom_tool_call_output`
/// follows a call with its id (earlier in the same `input`), no call or output has an
/// empty call id, no call id is used by two calls, and no call gets two outputs.
/// Returns one readable line per violation (`request 2, input 5: …`); empty = clean.
pub fn protocol_violations(requests: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for (r, body) in requests.iter().enumerate() {
        let at = |i: usize| format!("request {}, input {}", r + 1, i + 1);
        let Some(items) = body.get("input").and_then(Value::as_array) else {
            out.push(format!("request {}: no `input` array", r + 1));
            continue;
        };
        let mut calls: BTreeSet<&str> = BTreeSet::new();
        let mut outputs: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
            let call_id = item.get("call_id").and_then(Value::as_str);
            match kind {
                "function_call" | "custom_tool_call" | "local_shell_call" => match call_id {
                    None | Some("") => out.push(format!("{}: {kind} with an empty call id", at(i))),
                    Some(id) => {
                        if !calls.insert(id) {
                            out.push(format!("{}: {kind} reuses call id {id:?}", at(i)));
                        }
                    }
                },
                "function_call_output" | "custom_tool_call_output" => match call_id {
                    None | Some("") => out.push(format!("{}: {kind} with an empty call id", at(i))),
                    Some(id) => {
                        if !calls.contains(id) {
                            out.push(format!(
                                "{}: {kind} for {id:?} does not follow its call",
                                at(i)
                            ));
                        }
                        match outputs.get(id) {
                            Some(first) => out.push(format!(
                                "{}: second {kind} for {id:?} (first at input {})",
                                at(i),
                                first + 1
                            )),
                            None => {
                                outputs.insert(id, i);
                            }
                        }
                    }
                },
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(items: Value) -> Vec<Value> {
        vec![json!({ "input": items })]
    }

    #[test]
    fn clean_history_has_no_violations() {
        let r = req(json!([
            {"type": "message", "role": "user", "content": []},
            {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c1"},
            {"type": "function_call_output", "call_id": "c1", "output": "ok"},
            {"type": "custom_tool_call", "name": "apply_patch", "input": "p", "call_id": "c2"},
            {"type": "custom_tool_call_output", "call_id": "c2", "output": "ok"},
        ]));
        assert_eq!(protocol_violations(&r), Vec::<String>::new());
    }

    #[test]
    fn output_before_call_empty_ids_and_duplicates_are_reported() {
        let r = req(json!([
            {"type": "function_call_output", "call_id": "c1", "output": "early"},
            {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c1"},
            {"type": "function_call_output", "call_id": "c1", "output": "ok"},
            {"type": "function_call_output", "call_id": "c1", "output": "again"},
            {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": ""},
        ]));
        assert_eq!(
            protocol_violations(&r),
            vec![
                "request 1, input 1: function_call_output for \"c1\" does not follow its call",
                "request 1, input 3: second function_call_output for \"c1\" (first at input 1)",
                "request 1, input 4: second function_call_output for \"c1\" (first at input 1)",
                "request 1, input 5: function_call with an empty call id",
            ]
        );
    }
}
