//! `--help` of every command (issue 7, item 5): the whole clap tree is
//! walked, so a command added without its help, or an example that no
//! longer parses after a flag is renamed, fails here.

use clap::{CommandFactory, FromArgMatches};
use mhub_cli::args::Cli;

use crate::helpers::{mhub, run, stderr, stdout};

/// Every command of the tree with its path of names (`["keys", "rotate"]`),
/// the root first. The tree is walked unbuilt: clap's own `help`
/// subcommands and `--help` / `--version` flags are added at build time,
/// so only ours are here.
fn commands() -> Vec<(Vec<String>, clap::Command)> {
    fn walk(
        path: Vec<String>,
        command: &clap::Command,
        out: &mut Vec<(Vec<String>, clap::Command)>,
    ) {
        out.push((path.clone(), command.clone()));
        for sub in command.get_subcommands() {
            let mut path = path.clone();
            path.push(sub.get_name().to_owned());
            walk(path, sub, out);
        }
    }
    let mut out = Vec::new();
    walk(Vec::new(), &Cli::command(), &mut out);
    out
}

/// `mhub keys rotate`, for messages.
fn name(path: &[String]) -> String {
    std::iter::once("mhub")
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lines of the `Examples:` section: from the line after the heading
/// to the next line that is not indented (the next heading).
fn example_lines(text: &str) -> Option<Vec<String>> {
    let mut lines = text.lines().skip_while(|line| *line != "Examples:");
    lines.next()?;
    Some(
        lines
            .take_while(|line| line.is_empty() || line.starts_with(' '))
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// Split a command line as a POSIX shell would for these examples: words
/// separated by blanks, `"…"` (with `\"`) and `'…'` quoting; the command
/// ends at an unquoted `#`, `|`, `>` or `<`, whatever follows is the
/// shell's business.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '#' if word.is_none() => break,
            '|' | '>' | '<' => break,
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        c => w.push(c),
                    }
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[test]
fn shell_words_split_as_a_shell_would() {
    assert_eq!(
        shell_words(r#"MHUB_KEY=k mhub a "b c" 'd e' "f\"g" # h"#),
        ["MHUB_KEY=k", "mhub", "a", "b c", "d e", "f\"g"]
    );
    assert_eq!(
        shell_words("mhub completions bash > ~/x"),
        ["mhub", "completions", "bash"]
    );
}

/// The subcommand names a parse chose, outermost first.
fn chosen_path(matches: &clap::ArgMatches) -> Vec<String> {
    let mut path = Vec::new();
    let mut current = matches;
    while let Some((name, sub)) = current.subcommand() {
        path.push(name.to_owned());
        current = sub;
    }
    path
}

#[test]
fn every_command_has_an_about_a_long_about_examples_and_exit_codes() {
    let mut problems = Vec::new();
    for (path, command) in commands() {
        let name = name(&path);
        let about = command.get_about().map(ToString::to_string);
        if about
            .as_deref()
            .is_none_or(|a| a.trim().is_empty() || a.contains('\n'))
        {
            problems.push(format!("{name}: no one-line about"));
        }
        let long = command.get_long_about().map(ToString::to_string);
        if long.is_none_or(|long| Some(long.trim()) == about.as_deref().map(str::trim)) {
            problems.push(format!("{name}: no long_about beyond the one-line about"));
        }
        let after = command
            .get_after_long_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        match example_lines(&after) {
            None => problems.push(format!("{name}: no \"Examples:\" section")),
            Some(lines) if !lines.iter().any(|l| !l.starts_with('#')) => problems.push(format!(
                "{name}: an \"Examples:\" section without a command"
            )),
            Some(_) => {}
        }
        if !after.contains("\nExit codes:\n") {
            problems.push(format!("{name}: no \"Exit codes:\" section"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Commands that run on their own, without a hub to talk to: every other
/// command must name the environment that points it at one.
const LOCAL: [&str; 12] = [
    "mhub serve",
    "mhub init",
    "mhub demo",
    "mhub reindex",
    "mhub keys rotate-token-key",
    "mhub bench",
    "mhub samples",
    "mhub samples generate",
    "mhub samples evaluate",
    "mhub feed verify",
    "mhub feed screen",
    "mhub completions",
];

#[test]
fn every_command_that_talks_to_a_hub_names_its_environment() {
    let mut problems = Vec::new();
    for (path, command) in commands() {
        let name = name(&path);
        if LOCAL.contains(&name.as_str()) {
            continue;
        }
        let after = command
            .get_after_long_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        for variable in ["MHUB_URL", "MHUB_KEY", "MHUB_PURPOSE"] {
            if !after.contains(&format!("\n  {variable} ")) {
                problems.push(format!("{name}: {variable} not under Environment"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_argument_has_a_help_line() {
    let mut problems = Vec::new();
    for (path, command) in commands() {
        for arg in command.get_arguments() {
            if arg.is_hide_set() {
                continue;
            }
            if arg
                .get_help()
                .is_none_or(|h| h.to_string().trim().is_empty())
            {
                problems.push(format!("{}: {} has no help", name(&path), arg.get_id()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_example_parses_as_the_command_it_illustrates() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for (path, command) in commands() {
        let after = command
            .get_after_long_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        for line in example_lines(&after).unwrap_or_default() {
            if line.starts_with('#') {
                continue;
            }
            let words: Vec<String> = shell_words(&line)
                .into_iter()
                .skip_while(|word| {
                    // `NAME=value` before the command sets its environment.
                    word.split_once('=').is_some_and(|(name, _)| {
                        !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    })
                })
                .collect();
            if words.first().map(String::as_str) != Some("mhub") {
                problems.push(format!("{}: {line:?} is not an mhub command", name(&path)));
                continue;
            }
            match Cli::command().try_get_matches_from(&words) {
                Err(error) => problems.push(format!("{}: {line:?}:\n{error}", name(&path))),
                Ok(matches) => {
                    if let Err(error) = Cli::from_arg_matches(&matches) {
                        problems.push(format!("{}: {line:?}:\n{error}", name(&path)));
                    }
                    let chosen = chosen_path(&matches);
                    if !chosen.starts_with(&path) {
                        problems.push(format!(
                            "{}: {line:?} runs `{}`, another command",
                            name(&path),
                            crate::help::name(&chosen)
                        ));
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The tree has over forty commands, each with at least one example.
    assert!(checked > 40, "only {checked} examples found");
}

#[test]
fn long_help_shows_the_examples_and_short_help_leaves_them_out() {
    let long = run(mhub().args(["keys", "rotate", "--help"]));
    assert!(long.status.success(), "{}", stderr(&long));
    let text = stdout(&long);
    assert!(text.contains("\nExamples:\n  "), "{text}");
    assert!(text.contains("--grace 86400"), "{text}");
    assert!(text.contains("MHUB_PURPOSE"), "{text}");
    assert_eq!(text, stdout(&run(mhub().args(["help", "keys", "rotate"]))));

    let short = run(mhub().args(["keys", "rotate", "-h"]));
    assert!(short.status.success(), "{}", stderr(&short));
    assert!(!stdout(&short).contains("Examples:"), "{}", stdout(&short));
}
