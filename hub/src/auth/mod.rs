//! Principals, roles and API keys (SPEC §9).
//!
//! A key looks like `mhub_<key id>_<secret>`: the key id (12 hex digits) is
//! public and finds the stored row; the whole key is compared by its SHA-256.
//! Keys are 256-bit random strings, not passwords, so a fast hash is enough:
//! nobody can brute-force 2^256, and a slow password hash would cost every
//! request tens of milliseconds for no gain.

mod rate;
mod role;

use rand::Rng;
use thiserror::Error;

use crate::clock;
use crate::digest::sha256_hex;
use crate::store::{KeyRow, NewKey, Rotation, Store, StoreError};

pub use rate::RateLimiter;
pub use role::{Principal, Role};

/// Why a request could not be authenticated or authorised, or a key not made.
#[derive(Debug, Error)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header.
    #[error("missing API key: send `Authorization: Bearer <key>`")]
    Missing,
    /// The header is not a bearer token of the mhub form.
    #[error("malformed API key")]
    Malformed,
    /// No such key.
    #[error("unknown API key")]
    Unknown,
    /// The key was revoked.
    #[error("API key was revoked")]
    Revoked,
    /// The key is over its request rate.
    #[error("too many requests for this key: retry in {retry_after_secs} s")]
    RateLimited {
        /// Whole seconds until the next request is allowed.
        retry_after_secs: u64,
    },
    /// A rotated key past its grace period.
    #[error("API key expired after rotation: use the key that replaced it")]
    Expired,
    /// No such key (rotation).
    #[error("no such key")]
    NotFound,
    /// Revoked or already rotated.
    #[error("this key is revoked or was rotated already")]
    NotRotatable,
    /// More than [`MAX_ROTATION_GRACE_SECS`].
    #[error("grace_secs may be at most 30 days (2592000)")]
    GraceTooLong,
    /// The role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Acquirer codes are 2–16 of A–Z, 0–9 and `_`.
    #[error("invalid acquirer code {0:?}: use 2-16 characters A-Z, 0-9 or _")]
    InvalidAcquirer(String),
    /// `acquirer` must be given exactly for the acquirer role.
    #[error("an acquirer key needs --acquirer; other roles take none")]
    AcquirerMismatch,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A key as handed out once to its holder (the `POST /v1/keys` answer).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct IssuedKey {
    /// The full key; shown once, never stored.
    pub key: String,
    /// Public identifier.
    pub key_id: String,
    /// Role.
    pub role: Role,
    /// Acquirer code for acquirer keys.
    pub acquirer: Option<String>,
}

/// Check an acquirer code's form.
pub fn validate_acquirer_code(code: &str) -> Result<(), AuthError> {
    let ok = (2..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidAcquirer(code.to_owned()))
    }
}

/// Make a new key and store its hash.
#[tracing::instrument(skip(store))]
pub async fn create_key(
    store: &Store,
    role: Role,
    acquirer: Option<&str>,
    label: Option<&str>,
    created_by: &str,
) -> Result<IssuedKey, AuthError> {
    match (role, acquirer) {
        (Role::Acquirer, Some(code)) => validate_acquirer_code(code)?,
        (Role::Acquirer, None) | (_, Some(_)) => return Err(AuthError::AcquirerMismatch),
        (_, None) => {}
    }
    let (key_id, key) = new_key_material();
    store
        .insert_key(&NewKey {
            key_id: &key_id,
            secret_sha256: &sha256_hex(key.as_bytes()),
            role: role.as_str(),
            acquirer,
            label,
            created_at: &clock::now(),
            created_by,
        })
        .await?;
    tracing::info!(key_id, role = role.as_str(), "API key created");
    Ok(IssuedKey {
        key,
        key_id,
        role,
        acquirer: acquirer.map(str::to_owned),
    })
}

/// A fresh key id and the whole key string.
fn new_key_material() -> (String, String) {
    let mut id_bytes = [0u8; 6];
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut id_bytes);
    rand::rng().fill_bytes(&mut secret);
    let key_id = hex::encode(id_bytes);
    let key = format!("mhub_{key_id}_{}", hex::encode(secret));
    (key_id, key)
}

/// The longest a rotated key may keep working beside its replacement.
pub const MAX_ROTATION_GRACE_SECS: u64 = 30 * 24 * 3600;

/// A rotation's answer: the new key (shown once) and the old one's expiry.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RotatedKey {
    /// The replacement, with the same role and acquirer.
    pub new: IssuedKey,
    /// The key that was rotated.
    pub old_key_id: String,
    /// When the old key stops working.
    pub old_expires_at: String,
}

