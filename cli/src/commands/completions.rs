//! `mhub completions SHELL`: a completion script, generated from the same
//! clap tree that parses the command line, so it cannot fall behind it.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs, Shell};

/// Write the script for the shell to stdout.
pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "mhub", &mut std::io::stdout().lock());
    Ok(())
}
