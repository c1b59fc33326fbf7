//! `hooktape schema`: prints the JSON Schema of the scenario format.

use super::out::out;
use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    out!("{}", crate::scenario::json_schema_text());
    Ok(ExitCode::SUCCESS)
}
