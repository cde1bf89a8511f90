//! `mhub batches list | show`: uploaded batches and their results.

use comfy_table::Cell;
use hub::ingest::BatchResult;

use super::Context;
use crate::args::BatchesCommand;
use crate::client::{Client, IssueView, Page};
use crate::output::{self, number, or_dash};

/// The most the hub returns per page.
const MAX_PAGE: u64 = 1000;

/// Run one `batches` subcommand.
pub async fn run(command: BatchesCommand, context: &Context) -> anyhow::Result<()> {
    let client = context.client()?;
    match command {
        BatchesCommand::List { limit } => {
            let batches = list(&client, limit).await?;
            if context.json {
                output::json_lines(&batches)?;
            } else {
                println!("{}", output::batches_table(&batches));
            }
        }
        BatchesCommand::Show { id, issues: false } => {
            let result = client.batch(id).await?;
            if context.json {
                output::json_line(&result)?;
            } else {
                print_result(&result);
            }
        }
        BatchesCommand::Show { id, issues: true } => {
            let issues = all_issues(&client, id).await?;
            if context.json {
                output::json_lines(&issues)?;
            } else {
                let result = client.batch(id).await?;
                println!("{}", output::batches_table(std::slice::from_ref(&result)));
                println!("{}", issues_table(&issues));
            }
        }
    }
    Ok(())
}

/// Batches newest first: every page, or the first `limit`.
async fn list(client: &Client, limit: Option<u64>) -> anyhow::Result<Vec<BatchResult>> {
    let mut batches: Vec<BatchResult> = Vec::new();
    loop {
        let wanted = limit.map_or(MAX_PAGE, |l| (l - batches.len() as u64).min(MAX_PAGE));
        let page = client
            .list_batches(Page {
                cursor: batches.last().map(|b| b.batch_id),
                limit: Some(wanted),
            })
            .await?;
        let last_page = (page.len() as u64) < wanted;
        batches.extend(page);
        if last_page || limit.is_some_and(|l| batches.len() as u64 >= l) {
            return Ok(batches);
        }
    }
}

/// Every issue of a batch, page by page.
async fn all_issues(client: &Client, id: i64) -> anyhow::Result<Vec<IssueView>> {
    let mut issues: Vec<IssueView> = Vec::new();
    loop {
        let page = client
            .batch_issues(
                id,
                Page {
                    cursor: issues.last().map(|i| i.seq),
                    limit: Some(MAX_PAGE),
                },
            )
            .await?;
        let last_page = (page.len() as u64) < MAX_PAGE;
        issues.extend(page);
        if last_page {
            return Ok(issues);
        }
    }
}

fn print_result(result: &BatchResult) {
    println!("{}", output::batches_table(std::slice::from_ref(result)));
    println!(
        "received {}, committed {}, sha256 {}{}",
        result.received_at,
        result.completed_at,
        result.content_sha256,
        if result.all_or_nothing {
            ", all-or-nothing"
        } else {
            ""
        }
    );
    for (label, issues, total) in [
        ("row errors", &result.errors, result.error_count),
        ("warnings", &result.warnings, result.warning_count),
    ] {
        if total > 0 {
            println!("{label} ({total}):");
            println!("{}", output::issues_table(issues));
            if usize::try_from(total).is_ok_and(|total| total > issues.len()) {
                println!("… and more: mhub batches show {} --issues", result.batch_id);
            }
        }
    }
    println!("alerts raised or grown: {}", result.alerts.len());
}

fn issues_table(issues: &[IssueView]) -> comfy_table::Table {
    let mut table = output::table([
        "line",
        "severity",
        "merchant_id",
        "field",
        "code",
        "message",
    ]);
    for issue in issues {
        let severity = match issue.severity {
            hub::ingest::Severity::Error => "error",
            hub::ingest::Severity::Warning => "warning",
        };
        table.add_row(vec![
            number(issue.line),
            Cell::new(severity),
            or_dash(issue.merchant_id.as_deref()),
            or_dash(issue.field.as_deref()),
            Cell::new(&issue.code),
            Cell::new(&issue.message),
        ]);
    }
    table
}
