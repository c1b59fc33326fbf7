//! Every public conformance vector, recorded from the real Codex engine, reproduced by ours.
//! One trial per vector, named by its id: `cargo test --test conformance -- stop/exit`.

use std::path::PathBuf;

use hooktape::conformance::{differences, load_vectors, run_vector};
use libtest_mimic::{Arguments, Failed, Trial};

fn vectors_file() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("HOOKTAPE_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("data/conformance/codex-vectors.public.jsonl"))
}

fn main() -> anyhow::Result<()> {
    let args = Arguments::from_args();
    let path = vectors_file();
    let vectors = load_vectors(&path)
        .map_err(|e| anyhow::anyhow!("cannot read conformance vectors {}: {e}", path.display()))?;
    anyhow::ensure!(!vectors.is_empty(), "no vectors in {}", path.display());
    let trials = vectors
        .into_iter()
        .map(|vector| {
            Trial::test(vector.id.clone(), move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                let actual = runtime
                    .block_on(run_vector(&vector))
                    .map_err(Failed::from)?;
                let expected = vector
                    .expected()
                    .ok_or_else(|| Failed::from("vector has no \"expected\""))?;
                let diffs = differences(expected, &actual);
                if diffs.is_empty() {
                    Ok(())
                } else {
                    Err(format!("line {}:\n  {}", vector.line, diffs.join("\n  ")).into())
                }
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
