//! `mhub reindex`: rebuild every alert from the store, in this process.

use anyhow::Context as _;
use comfy_table::Cell;
use hub::alerts::RebuildReport;

use super::Context;
use crate::args::ReindexArgs;
use crate::output::{self, number, or_dash};

/// Open the store as `mhub serve` would, run detection over every stored
/// merchant, and print what it read and changed. Changes are not a
/// failure: the exit code is 0 whenever the rebuild committed.
pub async fn run(args: ReindexArgs, context: &Context) -> anyhow::Result<()> {
    let settings = args.hub.settings(None, None)?;
    hub::telemetry::init(settings.log_format, std::io::stderr);
    let (state, admin_key) = hub::startup::open(&settings, hub::startup::Access::Beside).await?;
    if let Some(issued) = admin_key {
        // An empty store: keep the key it just created from being lost.
        eprintln!(
            "{} had no admin key; created one (shown once): {}",
            settings.data_dir.display(),
            issued.key
        );
    }
    let spinner = output::spinner(context.json);
    spinner.set_message("rebuilding alerts from every stored merchant");
    let report = hub::alerts::rebuild(&state.store, &state.linker, &state.location).await;
    spinner.finish_and_clear();
    state.store.close().await;
    let report = report.context("rebuilding the alerts")?;
    if context.json {
        return output::json_line(&report);
    }
    print_report(&report);
    Ok(())
}

/// The merchant count, then each alert changed, or why none is good news.
fn print_report(report: &RebuildReport) {
    println!(
        "read {} merchants; {} fuzzy links between them",
        report.merchants, report.links
    );
    if report.changes.is_empty() {
        println!("no alert changed: the stored alerts already equal a full rebuild");
        return;
    }
    println!("{} alerts changed:", report.changes.len());
    let mut table = output::table(["id", "type", "subtype", "change", "members"]);
    for change in &report.changes {
        table.add_row(vec![
            number(change.id),
            Cell::new(&change.alert_type),
            or_dash(change.subtype.as_deref()),
            Cell::new(&change.change),
            number(change.member_count),
        ]);
    }
    println!("{table}");
}
