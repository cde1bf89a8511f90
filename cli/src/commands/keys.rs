//! `mhub keys create | list | revoke | rotate`: key management over HTTP
//! (admin key; a key may rotate itself); `mhub keys rotate-token-key`, in
//! this process, in `token_key`.

use super::Context;
use crate::args::KeysCommand;
use crate::client::KeyView;
use crate::output::{self, or_dash};

/// Run one `keys` subcommand.
pub async fn run(command: KeysCommand, context: &Context) -> anyhow::Result<()> {
    // Only the HTTP subcommands need a hub URL and key.
    let client = || context.client();
    match command {
        KeysCommand::Create(args) => {
            let created = client()?
                .create_key(args.role, args.acquirer.as_deref(), args.label.as_deref())
                .await?;
            if context.json {
                output::json_line(&created)?;
            } else {
                let mut table = output::table(["key id", "role", "acquirer"]);
                table.add_row(vec![
                    created.key_id.as_str().into(),
                    created.role.as_str().into(),
                    or_dash(created.acquirer.as_deref()),
                ]);
                println!("{table}");
                println!("key (shown once, keep it secret): {}", created.key);
            }
        }
        KeysCommand::List => {
            let keys = client()?.list_keys().await?;
            if context.json {
                output::json_lines(&keys)?;
            } else {
                println!("{}", keys_table(&keys));
            }
        }
        KeysCommand::Rotate { key_id, grace } => {
            let rotated = client()?.rotate_key(&key_id, grace).await?;
            if context.json {
                output::json_line(&rotated)?;
            } else {
                let mut table = output::table([
                    "new key id",
                    "role",
                    "acquirer",
                    "old key",
                    "old key expires",
                ]);
                table.add_row(vec![
                    rotated.new.key_id.as_str().into(),
                    rotated.new.role.as_str().into(),
                    or_dash(rotated.new.acquirer.as_deref()),
                    rotated.old_key_id.as_str().into(),
                    rotated.old_expires_at.as_str().into(),
                ]);
                println!("{table}");
                println!("new key (shown once, keep it secret): {}", rotated.new.key);
            }
        }
        KeysCommand::RotateTokenKey(args) => super::token_key::run(args, context).await?,
        KeysCommand::Revoke { key_id } => {
            let key = client()?.revoke_key(&key_id).await?;
            if context.json {
                output::json_line(&key)?;
            } else {
                println!("{}", keys_table(std::slice::from_ref(&key)));
            }
        }
    }
    Ok(())
}

fn keys_table(keys: &[KeyView]) -> comfy_table::Table {
    let mut table = output::table([
        "key id", "role", "acquirer", "label", "created", "by", "revoked", "expires",
    ]);
    for key in keys {
        table.add_row(vec![
            key.key_id.as_str().into(),
            key.role.as_str().into(),
            or_dash(key.acquirer.as_deref()),
            or_dash(key.label.as_deref()),
            key.created_at.as_str().into(),
            key.created_by.as_str().into(),
            or_dash(key.revoked_at.as_deref()),
            or_dash(key.expires_at.as_deref()),
        ]);
    }
    table
}
