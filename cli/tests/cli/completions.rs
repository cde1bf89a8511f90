//! `mhub completions bash|zsh|fish` (issue 7, item 4): a script per shell
//! that names every command, that the shell itself accepts, and that
//! completes; an unknown shell is a usage error.

use std::path::Path;
use std::process::Command;

use clap::CommandFactory;
use mhub_cli::args::Cli;

use crate::helpers::{mhub, run, stderr, stdout};

/// `mhub completions SHELL`, asserted to succeed: the script.
fn script(shell: &str) -> String {
    let output = run(mhub().args(["completions", shell]));
    assert!(output.status.success(), "{shell}: {}", stderr(&output));
    stdout(&output)
}

/// Whether `program` runs here (`--version` answers).
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The shell's own syntax check of the script in `file`.
fn syntax_check(program: &str, flag: &str, file: &Path) {
    let output = run(Command::new(program).arg(flag).arg(file));
    assert!(
        output.status.success(),
        "{program} {flag} refused the script: {}",
        stderr(&output)
    );
}

#[test]
fn each_shell_gets_a_script_naming_every_command() {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    assert!(names.len() > 15, "{names:?}");
    for shell in ["bash", "zsh", "fish"] {
        let text = script(shell);
        assert!(!text.trim().is_empty(), "{shell}: empty script");
        for name in &names {
            assert!(
                text.contains(name.as_str()),
                "{shell}: no {name} in the script"
            );
        }
        assert!(text.contains("all-or-nothing"), "{shell}: no upload flag");
    }
}

#[test]
fn the_shells_accept_their_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let bash = dir.path().join("mhub.bash");
    std::fs::write(&bash, script("bash")).unwrap();
    syntax_check("bash", "-n", &bash);
    // zsh and fish are checked where they are installed; the machine and
    // CI have bash only, and they are not installed just for this.
    if installed("zsh") {
        let zsh = dir.path().join("_mhub");
        std::fs::write(&zsh, script("zsh")).unwrap();
        syntax_check("zsh", "-n", &zsh);
    }
    if installed("fish") {
        let fish = dir.path().join("mhub.fish");
        std::fs::write(&fish, script("fish")).unwrap();
        syntax_check("fish", "--no-execute", &fish);
    }
}

#[test]
fn the_bash_script_completes_commands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mhub.bash");
    std::fs::write(&file, script("bash")).unwrap();
    // Call the completion function as bash's `complete -F` would, for
    // `mhub ke<TAB>` and `mhub upload --all<TAB>`.
    let complete = |words: &str, current: usize| {
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={current}; \
             _mhub mhub \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        let output = run(Command::new("bash").arg("-c").arg(program));
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    assert_eq!(complete("mhub ke", 1).trim(), "keys");
    assert_eq!(complete("mhub upload --all", 2).trim(), "--all-or-nothing");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let output = run(mhub().args(["completions", "tcsh"]));
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("invalid value 'tcsh'"), "{message}");
    assert!(message.contains("bash, zsh, fish"), "{message}");
    assert!(stdout(&output).is_empty());
}
