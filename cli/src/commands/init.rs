//! `mhub init`: prepare a data directory and hand out the first admin key.

use serde_json::json;

use super::Context;
use crate::args::InitArgs;
use crate::output;

/// Open (and so create) the data directory, secrets and store; print the
/// admin key if this call created it. Keys are shown once: on an already
/// initialised directory the key is `null` and the exit code still 0.
pub async fn run(args: InitArgs, context: &Context) -> anyhow::Result<()> {
    let settings = args.hub.settings(None, None)?;
    hub::telemetry::init(settings.log_format, std::io::stderr);
    let (state, admin_key) = hub::startup::open(&settings, hub::startup::Access::Beside).await?;
    state.store.close().await;
    let key = admin_key.map(|issued| issued.key);
    if context.json {
        output::json_line(&json!({ "admin_key": key }))?;
    }
    match key {
        None => eprintln!(
            "{} is already initialised and has an admin key; keys are shown only when they are \
             created (make another with `mhub keys create --role admin`)",
            settings.data_dir.display()
        ),
        Some(key) if !context.json => {
            println!("initialised {}", settings.data_dir.display());
            println!("admin key (shown once): {key}");
            println!();
            println!(
                "next: mhub serve --data-dir {}",
                settings.data_dir.display()
            );
            println!(
                "      export MHUB_KEY=<the admin key>; mhub keys create --role acquirer --acquirer ACQ01"
            );
        }
        Some(_) => {}
    }
    Ok(())
}
