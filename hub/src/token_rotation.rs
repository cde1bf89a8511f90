//! Rotating the token key (SPEC §4; docs/security.md, "The token key").
//!
//! Tokens are HMACs under the network's token key, and the hub never holds
//! the raw values it would need to tokenise afresh. What it holds is every
//! token, so a rotation wraps each one under a new generation of the key
//! (`matcher::TokenKey` explains the construction): the stored data ends up
//! exactly as the rotated key would tokenise it from raw values, alerts and
//! links stay as they were, and a member that pulls the rotated key screens
//! against the re-published blacklist as before.
//!
//! A rotation is three steps, ordered so that a crash anywhere leaves one
//! key that matches the database:
//!
//! 1. the new key is written beside the old one (`secrets/token.key.next`)
//!    and synced;
//! 2. one write transaction re-tokenises every token column
//!    ([`store::TOKEN_COLUMNS`]), publishes every active blacklist entry
//!    again (mirrors learn the new tokens through the signed chain they
//!    already verify) and names the new key in `token_key_state`;
//! 3. the staged file replaces `token.key`.
//!
//! At every start [`reconcile`] compares both files with `token_key_state`
//! and keeps the one the database names: a crash before step 2 committed
//! discards the staged key, a crash after it finishes step 3. A key that
//! matches neither stops the start, so a hub never tokenises new batches
//! under a key the stored tokens are not under.
//!
//! What is *not* rewrapped: the feed's past events and the audit log. Each
//! of their events is hashed into a chain and signed, which is what makes
//! them evidence; rewriting one would break both. Their tokens stay under
//! the generations they were written with (docs/security.md says what that
//! means if an old generation leaks).

use matcher::{MerchantRecord, Token, TokenKey};
use rand::Rng;
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::blacklist::{Blacklist, BlacklistError};
use crate::clock;
use crate::data_dir::{DataDir, DataDirError};
use crate::store::{self, Store, StoreError, TokenForm, TokenKeyState};

/// Why the token key could not be checked or rotated.
#[derive(Debug, Error)]
pub enum TokenRotationError {
    /// The database's tokens are under another key than this data
    /// directory's.
    #[error(
        "the stored tokens are under token key {stored}, but this data directory's key is \
         {current}: these secrets do not belong to this database (or the database was restored \
         from before a rotation); restore the matching secrets/token.key"
    )]
    KeyMismatch {
        /// Fingerprint recorded in the database.
        stored: String,
        /// Fingerprint of the key in `secrets/`.
        current: String,
    },
    /// The key already has `matcher::MAX_TOKEN_KEY_GENERATIONS`.
    #[error(
        "the token key already has {} generations, the most it may have",
        matcher::MAX_TOKEN_KEY_GENERATIONS
    )]
    TooManyGenerations,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Blacklist(#[from] BlacklistError),
}

/// What a rotation did.
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    /// Fingerprint of the key before.
    pub before: String,
    /// Fingerprint of the key after.
    pub after: String,
    /// Generations of the key after.
    pub generations: usize,
    /// Rows changed per token column.
    pub columns: Vec<ColumnRewrite>,
    /// Active blacklist entries published again.
    pub entries_republished: usize,
}

/// Rows of one column re-tokenised.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnRewrite {
    pub table: &'static str,
    pub column: &'static str,
    pub rows: u64,
}

