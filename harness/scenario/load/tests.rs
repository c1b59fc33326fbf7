//! The loader's unit tests: defaults, positions of errors, ids.

use super::*;

fn load(text: &str) -> Result<Scenario, ScenarioError> {
    load_str(Path::new("s.toml"), text)
}

#[test]
fn minimal_scenario_gets_defaults() {
    let s = load(
        "description = \"d\"\n[[turns]]\nprompt = \"hi\"\n[[turns.responses]]\nmessage = \"ok\"\n",
    )
    .unwrap();
    assert_eq!(s.session.model, DEFAULT_MODEL);
    let Step::Turn(turn) = &s.steps[0] else {
        panic!("a turn")
    };
    assert_eq!(turn.turn_id, "turn-1");
    assert_eq!(turn.responses[0], ModelResponse::message("ok"));
}

#[test]
fn a_claude_response_s_unplayed_keys_are_errors_where_the_response_is_held() {
    let head = "description = \"d\"\n[session]\ndialect = \"claude\"\n[[turns]]\nprompt = \"p\"\n";
    // A turn's own response: the error points at the turn.
    let err = load(&format!(
        "{head}[[turns.responses]]\nmessage = \"m\"\ntokens = 5\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("s.toml:4:1: `tokens` in a response: not played by the `claude` dialect"),
        "{err}"
    );
    // A subagent's response: at the spawn call that holds it.
    let err = load(&format!(
        "{head}[[turns.responses]]\ncalls = [{{ spawn = \"Explore\", message = \"look\", responses = [{{ message = \"x\", disconnect = true }}] }}]\n[[turns.responses]]\nmessage = \"m\"\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(
            "s.toml:7:10: `disconnect` in a response: not played by the `claude` dialect"
        ),
        "{err}"
    );
}

#[test]
fn nested_spawns_each_get_their_own_agent_number() {
    let s = load(
        "description = \"d\"\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\ncalls = [{ spawn = \"worker\", message = \"m\", responses = [\n  { calls = [{ spawn = \"explorer\", message = \"n\", responses = [{ message = \"inner\" }] }] },\n  { message = \"outer\" },\n] }]\n[[turns.responses]]\nmessage = \"done\"\n",
    )
    .unwrap();
    let Step::Turn(turn) = &s.steps[0] else {
        panic!("a turn")
    };
    let spawned = |r: &ModelResponse| -> ChildSpec {
        match r.output.iter().find_map(|o| match o {
            OutputItem::Call(c) => Some(&c.tool),
            _ => None,
        }) {
            Some(ToolSpec::SpawnAgent(child)) => child.clone(),
            other => panic!("a spawn, found {other:?}"),
        }
    };
    let outer = spawned(&turn.responses[0]);
    let inner = spawned(&outer.responses[0]);
    assert_eq!(
        (outer.agent_id.as_str(), outer.turn_id.as_str()),
        ("agent-1", "agent-turn-1")
    );
    assert_eq!(
        (inner.agent_id.as_str(), inner.turn_id.as_str()),
        ("agent-2", "agent-turn-2")
    );
}

#[test]
fn lifecycle_config_errors_point_into_the_scenario() {
    let head =
        "description = \"d\"\n[session]\ndialect = \"lifecycle\"\n[[layers]]\nkind = \"user\"\n";
    let tail = "\n[[turns]]\nprompt = \"p\"\n";
    // A multi-line literal: the key's own line and column.
    let text = format!("{head}config_toml = '''\n[hooks]\nturn_start = []\n'''{tail}");
    let err = load(&text).unwrap_err().to_string();
    assert!(
        err.starts_with("s.toml:8:1: lifecycle `config.toml`: unknown field `turn_start`"),
        "{err}"
    );
    // A basic string without escapes that matter: still exact.
    let text = format!("{head}config_toml = \"hooks = 1\"{tail}");
    let err = load(&text).unwrap_err().to_string();
    assert!(
        err.starts_with("s.toml:6:24: lifecycle `config.toml`: invalid type"),
        "{err}"
    );
    // With escapes the text differs from the file: the value's start plus the inner position.
    let text = format!("{head}config_toml = \"[hooks]\\nturn_start = []\"{tail}");
    let err = load(&text).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "s.toml:6:15: lifecycle `config.toml`: config_toml:2:1: unknown field `turn_start`"
        ),
        "{err}"
    );
    // The codex dialect reads the same table without complaint (unknown events are
    // ignored there), but checks `notify`.
    let codex = text.replace("dialect = \"lifecycle\"", "dialect = \"codex\"");
    assert!(load(&codex).is_ok());
    let bad_notify = format!(
        "{}config_toml = \"notify = 3\"{tail}",
        head.replace("lifecycle", "codex")
    );
    let err = load(&bad_notify).unwrap_err().to_string();
    assert!(
        err.starts_with("s.toml:6:25: `notify` of `config.toml`: invalid type"),
        "{err}"
    );
    // A config.toml that is not TOML at all is left to the codex engine's warnings.
    let broken = format!(
        "{}config_toml = \"[[\"{tail}",
        head.replace("lifecycle", "codex")
    );
    assert!(load(&broken).is_ok());
}

