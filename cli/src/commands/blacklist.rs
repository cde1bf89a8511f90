//! `mhub blacklist report | list | show | approve | reject | remove | history`.

use anyhow::{Context as _, bail};
use comfy_table::Cell;
use serde_json::{Map, Value};

use super::Context;
use crate::args::{BlacklistCommand, BlacklistListArgs, BlacklistReportArgs};
use crate::client::{Client, EntryView, ImportResult, Page};
use crate::output::{self, number, or_dash};

/// Entries per import request (the hub takes up to 10,000).
const IMPORT_CHUNK: usize = 1_000;

/// The most the hub lists per page.
const MAX_PAGE: u64 = 1000;

/// Run one `blacklist` subcommand.
pub async fn run(command: BlacklistCommand, context: &Context) -> anyhow::Result<()> {
    let client = context.client()?;
    let entry = match command {
        BlacklistCommand::Report(args) => return report(&client, *args, context).await,
        BlacklistCommand::List(args) => {
            let entries = list(&client, args).await?;
            if context.json {
                return output::json_lines(&entries);
            }
            println!("{}", entries_table(&entries));
            return Ok(());
        }
        BlacklistCommand::Show { id } => client.entry(id).await?,
        BlacklistCommand::History { id } => {
            let entry = client.entry(id).await?;
            let transitions = entry.transitions.unwrap_or_default();
            if context.json {
                return output::json_lines(&transitions);
            }
            let mut table = output::table(["at", "from", "to", "by", "why"]);
            for t in &transitions {
                table.add_row(vec![
                    Cell::new(&t.at),
                    or_dash(t.from.as_deref()),
                    Cell::new(&t.to),
                    Cell::new(&t.actor),
                    Cell::new(&t.note),
                ]);
            }
            println!("{table}");
            return Ok(());
        }
        BlacklistCommand::Approve(args) => {
            let approval = client.approve_entry(args.id, &args.note).await?;
            if context.json {
                return output::json_line(&approval);
            }
            print_entry(&approval.entry);
            println!(
                "retro screen: {} stored merchants and {} kept screens match{}",
                approval.merchants_hit,
                approval.screenings_hit,
                approval
                    .alert
                    .as_ref()
                    .map(|a| format!(" (alert {} {})", a.id, a.change))
                    .unwrap_or_default()
            );
            return Ok(());
        }
        BlacklistCommand::Reject(args) => client.reject_entry(args.id, &args.note).await?,
        BlacklistCommand::Remove(args) => {
            client
                .remove_entry(args.id, &args.removal, &args.note)
                .await?
        }
    };
    if context.json {
        output::json_line(&entry)
    } else {
        print_entry(&entry);
        Ok(())
    }
}

/// The entry the flags describe, in the report format.
fn entry_from_flags(args: BlacklistReportArgs) -> Value {
    let mut entry = Map::new();
    for (field, value) in [
        ("subject_type", args.subject_type),
        ("reason", args.reason),
        ("penalty", args.penalty),
        ("evidence", args.evidence),
        ("name", args.name),
        ("uscc", args.uscc),
        ("id_type", args.id_type),
        ("id_number", args.id_number),
        ("phone", args.phone),
        ("account_number", args.account_number),
        ("account_kind", args.account_kind),
        ("sn", args.sn),
        ("address", args.address),
        ("external_ref", args.external_ref),
        ("expires_at", args.expires_at),
    ] {
        if let Some(value) = value {
            entry.insert(field.to_owned(), Value::String(value));
        }
    }
    Value::Object(entry)
}

