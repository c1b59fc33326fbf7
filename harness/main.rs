//! The `hooktape` command. Thin: parses arguments and hands over to `hooktape::cli`.

fn main() -> std::process::ExitCode {
    hooktape::cli::main()
}