#[test]
fn unknown_key_has_position() {
    let err = load("description = \"d\"\nbogus = 1\n[[turns]]\nprompt = \"p\"\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("s.toml:2:1: unknown field `bogus`"),
        "{text}"
    );
}

#[test]
fn call_ids_are_generated_and_results_checked() {
    let s = load(
        "description = \"d\"\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\n\
         calls = [{ exec = \"ls -a\" }, { exec = \"ls\", id = \"x\" }]\n\
         [turns.results.call-1]\noutput = \"o\"\n",
    )
    .unwrap();
    let Step::Turn(turn) = &s.steps[0] else {
        panic!("a turn")
    };
    let calls: Vec<&ToolCallSpec> = turn.responses[0]
        .output
        .iter()
        .filter_map(|o| match o {
            OutputItem::Call(c) => Some(c),
            OutputItem::Message { .. } => None,
        })
        .collect();
    assert_eq!(calls[0].call_id, "call-1");
    assert_eq!(calls[0].result.output, "o");
    assert_eq!(calls[1].call_id, "x");

    let err = load(
        "description = \"d\"\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\n\
         calls = [{ exec = \"ls\" }]\n[turns.results.call-9]\noutput = \"o\"\n",
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("s.toml:6:"), "{err}");
    assert!(
        err.to_string().contains("unknown call id `call-9`"),
        "{err}"
    );
}

#[test]
fn a_tool_the_dialect_does_not_offer_is_a_load_error_naming_what_it_offers() {
    let text = "description = \"d\"\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\n\
         calls = [{ shell = [\"ls\"] }]\n";
    let err = load(text).unwrap_err().to_string();
    assert!(
        err.starts_with("s.toml:5:10: call `call-1`: `shell` is not a tool Codex 0.171.0 offers"),
        "{err}"
    );
    assert!(
        err.contains("it offers `exec` (exec_command), `write_stdin`, `apply_patch`"),
        "{err}"
    );
    let pinned = text.replace(
        "[[turns]]",
        "[session]\ndialect = \"codex-4e30281\"\n[[turns]]",
    );
    assert!(load(&pinned).is_ok(), "Codex 4e30281 offers `shell`");
}

#[test]
fn unknown_event_in_inline_hooks() {
    let err = load(
        "description = \"d\"\n[[layers]]\nkind = \"user\"\n[layers.hooks]\nStp = []\n\
         [[turns]]\nprompt = \"p\"\n",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("s.toml:5:1: unknown hook event `Stp`"),
        "{err}"
    );
}

proptest::proptest! {
    /// Loading never panics, whatever the text (arbitrary, or a valid file cut anywhere).
    #[test]
    fn loading_never_panics(text in "\\PC{0,200}", cut in 0usize..400) {
        let _ = load(&text);
        let valid = "description = \"d\"\n[[layers]]\nkind = \"user\"\n[layers.hooks]\n\
            Stop = [{ hooks = [{ type = \"command\", command = \"x\" }] }]\n[[turns]]\n\
            prompt = \"p\"\n[[turns.responses]]\ncalls = [{ shell = [\"ls\"] }]\n\
            [turns.results.call-1]\noutput = \"o\"\n";
        let cut = valid.char_indices().map(|(i, _)| i).find(|i| *i >= cut).unwrap_or(valid.len());
        let _ = load(&valid[..cut]);
        let _ = load(&format!("{}{}", &valid[..cut], text));
    }
}

#[test]
fn managed_inline_hooks_become_requirements() {
    let s = load(
        "description = \"d\"\n[[layers]]\nkind = \"managed\"\n[layers.hooks]\n\
         Stop = [{ hooks = [{ type = \"command\", command = \"x\" }] }]\n\
         [[turns]]\nprompt = \"p\"\n",
    )
    .unwrap();
    let LayerSource::Requirements(text) = &s.layers[0].source else {
        panic!("requirements expected");
    };
    let table: toml::Table = text.parse().unwrap();
    assert_eq!(
        table["hooks"]["Stop"][0]["hooks"][0]["command"].as_str(),
        Some("x")
    );
}

#[test]
fn line_col_counts_chars() {
    assert_eq!(line_col("ab\ncé\nx", 7), (3, 1));
    assert_eq!(line_col("ab", 1), (1, 2));
}
