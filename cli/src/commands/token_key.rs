//! `mhub keys rotate-token-key`: rotate the network token key in this
//! process (`hub::token_rotation`), then rebuild the candidate index and the
//! alerts from the re-tokenised store and check they came out unchanged.

use anyhow::Context as _;
use hub::audit::{Action, Event, Outcome, RequestContext};
use hub::auth::{Principal, Role};
use hub::startup::Access;
use serde::Serialize;

use super::Context;
use crate::args::RotateTokenKeyArgs;
use crate::output::{self, number};

#[derive(Serialize)]
struct Report {
    rotation: hub::token_rotation::Rotation,
    rebuild: hub::alerts::RebuildReport,
}

/// Rotate, record it in the audit log, rebuild, print. Exits non-zero when
/// the rebuild changed an alert: a rotation must leave every finding as it
/// was, so a change means a token column the rotation missed.
pub async fn run(args: RotateTokenKeyArgs, context: &Context) -> anyhow::Result<()> {
    let settings = args.hub.settings(None, None)?;
    hub::telemetry::init(settings.log_format, std::io::stderr);
    let spinner = output::spinner(context.json);
    spinner.set_message("re-tokenising the store under a new token-key generation");
    let (state, _) = hub::startup::open(&settings, Access::Exclusive).await?;
    let rotation = hub::token_rotation::rotate(
        &state.store,
        &state.data_dir,
        &state.token_key,
        &state.blacklist,
        "system",
    )
    .await;
    if let Ok(rotation) = &rotation {
        let event = Event::new(Action::TokenKeyRotate, "token-key")
            .with("before", rotation.before.as_str())
            .with("after", rotation.after.as_str())
            .with("generations", rotation.generations)
            .with("entries_republished", rotation.entries_republished);
        let local = RequestContext {
            principal: Principal {
                key_id: "local".into(),
                role: Role::Admin,
                acquirer: None,
            },
            remote: None,
            purpose: None,
        };
        let recorded = state
            .audit
            .record(
                &local,
                &event,
                Outcome {
                    status: 200,
                    code: None,
                },
            )
            .await;
        if let Err(error) = recorded {
            // The rotation has committed; say so rather than fail it.
            eprintln!("warning: the rotation is done but could not be audited: {error}");
        }
    }
    state.audit.close().await;
    state.store.close().await;
    drop(state);
    let rotation = rotation.context("rotating the token key")?;

    // Reopened as the next `mhub serve` will open it: under the new key.
    spinner.set_message("rebuilding the candidate index and alerts under the new key");
    let (state, _) = hub::startup::open(&settings, Access::Exclusive).await?;
    let rebuild = hub::alerts::rebuild(&state.store, &state.linker, &state.location).await;
    state.audit.close().await;
    state.store.close().await;
    spinner.finish_and_clear();
    let rebuild = rebuild.context("rebuilding the alerts after the rotation")?;
    let changed = rebuild.changes.len();
    let report = Report { rotation, rebuild };
    if context.json {
        output::json_line(&report)?;
    } else {
        print_report(&report);
    }
    if changed > 0 {
        anyhow::bail!(
            "{changed} alerts changed in the rebuild after the rotation: some stored token was \
             not rewrapped"
        );
    }
    Ok(())
}

fn print_report(report: &Report) {
    let rotation = &report.rotation;
    println!(
        "token key {} -> {} ({} generations)",
        rotation.before, rotation.after, rotation.generations
    );
    let mut table = output::table(["table", "column", "rows re-tokenised"]);
    for column in &rotation.columns {
        table.add_row(vec![
            column.table.into(),
            column.column.into(),
            number(column.rows),
        ]);
    }
    println!("{table}");
    println!(
        "{} active blacklist entries published again; {} merchants re-indexed, {} alerts changed",
        rotation.entries_republished,
        report.rebuild.merchants,
        report.rebuild.changes.len()
    );
    println!(
        "copy secrets/token.key to every other hub on this database before starting it; \
         subscribers get the new key with their next `mhub feed pull`"
    );
}
