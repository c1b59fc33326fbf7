//! `hooktape schema`: prints the JSON Schema of the scenario format.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    print!("{}", crate::scenario::json_schema_text());
    Ok(ExitCode::SUCCESS)
}