async fn report(
    client: &Client,
    args: BlacklistReportArgs,
    context: &Context,
) -> anyhow::Result<()> {
    let Some(path) = args.file.clone() else {
        let entry = client.report_entry(&entry_from_flags(args)).await?;
        return if context.json {
            output::json_line(&entry)
        } else {
            print_entry(&entry);
            Ok(())
        };
    };
    let entries = super::terminals::read_reports(&path)
        .with_context(|| format!("reading blacklist entries from {}", path.display()))?;
    let mut results: Vec<ImportResult> = Vec::with_capacity(entries.len());
    for (n, chunk) in entries.chunks(IMPORT_CHUNK).enumerate() {
        for mut result in client.import_entries(chunk).await? {
            result.line += (n * IMPORT_CHUNK) as u64;
            for error in &mut result.errors {
                error.line = result.line;
            }
            results.push(result);
        }
    }
    let invalid = results.iter().filter(|r| r.outcome == "invalid").count();
    if context.json {
        output::json_lines(&results)?;
    } else {
        let mut table = output::table(["line", "outcome", "entry", "problems"]);
        for r in &results {
            let problems: Vec<String> = r
                .errors
                .iter()
                .map(|e| {
                    format!(
                        "{} {}: {}",
                        e.field.as_deref().unwrap_or("-"),
                        e.code,
                        e.message
                    )
                })
                .collect();
            table.add_row(vec![
                number(r.line),
                Cell::new(&r.outcome),
                r.id.map_or(Cell::new("-"), number),
                Cell::new(if problems.is_empty() {
                    "-".to_owned()
                } else {
                    problems.join("\n")
                }),
            ]);
        }
        println!("{table}");
    }
    if invalid > 0 {
        bail!("{invalid} of {} entries were refused", results.len());
    }
    Ok(())
}

async fn list(client: &Client, args: BlacklistListArgs) -> anyhow::Result<Vec<EntryView>> {
    let filter: Vec<(&str, String)> = [
        ("status", args.status),
        ("subject_type", args.subject_type),
        ("reporter", args.reporter),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .collect();
    let mut entries: Vec<EntryView> = Vec::new();
    loop {
        let wanted = args
            .limit
            .map_or(MAX_PAGE, |l| (l - entries.len() as u64).min(MAX_PAGE));
        let page = client
            .list_entries(
                &filter,
                Page {
                    cursor: entries.last().map(|e| e.id),
                    limit: Some(wanted),
                },
            )
            .await?;
        let done = (page.len() as u64) < wanted;
        entries.extend(page);
        if done || args.limit.is_some_and(|l| entries.len() as u64 >= l) {
            return Ok(entries);
        }
    }
}

/// What an entry identifies, masked, for tables.
fn identifiers(entry: &EntryView) -> String {
    let s = &entry.subject;
    let mut parts = Vec::new();
    if let Some(name) = &s.name {
        parts.push(name.clone());
    }
    if let Some(uscc) = &s.uscc {
        parts.push(format!("USCC {uscc}"));
    }
    for (label, value) in [
        ("ID", &s.person_id),
        ("phone", &s.phone),
        ("account", &s.account),
    ] {
        if let Some(p) = value {
            parts.push(format!("{label} {}", p.masked));
        }
    }
    if let Some(sn) = &s.sn {
        parts.push(format!("SN {sn}"));
    }
    if let Some(address) = &s.address {
        parts.push(address.clone());
    }
    parts.join("\n")
}

fn entries_table(entries: &[EntryView]) -> comfy_table::Table {
    let mut table = output::table([
        "id",
        "status",
        "subject",
        "identifies",
        "reason",
        "penalty",
        "reporter",
        "expires",
    ]);
    for e in entries {
        table.add_row(vec![
            number(e.id),
            Cell::new(&e.status),
            Cell::new(&e.subject_type),
            Cell::new(identifiers(e)),
            Cell::new(&e.reason),
            Cell::new(&e.penalty),
            Cell::new(&e.reporter),
            or_dash(e.expires_at.as_deref().map(|t| &t[..10.min(t.len())])),
        ]);
    }
    table
}

fn print_entry(entry: &EntryView) {
    println!("{}", entries_table(std::slice::from_ref(entry)));
    if let Some(evidence) = &entry.evidence {
        println!("evidence: {evidence}");
    }
    if let Some(removal) = &entry.removal {
        println!("removed: {removal}");
    }
    for t in entry.transitions.iter().flatten() {
        println!(
            "  {}  {} → {}  by {}: {}",
            t.at,
            t.from.as_deref().unwrap_or("-"),
            t.to,
            t.actor,
            t.note
        );
    }
}
