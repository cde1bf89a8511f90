//! `mhub merchants show | search`: merchants as the hub stores them.

use comfy_table::Cell;
use matcher::{MerchantRecord, MerchantStatus, Protected};

use super::{Context, acquirer_or_own};
use crate::args::MerchantsCommand;
use crate::client::{Client, SearchResult};
use crate::output::{self, number};

/// Run one `merchants` subcommand.
pub async fn run(command: MerchantsCommand, context: &Context) -> anyhow::Result<()> {
    let client = context.client()?;
    match command {
        MerchantsCommand::Show {
            merchant_id,
            acquirer,
            versions,
        } => show(&client, context, &merchant_id, acquirer, versions).await,
        MerchantsCommand::Search { query, limit } => {
            let result = client.search(&query, limit).await?;
            if context.json {
                return output::json_line(&result);
            }
            print_search(&result);
            Ok(())
        }
    }
}

/// `merchants show`: the current record, or every version.
async fn show(
    client: &Client,
    context: &Context,
    merchant_id: &str,
    acquirer: Option<String>,
    versions: bool,
) -> anyhow::Result<()> {
    let acquirer = acquirer_or_own(client, acquirer).await?;
    if versions {
        let versions = client.merchant_versions(&acquirer, merchant_id).await?;
        if context.json {
            return output::json_lines(&versions);
        }
        let mut table = output::table([
            "version",
            "batch",
            "stored",
            "record sha256",
            "name",
            "address",
        ]);
        for version in &versions {
            table.add_row(vec![
                number(version.version),
                number(version.batch_id),
                Cell::new(&version.created_at),
                Cell::new(&version.record_sha256[..16.min(version.record_sha256.len())]),
                Cell::new(&version.record.name),
                Cell::new(&version.record.address),
            ]);
        }
        println!("{table}");
    } else {
        let merchant = client.merchant(&acquirer, merchant_id).await?;
        if context.json {
            return output::json_line(&merchant);
        }
        let mut table = output::table(["field", "value"]);
        table.add_row(vec!["acquirer".to_owned(), merchant.acquirer.clone()]);
        table.add_row(vec![
            "version".to_owned(),
            format!(
                "{} (batch {}, first stored {}, updated {})",
                merchant.version, merchant.batch_id, merchant.created_at, merchant.updated_at
            ),
        ]);
        for (field, value) in record_fields(&merchant.record) {
            table.add_row(vec![field.to_owned(), value]);
        }
        println!("{table}");
    }
    Ok(())
}

/// What a search matched on, then one row per merchant found.
fn print_search(result: &SearchResult) {
    println!(
        "matched on {}: {} merchant{}",
        result.matched_field,
        result.hits.len(),
        if result.hits.len() == 1 { "" } else { "s" }
    );
    if !result.hits.is_empty() {
        println!("{}", output::hits_table(&result.hits));
    }
}

/// The record as (field, display value) pairs; sensitive values are the
/// hub's masked forms (tokens are left out: they mean nothing to people).
fn record_fields(record: &MerchantRecord) -> Vec<(&'static str, String)> {
    let masked = |p: &Option<Protected>| p.as_ref().map_or("-".to_owned(), |p| p.masked.clone());
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let rep = &record.legal_rep;
    let account = &record.settlement_account;
    let mut fields = vec![
        ("merchant_id", record.merchant_id.clone()),
        ("name", record.name.clone()),
        ("uscc", or_dash(&record.uscc)),
        ("mcc", record.mcc.clone()),
        ("address", record.address.clone()),
        ("region_code", or_dash(&record.region_code)),
        (
            "location",
            record
                .location
                .map_or("-".to_owned(), |c| format!("{:.6}, {:.6}", c.lat, c.lng)),
        ),
        (
            "legal_rep",
            format!(
                "{} ({} {}), phone {}",
                rep.name,
                rep.id_type.as_str(),
                rep.id.masked,
                masked(&rep.phone)
            ),
        ),
        ("contact_phone", masked(&record.contact_phone)),
        (
            "settlement_account",
            format!(
                "{} {} ({}, {})",
                account.kind.as_str(),
                account.number.masked,
                account.name,
                account.bank.as_deref().unwrap_or("bank unknown")
            ),
        ),
    ];
    for terminal in &record.terminals {
        fields.push((
            "terminal",
            format!(
                "{} sn {} {}",
                terminal.terminal_id,
                terminal.sn.as_deref().unwrap_or("-"),
                [terminal.vendor.as_deref(), terminal.model.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ));
    }
    for photo in &record.photos {
        fields.push((
            "photo",
            format!(
                "{} {}",
                photo.kind.as_str(),
                &photo.sha256[..16.min(photo.sha256.len())]
            ),
        ));
    }
    fields.push(("onboarded_at", or_dash(&record.onboarded_at)));
    fields.push((
        "status",
        match &record.status {
            MerchantStatus::Active => "active".to_owned(),
            MerchantStatus::Terminated { reason, at } => format!(
                "terminated {} ({})",
                at.as_deref().unwrap_or("-"),
                reason.as_deref().unwrap_or("no reason given")
            ),
        },
    ));
    fields
}
