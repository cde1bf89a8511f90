//! `/v1/batches`: acquirers upload batches and read their results.

use serde::Deserialize;
use serde_json::json;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::views::IssueView;
use super::{
    ApiError, audited, audited_as, context, query, reject, require_merchant_reader, with_state,
};
use crate::audit::{Action, Event, RequestContext};
use crate::auth::{Principal, Role};
use crate::ingest::{self, BatchResult, Format, IngestError, Outcome, Upload};
use crate::startup::AppState;

/// `POST /v1/batches` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct UploadQuery {
    /// Refuse the whole batch if any row is bad.
    #[serde(default)]
    all_or_nothing: bool,
    /// Optional, for clients that name the acquirer explicitly: it must be
    /// the key's own (the key decides; this only catches mistakes loudly).
    acquirer: Option<String>,
}

/// `GET /v1/batches` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Batches with an id below this (the next page's cursor).
    before: Option<i64>,
    /// Page size, 1–1000 (default 100).
    limit: Option<i64>,
}

/// `GET /v1/batches/{id}/issues` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct IssuesQuery {
    /// Issues with a `seq` above this (the next page's cursor).
    after: Option<i64>,
    /// Page size, 1–1000 (default 100).
    limit: Option<i64>,
}

fn page_size(limit: Option<i64>) -> Result<i64, Rejection> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n),
        Some(_) => Err(reject(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 1000",
        ))),
    }
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let upload = warp::path!("batches")
        .and(warp::post())
        .and(context(state.clone()))
        .and(query::<UploadQuery>())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext,
             query: UploadQuery,
             content_type: Option<String>,
             content_length: Option<u64>,
             body,
             state: AppState| async move {
                let event = Event::new(Action::BatchUpload, "batch");
                audited_as(
                    &state,
                    &context,
                    event,
                    upload(
                        &state,
                        &context.principal,
                        query,
                        content_type,
                        content_length,
                        body,
                    ),
                )
                .await
            },
        );

    let list = warp::path!("batches")
        .and(warp::get())
        .and(context(state.clone()))
        .and(query::<ListQuery>())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, query: ListQuery, state: AppState| async move {
                audited(
                    &state,
                    &context,
                    Event::new(Action::BatchList, "batches"),
                    async {
                        let principal = &context.principal;
                        require_merchant_reader(principal).map_err(reject)?;
                        let acquirer = if principal.sees_everything() {
                            None
                        } else {
                            principal.acquirer.clone()
                        };
                        let limit = page_size(query.limit)?;
                        let rows = state
                            .store
                            .list_batches(acquirer.as_deref(), query.before, limit)
                            .await
                            .map_err(reject)?;
                        let mut results = Vec::with_capacity(rows.len());
                        for row in rows {
                            let mut result: BatchResult = serde_json::from_str(&row.result)
                                .map_err(|e| reject(crate::store::StoreError::from(e)))?;
                            // Lists stay small: the issues are one request away.
                            result.errors.clear();
                            result.warnings.clear();
                            results.push(result);
                        }
                        Ok(warp::reply::json(&results))
                    },
                )
                .await
            },
        );

    let show = warp::path!("batches" / i64)
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state.clone()))
        .and_then(
            |id: i64, context: RequestContext, state: AppState| async move {
                let event = Event::new(Action::BatchRead, format!("batch:{id}"));
                audited(&state, &context, event, async {
                    let row = readable_batch(&state, &context.principal, id).await?;
                    let result: BatchResult = serde_json::from_str(&row.result)
                        .map_err(|e| reject(crate::store::StoreError::from(e)))?;
                    Ok(warp::reply::json(&result))
                })
                .await
            },
        );

    let issues = warp::path!("batches" / i64 / "issues")
        .and(warp::get())
        .and(context(state.clone()))
        .and(query::<IssuesQuery>())
        .and(with_state(state))
        .and_then(
            |id: i64, context: RequestContext, query: IssuesQuery, state: AppState| async move {
                let event = Event::new(Action::BatchIssues, format!("batch:{id}"));
                audited(&state, &context, event, async {
                    readable_batch(&state, &context.principal, id).await?;
                    let limit = page_size(query.limit)?;
                    let rows = state
                        .store
                        .list_batch_issues(id, query.after.unwrap_or(0), limit)
                        .await
                        .map_err(reject)?;
                    let issues: Vec<IssueView> = rows.into_iter().map(IssueView::from).collect();
                    Ok(warp::reply::json(&issues))
                })
                .await
            },
        );
    upload.or(list).or(show).or(issues)
}

/// `POST /v1/batches`: spool the body, ingest it, answer its result (the
/// batch id is the audited target).
async fn upload<S, B>(
    state: &AppState,
    principal: &Principal,
    query: UploadQuery,
    content_type: Option<String>,
    content_length: Option<u64>,
    body: S,
) -> Result<(impl Reply + use<S, B>, Option<String>), Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    let Some(acquirer) = principal
        .acquirer
        .clone()
        .filter(|_| principal.role == Role::Acquirer)
    else {
        return Err(reject(IngestError::NotAnAcquirer));
    };
    if query
        .acquirer
        .as_ref()
        .is_some_and(|named| *named != acquirer)
    {
        return Err(reject(ApiError::forbidden(format!(
            "this key uploads for {acquirer} only"
        ))));
    }
    let format = content_type
        .as_deref()
        .and_then(Format::from_content_type)
        .ok_or_else(|| reject(IngestError::UnsupportedMediaType))?;
    let limit = state.limits.max_body_bytes;
    // Refuse early when the client announces an oversized body.
    if content_length.is_some_and(|n| n > limit) {
        return Err(reject(IngestError::BodyTooLarge { limit }));
    }
    let idle = std::time::Duration::from_secs(state.server.body_idle_timeout_secs);
    let spooled = ingest::spool(Box::pin(body), &state.data_dir.spool(), limit, idle)
        .await
        .map_err(reject)?;
    let outcome = state
        .ingestor
        .ingest(
            &acquirer,
            &principal.key_id,
            Upload {
                spooled,
                format,
                all_or_nothing: query.all_or_nothing,
            },
        )
        .await
        .map_err(reject)?;
    match outcome {
        Outcome::Stored(result) => {
            let status = if result.replayed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let target = format!("batch:{}", result.batch_id);
            Ok((
                warp::reply::with_status(warp::reply::json(&result), status),
                Some(target),
            ))
        }
        Outcome::Refused {
            rows,
            errors,
            error_count,
        } => Err(reject(
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "batch_rejected",
                format!(
                    "all_or_nothing was asked and {error_count} row error(s) were found; nothing was stored"
                ),
            )
            .with_details(json!({"rows": rows, "error_count": error_count, "errors": errors})),
        )),
    }
}

/// A batch the principal may read: its own (acquirers) or any (analysts, admins).
async fn readable_batch(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<crate::store::BatchRow, Rejection> {
    require_merchant_reader(principal).map_err(reject)?;
    let row = state
        .store
        .get_batch(id)
        .await
        .map_err(reject)?
        .ok_or_else(|| reject(ApiError::not_found("batch_not_found", "no such batch")))?;
    if !principal.may_read_acquirer(&row.acquirer) {
        return Err(reject(ApiError::forbidden(
            "this batch belongs to another acquirer",
        )));
    }
    Ok(row)
}
