//! `mhub screen FILE`: prospective merchants against the blacklist (SPEC §7).

use anyhow::Context as _;
use hub::ingest::BatchIssue;
use hub::screening::{MAX_RECORDS, RecordScreening};
use serde_json::Value;

use super::Context;
use crate::args::ScreenArgs;
use crate::output;

/// Read the file, screen its records 1,000 per request, print the answers.
pub async fn run(args: ScreenArgs, context: &Context) -> anyhow::Result<()> {
    let rows = hub::screening::read_file(&args.file, &hub::Limits::default())
        .map_err(anyhow::Error::new)
        .with_context(|| format!("reading {}", args.file.display()))?;
    anyhow::ensure!(!rows.is_empty(), "{} holds no record", args.file.display());
    // Screening a prospect is onboarding unless --purpose says otherwise.
    let client = context.client()?;
    let client = match client.purpose() {
        Some(_) => client,
        None => client.with_purpose(Some("onboarding".to_owned())),
    };
    let mut results: Vec<RecordScreening> = Vec::with_capacity(rows.len());
    // Rows that are not even JSON are answered here; the rest go to the hub
    // in order, and their answers are numbered with the file's lines.
    let mut pending: Vec<(u64, Value)> = Vec::new();
    for (line, value) in rows {
        match value {
            Ok(value) => pending.push((line, value)),
            Err(issue) => results.push(RecordScreening::invalid(
                line,
                None,
                vec![BatchIssue::from(&issue.at(line, None))],
            )),
        }
    }
    for chunk in pending.chunks(MAX_RECORDS) {
        let records: Vec<Value> = chunk.iter().map(|(_, v)| v.clone()).collect();
        let answers = client.screen(&records).await?;
        for ((line, _), mut answer) in chunk.iter().zip(answers) {
            answer.line = *line;
            for error in &mut answer.errors {
                error.line = *line;
            }
            results.push(answer);
        }
    }
    results.sort_by_key(|r| r.line);
    if context.json {
        output::json_lines(&results)
    } else {
        output::print_screenings(&results);
        Ok(())
    }
}
