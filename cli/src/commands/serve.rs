//! `mhub serve`: run the hub until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context as _;
use hub::{App, Settings};

use crate::args::ServeArgs;

/// Build the hub from flags, environment and file, announce it, serve.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let settings = args.hub.settings(args.listen, args.log_format)?;
    hub::telemetry::init(settings.log_format, std::io::stderr);
    let app = build(settings).await?;
    announce(&app)?;
    let shutdown = shutdown_signal()?;
    app.run_until_stopped(shutdown).await;
    Ok(())
}

/// [`App::build`], with a plain answer when the address is taken.
///
/// The address is tried first: `App::build` opens the store (and may
/// create the first admin key) before it binds, and a start that then fails
/// to bind would have created a key nobody saw.
pub async fn build(settings: Settings) -> anyhow::Result<App> {
    let listen = settings.listen;
    if let Err(error) = std::net::TcpListener::bind(listen) {
        return Err(bind_error(error, listen));
    }
    App::build(settings).await.map_err(|error| {
        match error
            .chain()
            .find_map(|cause| cause.downcast_ref::<std::io::Error>())
        {
            Some(io) if io.kind() == std::io::ErrorKind::AddrInUse => {
                bind_error(std::io::Error::from(io.kind()), listen)
            }
            _ => error,
        }
    })
}

fn bind_error(error: std::io::Error, listen: SocketAddr) -> anyhow::Error {
    if error.kind() == std::io::ErrorKind::AddrInUse {
        anyhow::anyhow!(
            "{listen} is already in use: another mhub (or another program) is listening there; \
             stop it or choose another address with --listen"
        )
    } else {
        anyhow::Error::new(error).context(format!("cannot listen on {listen}"))
    }
}

/// Print where the hub listens (first line of stdout, read by scripts and
/// tests) and the first admin key if this start created it.
pub fn announce(app: &App) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "mhub listening on http://{}", app.local_addr())?;
    if let Some(admin) = app.admin_key() {
        writeln!(stdout, "admin key (shown once): {}", admin.key)?;
    }
    // Tests and supervisors read this through a pipe: do not leave it buffered.
    stdout.flush().context("writing to stdout")
}

/// Completes on Ctrl-C or SIGTERM: the hub then finishes requests in flight
/// and closes the store. The handlers are installed here, before the hub
/// serves, not when the future is first polled: a SIGTERM that arrives as
/// soon as the hub answers must stop it cleanly, not kill it.
pub fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down");
    })
}
