//! `mhub upload PATH`: send a batch (or a large file as several) and report.

use hub::ingest::{BatchIssue, BatchResult};

use super::Context;
use crate::args::UploadArgs;
use crate::client::ApiError;
use crate::output;
use crate::upload::{Plan, Uploader};

/// How many row errors the human summary lists before pointing at `batches show`.
const SHOWN_ERRORS: usize = 20;

/// Upload PATH; with `--json`, print each batch's result as one line as soon
/// as the hub acknowledges it.
pub async fn run(args: UploadArgs, context: &Context) -> anyhow::Result<()> {
    let plan = Plan::new(&args)?;
    let client = context.client()?;
    let json = context.json;
    let outcome = Uploader::new(&client, !json)
        .run(&plan, |result| {
            if json {
                output::json_line(result)
            } else {
                Ok(())
            }
        })
        .await;
    match outcome {
        Ok(results) => {
            if !json {
                print_summary(&results);
            }
            Ok(())
        }
        Err(error) => {
            if let Some(api) = error.downcast_ref::<ApiError>() {
                print_refused_rows(api);
            }
            Err(error)
        }
    }
}

/// The batches table, then the first row errors.
pub fn print_summary(results: &[BatchResult]) {
    println!("{}", output::batches_table(results));
    let errors: i64 = results.iter().map(|r| r.error_count).sum();
    let alerts: usize = results.iter().map(|r| r.alerts.len()).sum();
    if errors > 0 {
        let shown: Vec<&BatchIssue> = results
            .iter()
            .flat_map(|r| &r.errors)
            .take(SHOWN_ERRORS)
            .collect();
        println!("row errors ({errors}; rejected rows were not stored, the others were):");
        println!("{}", output::issues_table(shown.iter().copied()));
        let more = usize::try_from(errors).map_or(0, |e| e.saturating_sub(shown.len()));
        if more > 0 {
            let ids: Vec<String> = results
                .iter()
                .filter(|r| r.error_count > 0)
                .map(|r| r.batch_id.to_string())
                .collect();
            match ids.as_slice() {
                [id] => println!("… and {more} more: mhub batches show {id} --issues"),
                _ => println!(
                    "… and {more} more: mhub batches show ID --issues, for batches {}",
                    ids.join(", ")
                ),
            }
        }
    }
    println!("alerts raised or grown: {alerts}");
}

/// A batch the hub refused as a whole (all-or-nothing) carries its row
/// errors in the error details: show them on stderr before the error line.
fn print_refused_rows(error: &ApiError) {
    let errors: Vec<BatchIssue> = error
        .details
        .as_ref()
        .and_then(|details| details.get("errors"))
        .and_then(|errors| serde_json::from_value(errors.clone()).ok())
        .unwrap_or_default();
    if !errors.is_empty() {
        eprintln!("{}", output::issues_table(errors.iter().take(SHOWN_ERRORS)));
    }
}
