//! The scenario suite: one trial per file under `scenarios/`, named by its path
//! (`stop/block_twice`), comparing the replayed session with its golden through insta.
//!
//! `cargo test --test scenarios -- stop/` filters; `CI=true` never writes a golden;
//! `INSTA_UPDATE=always` (or `hooktape bless`) updates them, `cargo insta review` reviews.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

use hooktape::replay::{self, Case};

fn main() {
    if replay::in_ci() {
        // CI never writes a golden, whatever INSTA_UPDATE says (set before any thread starts).
        std::env::set_var("INSTA_UPDATE", "no");
        std::env::remove_var("INSTA_FORCE_PASS");
    }
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trials = match replay::collect(&[root.join("scenarios")]) {
        Ok(cases) => cases
            .into_iter()
            .map(|case| Trial::test(case.name.clone(), move || run(case)))
            .collect(),
        Err(err) => vec![Trial::test("scenarios", move || {
            Err(err.to_string().into())
        })],
    };
    libtest_mimic::run(&args, trials).exit();
}

fn run(case: Case) -> Result<(), Failed> {
    let replayed =
        replay::replay_file_blocking(&case.file).map_err(|e| Failed::from(e.to_string()))?;
    let snapshot_dir: PathBuf = case
        .golden
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Failed::from("golden path has no parent"))?;
    let snapshot_name = case
        .golden
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| Failed::from("golden path has no name"))?
        .to_owned();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(&case.input_file);
    settings.set_description(replayed.scenario.description.clone());
    settings.set_omit_expression(true);
    // insta prints its diff and panics on a mismatch; libtest-mimic reports the panic as
    // this trial's failure.
    settings.bind(|| insta::assert_snapshot!(snapshot_name, replayed.text));
    Ok(())
}