/// The token key to run with: the one `token_key_state` names, finishing
/// or setting aside a rotation a crash interrupted (see the module docs). A
/// database that names no key yet adopts `current`.
///
/// Only the process that owns the data directory (`owner`: the serving hub
/// or the rotation itself, which hold the candidate index's lock) may move
/// the key files; a tool beside a hub (`mhub init`, `mhub reindex`) only
/// reads them, because the staged file it sees may belong to a rotation
/// that is still running.
pub async fn reconcile(
    store: &Store,
    data_dir: &DataDir,
    current: TokenKey,
    owner: bool,
) -> Result<TokenKey, TokenRotationError> {
    let staged = data_dir.staged_token_key()?;
    let Some(state) = store.token_key_state().await? else {
        // No rotation can have committed: a rotation starts by reading
        // this row.
        store
            .adopt_token_key(&state_of(&current), &clock::now())
            .await?;
        return Ok(current);
    };
    if let Some(staged) = staged {
        if staged.fingerprint() == state.fingerprint {
            if owner {
                data_dir.commit_staged_token_key()?;
                tracing::info!(
                    fingerprint = %state.fingerprint,
                    "finished a token-key rotation interrupted after its commit"
                );
            }
            return Ok(staged);
        }
        if owner && current.fingerprint() == state.fingerprint {
            data_dir.set_aside_staged_token_key()?;
            tracing::warn!(
                "set aside the staged key of a token-key rotation that never committed \
                 (secrets/token.key.abandoned)"
            );
        }
    }
    if current.fingerprint() == state.fingerprint {
        Ok(current)
    } else {
        Err(TokenRotationError::KeyMismatch {
            stored: state.fingerprint,
            current: current.fingerprint(),
        })
    }
}

/// Rotate `current` to a new generation: re-tokenise the store, publish the
/// active blacklist again under `actor`, and make the new key the data
/// directory's. The candidate index and alerts are derived from the store
/// and must be rebuilt afterwards (`alerts::rebuild`, as `mhub keys
/// rotate-token-key` does). No hub may be serving on the database meanwhile:
/// it would go on tokenising new batches under the old key.
pub async fn rotate(
    store: &Store,
    data_dir: &DataDir,
    current: &TokenKey,
    blacklist: &Blacklist,
    actor: &str,
) -> Result<Rotation, TokenRotationError> {
    let mut next = [0u8; 32];
    rand::rng().fill_bytes(&mut next);
    let rotated = current
        .rotated(next)
        .map_err(|_| TokenRotationError::TooManyGenerations)?;
    data_dir.stage_token_key(&rotated)?;
    // On an error from here on the staged file stays: whether the
    // transaction committed is for the next start's `reconcile` to read
    // from the database, not for us to guess.
    let mut tx = store.begin_write().await?;
    let recorded = tx.token_key_state_for_update().await?;
    if recorded.as_ref().map(|s| s.fingerprint.as_str()) != Some(&current.fingerprint()) {
        return Err(TokenRotationError::KeyMismatch {
            stored: recorded.map_or_else(|| "none".into(), |s| s.fingerprint),
            current: current.fingerprint(),
        });
    }
    let mut columns = Vec::with_capacity(store::TOKEN_COLUMNS.len());
    for column in store::TOKEN_COLUMNS {
        let rows = tx
            .rewrite_token_column(column, &mut |value| rewrite(column.form, value, &rotated))
            .await?;
        columns.push(ColumnRewrite {
            table: column.table,
            column: column.column,
            rows,
        });
    }
    let entries_republished = blacklist
        .republish_active(
            &mut tx,
            actor,
            "token key rotated: subject tokens rewrapped under the new generation",
        )
        .await?;
    tx.set_token_key_state(&state_of(&rotated), &clock::now())
        .await?;
    tx.commit().await?;
    data_dir.commit_staged_token_key()?;
    Ok(Rotation {
        before: current.fingerprint(),
        after: rotated.fingerprint(),
        generations: rotated.generations().len(),
        columns,
        entries_republished,
    })
}

fn state_of(key: &TokenKey) -> TokenKeyState {
    TokenKeyState {
        fingerprint: key.fingerprint(),
        generations: key.generations().len() as i64,
    }
}

