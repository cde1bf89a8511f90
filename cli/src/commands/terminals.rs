//! `mhub terminals report FILE`: terminal location reports.

use std::path::Path;

use anyhow::{Context as _, bail};
use comfy_table::Cell;
use hub::verify::terminals::{MAX_REPORTS, ReportsResult};
use serde_json::Value;

use super::Context;
use crate::args::TerminalsCommand;
use crate::client::Client;
use crate::output::{self, number, or_dash};

/// Run one `terminals` subcommand.
pub async fn run(command: TerminalsCommand, context: &Context) -> anyhow::Result<()> {
    let TerminalsCommand::Report { file } = command;
    let reports = read_reports(&file)?;
    let all = send(&context.client()?, &reports).await?;
    if context.json {
        output::json_line(&all)?;
    } else {
        print_result(&all);
    }
    if all.rejected > 0 {
        bail!(
            "{} of {} reports were refused",
            all.rejected,
            all.results.len()
        );
    }
    Ok(())
}

/// Send reports in requests of at most [`MAX_REPORTS`]; the results keep
/// the reports' numbering.
pub(super) async fn send(client: &Client, reports: &[Value]) -> anyhow::Result<ReportsResult> {
    let mut all = ReportsResult {
        accepted: 0,
        rejected: 0,
        results: Vec::new(),
        alerts: Vec::new(),
    };
    for (chunk_no, chunk) in reports.chunks(MAX_REPORTS).enumerate() {
        let result = client.report_terminals(chunk).await?;
        all.accepted += result.accepted;
        all.rejected += result.rejected;
        all.results.extend(result.results.into_iter().map(|mut r| {
            r.index += chunk_no * MAX_REPORTS;
            r
        }));
        all.alerts.extend(result.alerts);
    }
    Ok(all)
}

/// The reports of a JSON Lines file or a JSON array file.
pub(super) fn read_reports(path: &Path) -> anyhow::Result<Vec<Value>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(&text)
            .with_context(|| format!("{} is not a JSON array of reports", path.display()));
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a JSON object", path.display(), n + 1))
        })
        .collect::<anyhow::Result<Vec<Value>>>()
        .and_then(|reports| {
            if reports.is_empty() {
                bail!("{} holds no report", path.display());
            }
            Ok(reports)
        })
}

fn print_result(result: &ReportsResult) {
    println!(
        "{} reports: {} accepted, {} refused; {} far from their merchant",
        result.results.len(),
        result.accepted,
        result.rejected,
        result.results.iter().filter(|r| r.far).count()
    );
    let refused: Vec<_> = result.results.iter().filter(|r| r.code.is_some()).collect();
    if !refused.is_empty() {
        let mut table = output::table(["report", "code", "message"]);
        for r in refused {
            table.add_row(vec![
                number(r.index + 1),
                or_dash(r.code.as_deref()),
                or_dash(r.message.as_deref()),
            ]);
        }
        println!("{table}");
    }
    if !result.alerts.is_empty() {
        let mut table = output::table(["alert", "type", "change", "members"]);
        for alert in &result.alerts {
            table.add_row(vec![
                number(alert.id),
                Cell::new(&alert.alert_type),
                Cell::new(&alert.change),
                number(alert.member_count),
            ]);
        }
        println!("{table}");
    }
}
