//! Sending a [`Plan`] to the hub, batch by batch.

use anyhow::Context as _;
use hub::ingest::{BatchIssue, BatchResult};
use indicatif::{HumanBytes, ProgressBar};
use reqwest::Body;

use super::archive;
use super::chunks::{self, Chunk, Layout};
use super::plan::{JSONL, Plan, Source, ZIP};
use super::resume::{ResumeState, UploadKey};
use crate::client::{ApiError, Client};
use crate::output;

/// Uploads plans with one client; used by `mhub upload` and `mhub demo`.
pub struct Uploader<'a> {
    client: &'a Client,
    /// Draw progress bars (on stderr, when it is a terminal).
    progress: bool,
}

impl<'a> Uploader<'a> {
    /// An uploader sending with `client`; `progress` asks for progress bars.
    pub fn new(client: &'a Client, progress: bool) -> Uploader<'a> {
        Uploader { client, progress }
    }

    /// Send everything the plan names. `on_batch` sees each batch's result
    /// as soon as the hub acknowledges it; all results are returned at the end.
    /// A refused batch stops the upload with the hub's [`ApiError`].
    pub async fn run(
        &self,
        plan: &Plan,
        mut on_batch: impl FnMut(&BatchResult) -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<BatchResult>> {
        let results = match &plan.source {
            Source::File { path, content_type } => {
                vec![self.send_file(path, content_type, plan).await?]
            }
            Source::Folder(folder) => {
                let folder = folder.clone();
                let spinner = self.spinner(format!("zipping {}", folder.root.display()));
                let zip = tokio::task::spawn_blocking(move || archive::zip_folder(&folder))
                    .await
                    .context("zipping the batch folder")??;
                spinner.finish_and_clear();
                vec![self.send_file(zip.path(), ZIP, plan).await?]
            }
            Source::Jsonl(path) => {
                let spinner = self.spinner(format!("reading {}", path.display()));
                let layout = {
                    let (path, rows_per_batch) = (path.clone(), plan.rows_per_batch);
                    tokio::task::spawn_blocking(move || chunks::layout(&path, rows_per_batch))
                }
                .await
                .context("reading the JSONL file")?
                .with_context(|| format!("reading {}", path.display()))?;
                spinner.finish_and_clear();
                if layout.chunks.len() == 1 {
                    vec![self.send_file(path, JSONL, plan).await?]
                } else {
                    return self.send_chunks(path, &layout, plan, on_batch).await;
                }
            }
        };
        for result in &results {
            on_batch(result)?;
        }
        Ok(results)
    }

    /// Send one file as one batch, streamed from disk.
    async fn send_file(
        &self,
        path: &std::path::Path,
        content_type: &'static str,
        plan: &Plan,
    ) -> anyhow::Result<BatchResult> {
        let file = tokio::fs::File::open(path)
            .await
            .with_context(|| format!("opening {}", path.display()))?;
        let length = file
            .metadata()
            .await
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        let spinner = self.spinner(format!(
            "uploading {} ({}); the hub answers when the whole batch is stored",
            plan.source.path().display(),
            HumanBytes(length)
        ));
        let result = self
            .client
            .upload(Body::from(file), length, content_type, plan.all_or_nothing)
            .await;
        spinner.finish_and_clear();
        result.map_err(explain_interruption)
    }

    /// Send a large JSONL file as consecutive batches, skipping the chunks
    /// an interrupted earlier run already got acknowledged.
    async fn send_chunks(
        &self,
        path: &std::path::Path,
        layout: &Layout,
        plan: &Plan,
        mut on_batch: impl FnMut(&BatchResult) -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<BatchResult>> {
        let me = self.client.me().await?;
        let acquirer = me.acquirer.with_context(|| {
            format!(
                "only acquirer keys upload batches; this is a {} key",
                me.role.as_str()
            )
        })?;
        let mut state = ResumeState::load(
            path,
            UploadKey {
                file_sha256: layout.sha256.clone(),
                rows_per_batch: plan.rows_per_batch,
                hub: self.client.base().to_string(),
                acquirer,
            },
        );
        let total = layout.chunks.len();
        let bar = output::progress(layout.rows, "rows", !self.progress);
        let mut results = Vec::with_capacity(total);
        for chunk in &layout.chunks {
            bar.set_message(format!("batch {}/{total}", chunk.index + 1));
            let mut result = match self.earlier_result(&state, chunk).await? {
                Some(result) => result,
                None => {
                    let bytes = read_chunk(path, chunk).await?;
                    let length = bytes.len() as u64;
                    let uploaded = self
                        .client
                        .upload(Body::from(bytes), length, JSONL, plan.all_or_nothing)
                        .await;
                    let result = match uploaded {
                        Ok(result) => result,
                        Err(mut error) => {
                            bar.abandon();
                            if let Some(api) = error.downcast_mut::<ApiError>() {
                                shift_detail_lines(api, chunk.first_line);
                            }
                            let stored_before = if chunk.index == 0 {
                                ""
                            } else {
                                "; the batches before it were stored, and running the same \
                                 command again resumes here"
                            };
                            return Err(explain_interruption(error).context(format!(
                                "batch {} of {total} (from line {}) was not stored{stored_before}",
                                chunk.index + 1,
                                chunk.first_line
                            )));
                        }
                    };
                    state.record(path, chunk.index, result.batch_id)?;
                    result
                }
            };
            shift_lines(&mut result, chunk.first_line);
            bar.inc(chunk.rows);
            on_batch(&result)?;
            results.push(result);
        }
        bar.finish_and_clear();
        state.finish()?;
        Ok(results)
    }

    /// The stored result of a chunk an earlier run sent, if the hub still has it.
    async fn earlier_result(
        &self,
        state: &ResumeState,
        chunk: &Chunk,
    ) -> anyhow::Result<Option<BatchResult>> {
        let Some(batch_id) = state.batch_of(chunk.index) else {
            return Ok(None);
        };
        match self.client.batch(batch_id).await {
            Ok(mut result) => {
                // Stored before this run: to the caller, a replay.
                result.replayed = true;
                Ok(Some(result))
            }
            // Gone (a reset hub): send it again.
            Err(error)
                if error
                    .downcast_ref::<ApiError>()
                    .is_some_and(|e| e.status == 404) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    fn spinner(&self, message: String) -> ProgressBar {
        let spinner = output::spinner(!self.progress);
        spinner.set_message(message);
        spinner
    }
}

async fn read_chunk(path: &std::path::Path, chunk: &Chunk) -> anyhow::Result<Vec<u8>> {
    let (owned, chunk) = (path.to_owned(), *chunk);
    tokio::task::spawn_blocking(move || chunks::read(&owned, &chunk))
        .await
        .context("reading a chunk")?
        .with_context(|| format!("reading {}", path.display()))
}

/// An upload cut off after it reached the hub but before the answer may or
/// may not have been stored: say that sending it again is safe. Refusals
/// and failures to connect stay as they are.
fn explain_interruption(error: anyhow::Error) -> anyhow::Error {
    let cut_off = error
        .downcast_ref::<reqwest::Error>()
        .is_some_and(|e| !e.is_connect());
    if !cut_off {
        return error;
    }
    error.context(
        "the upload was cut off before the hub answered: sending the same file again is safe \
         (a batch the hub stored is answered with its stored result)",
    )
}

/// The hub numbers lines within the batch it received; make them lines of
/// the user's file. Line 0 (the batch as a whole) stays 0.
fn shift_lines(result: &mut BatchResult, first_line: u64) {
    let shift = |issue: &mut BatchIssue| {
        if issue.line > 0 {
            issue.line += first_line - 1;
        }
    };
    result.errors.iter_mut().for_each(shift);
    result.warnings.iter_mut().for_each(shift);
}

/// The same for the row errors of a refused (all-or-nothing) batch.
fn shift_detail_lines(error: &mut ApiError, first_line: u64) {
    let Some(errors) = error
        .details
        .as_mut()
        .and_then(|d| d.get_mut("errors"))
        .and_then(|e| e.as_array_mut())
    else {
        return;
    };
    for issue in errors {
        if let Some(line) = issue
            .get("line")
            .and_then(|l| l.as_u64())
            .filter(|&l| l > 0)
        {
            issue["line"] = (line + first_line - 1).into();
        }
    }
}