/// Replace `key_id` by a new key of the same role and acquirer; the old one
/// keeps working for `grace_secs`, so its holder can deploy the new one
/// first. Admins rotate any key, every key may rotate itself.
#[tracing::instrument(skip(store, principal), fields(by = principal.key_id))]
pub async fn rotate_key(
    store: &Store,
    principal: &Principal,
    key_id: &str,
    grace_secs: u64,
) -> Result<RotatedKey, AuthError> {
    if principal.role != Role::Admin && principal.key_id != key_id {
        return Err(AuthError::Forbidden(
            "a key rotates itself; only admin keys rotate other keys".into(),
        ));
    }
    if grace_secs > MAX_ROTATION_GRACE_SECS {
        return Err(AuthError::GraceTooLong);
    }
    let old = store.find_key(key_id).await?.ok_or(AuthError::NotFound)?;
    let (new_id, key) = new_key_material();
    let label = format!("rotated from {key_id}");
    let expires_at =
        clock::format(time::OffsetDateTime::now_utc() + time::Duration::seconds(grace_secs as i64));
    let rotation = store
        .rotate_key(
            key_id,
            &NewKey {
                key_id: &new_id,
                secret_sha256: &sha256_hex(key.as_bytes()),
                role: &old.role,
                acquirer: old.acquirer.as_deref(),
                label: Some(old.label.as_deref().unwrap_or(&label)),
                created_at: &clock::now(),
                created_by: &principal.key_id,
            },
            &expires_at,
        )
        .await?;
    match rotation {
        Rotation::Rotated(_) => {}
        Rotation::Unknown => return Err(AuthError::NotFound),
        Rotation::NotRotatable(_) => return Err(AuthError::NotRotatable),
    }
    tracing::info!(old = key_id, new = new_id, expires_at, "API key rotated");
    let role = old.role.parse().map_err(|_| AuthError::Unknown)?;
    Ok(RotatedKey {
        new: IssuedKey {
            key,
            key_id: new_id,
            role,
            acquirer: old.acquirer,
        },
        old_key_id: key_id.to_owned(),
        old_expires_at: expires_at,
    })
}

/// Create the first admin key when the store has no usable admin key.
/// Returns the key so the caller can print it, once.
pub async fn ensure_admin_key(store: &Store) -> Result<Option<IssuedKey>, AuthError> {
    if store.count_active_keys(Role::Admin.as_str()).await? > 0 {
        return Ok(None);
    }
    create_key(store, Role::Admin, None, Some("initial admin key"), "init")
        .await
        .map(Some)
}

/// Find the principal behind an `Authorization` header value.
pub async fn authenticate(store: &Store, header: Option<&str>) -> Result<Principal, AuthError> {
    let header = header.ok_or(AuthError::Missing)?;
    let key = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .ok_or(AuthError::Malformed)?;
    let key_id = parse_key_id(key).ok_or(AuthError::Malformed)?;
    let row = store.find_key(key_id).await?.ok_or(AuthError::Unknown)?;
    // Compare hashes, not keys: equal-length hex strings, and the stored side
    // is a hash, so a timing difference reveals nothing about the key.
    if row.secret_sha256 != sha256_hex(key.as_bytes()) {
        return Err(AuthError::Unknown);
    }
    if row.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    // Stored times are fixed-width UTC text: text order is time order.
    if row
        .expires_at
        .as_deref()
        .is_some_and(|at| at <= clock::now().as_str())
    {
        return Err(AuthError::Expired);
    }
    principal(&row)
}

fn parse_key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("mhub_")?;
    let (key_id, secret) = rest.split_once('_')?;
    let hex_of = |s: &str, len| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(key_id, 12) && hex_of(secret, 64)).then_some(key_id)
}

fn principal(row: &KeyRow) -> Result<Principal, AuthError> {
    let role: Role = row.role.parse().map_err(|_| AuthError::Unknown)?;
    Ok(Principal {
        key_id: row.key_id.clone(),
        role,
        acquirer: row.acquirer.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_read_only_from_well_formed_keys() {
        let good = format!("mhub_0123456789ab_{}", "f".repeat(64));
        assert_eq!(parse_key_id(&good), Some("0123456789ab"));
        assert_eq!(parse_key_id("mhub_0123456789ab_short"), None);
        assert_eq!(parse_key_id(&good.replace("mhub_", "key_")), None);
        assert_eq!(parse_key_id(""), None);
    }

    #[test]
    fn acquirer_codes_are_upper_case_alphanumerics() {
        assert!(validate_acquirer_code("ACQ01").is_ok());
        assert!(validate_acquirer_code("acq01").is_err());
        assert!(validate_acquirer_code("A").is_err());
        assert!(validate_acquirer_code("ACQ-01").is_err());
    }
}
