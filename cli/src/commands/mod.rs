//! One module per command; each turns its arguments into a plan, runs it,
//! and prints through [`crate::output`].

mod alerts;
mod audit;
mod batches;
mod bench;
mod bench_screening;
mod blacklist;
mod completions;
mod demo;
mod evaluate;
mod feed;
mod init;
mod keys;
mod local_hub;
mod merchants;
mod people;
mod reindex;
mod samples;
mod screen;
mod serve;
mod terminals;
mod token_key;
mod upload;

use anyhow::{Context as _, bail};
use reqwest::Url;
use secrecy::SecretString;

use crate::args::{Cli, Command, GlobalArgs};
use crate::client::Client;

/// The validated global options every command may use.
pub struct Context {
    /// The hub's base URL.
    url: Url,
    /// The API key, if one was given.
    key: Option<SecretString>,
    /// The declared purpose (`--purpose` / `MHUB_PURPOSE`).
    purpose: Option<String>,
    /// Print JSON for scripts.
    pub json: bool,
}

impl Context {
    /// Check the global options.
    fn new(global: GlobalArgs) -> anyhow::Result<Context> {
        let url = global.url;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            bail!("--url must be an http:// or https:// URL, not {url}");
        }
        Ok(Context {
            url,
            key: global.key,
            purpose: global.purpose,
            json: global.json,
        })
    }

    /// A client for the hub, authenticated with the key.
    pub fn client(&self) -> anyhow::Result<Client> {
        let key = self.key.clone().context(
            "no API key: pass --key or set MHUB_KEY (mhub init prints the first admin key)",
        )?;
        Ok(Client::new(self.url.clone(), key)?.with_purpose(self.purpose.clone()))
    }
}

/// Run the parsed command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // reqwest and sqlx both use rustls without choosing a crypto provider:
    // choose ring, once, before either makes a connection.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(dispatch(cli))
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let context = Context::new(cli.global)?;
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Init(args) => init::run(args, &context).await,
        Command::Keys(command) => keys::run(command, &context).await,
        Command::Audit(command) => audit::run(command, &context).await,
        Command::Upload(args) => upload::run(args, &context).await,
        Command::Batches(command) => batches::run(command, &context).await,
        Command::Merchants(command) => merchants::run(command, &context).await,
        Command::People(command) => people::run(command, &context).await,
        Command::Alerts(command) => alerts::run(command, &context).await,
        Command::Terminals(command) => terminals::run(command, &context).await,
        Command::Blacklist(command) => blacklist::run(command, &context).await,
        Command::Screen(args) => screen::run(args, &context).await,
        Command::Feed(command) => feed::run(command, &context).await,
        Command::Samples(command) => samples::run(command, &context).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Reindex(args) => reindex::run(args, &context).await,
        Command::Bench(args) => bench::run(args, &context).await,
        Command::Completions(args) => completions::run(args),
    }
}

/// The acquirer a command names, or else the one the key belongs to;
/// keys of other roles must name one.
async fn acquirer_or_own(client: &Client, acquirer: Option<String>) -> anyhow::Result<String> {
    if let Some(acquirer) = acquirer {
        return Ok(acquirer);
    }
    let me = client.me().await?;
    me.acquirer.with_context(|| {
        format!(
            "this is a {} key, not bound to an acquirer: name one with --acquirer CODE",
            me.role.as_str()
        )
    })
}
