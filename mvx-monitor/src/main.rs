use std::process::ExitCode;

fn main() -> ExitCode {
    let status = mvx_monitor::cli::main();
    ExitCode::from(status.clamp(0, 255) as u8)
}