/// The stored value re-tokenised under `key`'s newest generation, or
/// `None` when it holds no token.
fn rewrite(form: TokenForm, value: &str, key: &TokenKey) -> Result<Option<String>, StoreError> {
    Ok(match form {
        TokenForm::Token => {
            let token = Token::from_hex(value)
                .map_err(|_| StoreError::Vocabulary("a token column holds a non-token".into()))?;
            Some(key.rewrap(&token).into_string())
        }
        TokenForm::Prefixed => rewrap_prefixed(value, key),
        // Typed, so the text is serialised exactly as ingest serialises a
        // record: its SHA-256 is how an unchanged re-upload is recognised.
        TokenForm::MerchantRecord => {
            let mut record: MerchantRecord = serde_json::from_str(value)?;
            record.rewrap_tokens(key);
            Some(serde_json::to_string(&record)?)
        }
        TokenForm::Json => {
            let mut json: Value = serde_json::from_str(value)?;
            rewrap_json(&mut json, key).then(|| json.to_string())
        }
    })
}

/// The kinds whose `kind:token` keys name alerts and screens (`ids:` is a
/// linked ring's key: its first person's ID token).
const TOKEN_KEY_PREFIXES: [&str; 4] = ["id:", "ids:", "phone:", "account:"];

/// `kind:token` rewrapped; `None` for any other string (`sn:…`, `core:…`).
fn rewrap_prefixed(value: &str, key: &TokenKey) -> Option<String> {
    TOKEN_KEY_PREFIXES.iter().find_map(|prefix| {
        let token = Token::from_hex(value.strip_prefix(prefix)?).ok()?;
        Some(format!("{prefix}{}", key.rewrap(&token)))
    })
}

/// Rewrap every token in `json`: values under a `token` or `…_token` key
/// and `kind:token` strings. Whether anything changed.
fn rewrap_json(json: &mut Value, key: &TokenKey) -> bool {
    match json {
        Value::Object(fields) => {
            let mut changed = false;
            for (name, value) in fields.iter_mut() {
                let named_token = name == "token" || name.ends_with("_token");
                match value {
                    Value::String(text) if named_token => {
                        if let Ok(token) = Token::from_hex(text) {
                            *text = key.rewrap(&token).into_string();
                            changed = true;
                        }
                    }
                    _ => changed |= rewrap_json(value, key),
                }
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| rewrap_json(item, key) | changed),
        Value::String(text) => match rewrap_prefixed(text, key) {
            Some(new) => {
                *text = new;
                true
            }
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use matcher::TokenKind;
    use serde_json::json;

    use super::*;

    #[test]
    fn json_tokens_are_rewrapped_where_they_are_and_nothing_else_is() {
        let old = TokenKey::from_bytes([1; 32]);
        let new = old.rotated([2; 32]).unwrap();
        let phone = old.token(TokenKind::Phone, "13800138000");
        let photo = "ab".repeat(32);
        let mut value = json!({
            "legal_rep": {"id": {"token": phone.as_str(), "masked": "138****8000"}},
            "legal_rep_phone_token": phone.as_str(),
            "group_key": format!("phone:{phone}"),
            "keys": [format!("id:{phone}"), "sn:ABC123", format!("core:{phone}")],
            "sha256": photo,
        });
        assert!(rewrap_json(&mut value, &new));
        let wrapped = new.rewrap(&phone).into_string();
        assert_eq!(value["legal_rep"]["id"]["token"], wrapped.as_str());
        assert_eq!(value["legal_rep_phone_token"], wrapped.as_str());
        assert_eq!(value["group_key"], format!("phone:{wrapped}"));
        assert_eq!(value["keys"][0], format!("id:{wrapped}"));
        assert_eq!(value["keys"][1], "sn:ABC123");
        // Only kinds that hold tokens are rewrapped; hashes stay.
        assert_eq!(value["keys"][2], format!("core:{phone}"));
        assert_eq!(value["sha256"], photo.as_str());
        let mut untouched = json!({"sha256": photo, "n": 1});
        assert!(!rewrap_json(&mut untouched, &new));
    }
}
