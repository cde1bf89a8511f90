//! What the CLI prints: tables for people, JSON for scripts, progress bars
//! and errors on stderr.
//!
//! Scripts read stdout: `--json` prints one compact JSON value per line
//! (lists print one object per line, SPEC §11), nothing else. Progress
//! bars and notes go to stderr, and progress bars only when stderr is a
//! terminal.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use hub::ingest::{BatchIssue, BatchResult};
use hub::search::Hit;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Print `value` as one line of JSON on stdout.
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, value)?;
    writeln!(stdout)?;
    stdout.flush()?;
    Ok(())
}

/// Print each item as one line of JSON on stdout.
pub fn json_lines<'a, T: Serialize + 'a>(
    items: impl IntoIterator<Item = &'a T>,
) -> anyhow::Result<()> {
    for item in items {
        json_line(item)?;
    }
    Ok(())
}

/// A table with the CLI's look and these column headers.
pub fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<Cell>,
{
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    table
}

/// A right-aligned number cell.
pub fn number(value: impl std::fmt::Display) -> Cell {
    Cell::new(value).set_alignment(CellAlignment::Right)
}

/// An optional value, `-` when absent.
pub fn or_dash(value: Option<&str>) -> Cell {
    Cell::new(value.unwrap_or("-"))
}

/// Print the error and its causes on stderr: `error: outer: inner: …`.
/// An error from the hub reads `error: <code>: <message>`.
pub fn report_error(error: &anyhow::Error) {
    eprintln!("error: {error:#}");
}

/// Whether progress may be drawn: not for JSON output, and only on a terminal.
fn shows_progress(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

/// A progress bar on stderr counting `total` units of `unit`, or a hidden
/// one when stderr is not a terminal or the output is JSON.
pub fn progress(total: u64, unit: &str, json: bool) -> ProgressBar {
    if !shows_progress(json) {
        return ProgressBar::hidden();
    }
    let template =
        format!("{{spinner}} {{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ({{eta}})");
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A spinner on stderr for work of unknown length (set its message), or a
/// hidden one when stderr is not a terminal or the output is JSON.
pub fn spinner(json: bool) -> ProgressBar {
    if !shows_progress(json) {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// Batch results, one row each.
pub fn batches_table(results: &[BatchResult]) -> Table {
    let mut table = table([
        "batch",
        "acquirer",
        "format",
        "rows",
        "accepted",
        "rejected",
        "created",
        "updated",
        "unchanged",
        "warnings",
        "replayed",
    ]);
    for result in results {
        table.add_row(vec![
            number(result.batch_id),
            Cell::new(&result.acquirer),
            Cell::new(&result.format),
            number(result.rows),
            number(result.accepted),
            number(result.rejected),
            number(result.created),
            number(result.updated),
            number(result.unchanged),
            number(result.warning_count),
            Cell::new(if result.replayed { "yes" } else { "no" }),
        ]);
    }
    table
}

/// Row errors or warnings as reported in batch results.
pub fn issues_table<'a>(issues: impl IntoIterator<Item = &'a BatchIssue>) -> Table {
    let mut table = table(["line", "merchant_id", "field", "code", "message"]);
    for issue in issues {
        table.add_row(vec![
            number(issue.line),
            or_dash(issue.merchant_id.as_deref()),
            or_dash(issue.field.as_deref()),
            Cell::new(&issue.code),
            Cell::new(&issue.message),
        ]);
    }
    table
}

/// Merchants found by a search or behind a person, one row each; another
/// acquirer's merchant number is `-` when the hub left it out.
/// Free-text hits carry a relevance column; identifier hits do not.
pub fn hits_table(hits: &[Hit]) -> Table {
    let ranked = hits.iter().any(|h| h.relevance.is_some());
    let mut header = vec![
        "acquirer",
        "merchant_id",
        "name",
        "legal_rep_name",
        "legal_rep_id",
    ];
    if ranked {
        header.push("relevance");
    }
    let mut table = table(header);
    for hit in hits {
        let mut row = vec![
            Cell::new(&hit.acquirer),
            or_dash(hit.merchant_id.as_deref()),
            Cell::new(&hit.name),
            Cell::new(&hit.legal_rep_name),
            Cell::new(&hit.legal_rep_id),
        ];
        if ranked {
            row.push(or_dash(hit.relevance.map(|r| format!("{r:.2}")).as_deref()));
        }
        table.add_row(row);
    }
    table
}

/// Print screening answers, a row per record — decision, the entries
/// matched with the rule that decided, and (online) what the hub already
/// holds — then the counts. `mhub screen` and `mhub feed screen` alike.
pub fn print_screenings(results: &[hub::screening::RecordScreening]) {
    use matcher::Decision;
    let online = results.iter().any(|r| r.existing.is_some());
    let mut header = vec!["line", "merchant_id", "decision", "hits"];
    if online {
        header.push("already in the hub");
    }
    let mut table = table(header);
    for result in results {
        let mut row = vec![
            number(result.line),
            or_dash(result.merchant_id.as_deref()),
            Cell::new(result.decision.map_or("invalid", |d| d.as_str())),
            Cell::new(describe_hits(result)),
        ];
        if online {
            let existing = result
                .existing
                .as_ref()
                .map(|e| e.summary.join("\n"))
                .unwrap_or_default();
            row.push(Cell::new(if existing.is_empty() {
                "-".to_owned()
            } else {
                existing
            }));
        }
        table.add_row(row);
    }
    println!("{table}");
    let count =
        |decision: Option<Decision>| results.iter().filter(|r| r.decision == decision).count();
    println!(
        "{} records: {} blocked, {} review, {} clear, {} invalid",
        results.len(),
        count(Some(Decision::Blocked)),
        count(Some(Decision::Review)),
        count(Some(Decision::Clear)),
        count(None),
    );
}

/// `#id subject reason penalty (rule)` per hit, or the record's errors.
fn describe_hits(result: &hub::screening::RecordScreening) -> String {
    let lines: Vec<String> = if result.errors.is_empty() {
        result
            .hits
            .iter()
            .map(|h| {
                format!(
                    "#{} {} {} {} ({})",
                    h.entry_id, h.subject_type, h.reason, h.penalty, h.rule
                )
            })
            .collect()
    } else {
        result
            .errors
            .iter()
            .map(|e| match &e.field {
                Some(field) => format!("{field}: {}", e.code),
                None => e.code.clone(),
            })
            .collect()
    };
    if lines.is_empty() {
        "-".to_owned()
    } else {
        lines.join("\n")
    }
}
