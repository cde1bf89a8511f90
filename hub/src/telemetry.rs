//! Logging through `tracing`, as text or JSON, to an injectable sink.
//!
//! Nothing the hub logs carries a raw sensitive value: handlers log key ids,
//! batch ids and counts; the matcher's types print masked forms in `Debug`.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// Install the global subscriber. `RUST_LOG` overrides the default `info`.
/// Safe to call more than once (later calls do nothing), which tests rely on.
pub fn init<W>(format: LogFormat, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,warp=warn,hyper=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
