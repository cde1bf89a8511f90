//! `mhub audit list | verify`: the hub's audit log over HTTP.

use super::Context;
use crate::args::AuditCommand;
use crate::client::AuditQuery;
use crate::output::{self, or_dash};

/// Run one `audit` subcommand.
pub async fn run(command: AuditCommand, context: &Context) -> anyhow::Result<()> {
    let client = context.client()?;
    match command {
        AuditCommand::List(args) => {
            let query = AuditQuery {
                key_id: args.key_id,
                acquirer: args.acquirer,
                action: args.action,
                since: args.since,
                until: args.until,
                before: args.before,
                limit: Some(args.limit),
            };
            let events = client.audit(&query).await?;
            if context.json {
                output::json_lines(&events)?;
            } else {
                let mut table = output::table([
                    "seq", "at", "key", "role", "acquirer", "from", "purpose", "action", "target",
                    "status",
                ]);
                for event in &events {
                    let status = match &event.code {
                        Some(code) => format!("{} {code}", event.status),
                        None => event.status.to_string(),
                    };
                    table.add_row(vec![
                        event.seq.to_string().into(),
                        event.at.as_str().into(),
                        event.key_id.as_str().into(),
                        event.role.as_str().into(),
                        or_dash(event.acquirer.as_deref()),
                        or_dash(event.remote.as_deref()),
                        or_dash(event.purpose.as_deref()),
                        event.action.as_str().into(),
                        event.target.as_str().into(),
                        status.into(),
                    ]);
                }
                println!("{table}");
            }
        }
        AuditCommand::Verify => {
            let report = client.verify_audit().await?;
            if context.json {
                output::json_line(&report)?;
            } else if report.ok {
                println!(
                    "audit chain intact: {} events, head seq {} hash {}, signed by key {}",
                    report.events, report.head_seq, report.head_hash, report.key_id
                );
            }
            if let Some(broken) = &report.broken {
                anyhow::bail!(
                    "audit chain broken at seq {}: {} ({} events verified before it)",
                    broken.seq,
                    broken.reason,
                    report.events
                );
            }
        }
    }
    Ok(())
}
