use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = ecslint::cli::Cli::parse();
    std::process::ExitCode::from(ecslint::cli::run(cli))
}

#[global_allocator]
static GLOBAL: ecslint::allocator::Allocator = ecslint::allocator::Allocator;
