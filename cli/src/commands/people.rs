//! `mhub people show`: every merchant behind one person, across acquirers.

use super::{Context, acquirer_or_own};
use crate::args::PeopleCommand;
use crate::client::PersonView;
use crate::output;

/// Run one `people` subcommand.
pub async fn run(command: PeopleCommand, context: &Context) -> anyhow::Result<()> {
    let PeopleCommand::Show {
        merchant_id,
        acquirer,
    } = command;
    let client = context.client()?;
    let acquirer = acquirer_or_own(&client, acquirer).await?;
    let person = client.person(&acquirer, &merchant_id).await?;
    if context.json {
        return output::json_line(&person);
    }
    print_person(&person);
    Ok(())
}

/// The person's documents, their merchants, the linked ones and the alerts.
fn print_person(person: &PersonView) {
    println!(
        "legal representative{}: {}",
        if person.legal_reps.len() == 1 {
            ""
        } else {
            "s"
        },
        person.legal_reps.join(", ")
    );
    println!(
        "{} merchant{} at {} acquirer{}",
        person.merchants.len() + person.linked.len(),
        if person.merchants.len() + person.linked.len() == 1 {
            ""
        } else {
            "s"
        },
        person.acquirers,
        if person.acquirers == 1 { "" } else { "s" }
    );
    println!("same legal-rep document ({}):", person.merchants.len());
    println!("{}", output::hits_table(&person.merchants));
    if !person.linked.is_empty() {
        println!("linked by alerts ({}):", person.linked.len());
        println!("{}", output::hits_table(&person.linked));
    }
    if person.alerts.is_empty() {
        println!("alerts: none");
    } else {
        println!(
            "alerts: {} (mhub alerts show ID)",
            person
                .alerts
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
