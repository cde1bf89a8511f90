//! Detection of the identifier-tied cases, run in a batch's transaction.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::writer::{Writer, stable_link};
use super::{Affected, AlertChange, MAX_CLUSTER_PEOPLE, MAX_GLUE_PEOPLE, MIN_MERCHANTS, Ties};
use crate::store::{Groups, LinkRow, MemberRow, SharedKind, SharedValue, StoreError, WriteTx};

/// Find and store the alerts a batch raised, grew or reopened.
///
/// The groups behind the slice's identifiers are read set-wise first (a few
/// statements per kind of value, [`WriteTx::merchants_sharing_any`]), then
/// judged in memory; only the groups that make an alert cost statements of
/// their own. Most merchants share nothing, and they cost nothing more.
pub async fn detect(
    tx: &mut WriteTx,
    affected: &Affected,
    actor: &str,
    now: &str,
) -> Result<Vec<AlertChange>, StoreError> {
    let keys = |map: &BTreeMap<String, String>| map.keys().cloned().collect::<Vec<_>>();
    let sns: Vec<String> = affected.terminal_sns.iter().cloned().collect();
    let by_rep = groups(tx, SharedKind::LegalRep, &keys(&affected.legal_reps)).await?;
    let by_sn = groups(tx, SharedKind::TerminalSn, &sns).await?;
    let mut by_phone = groups(tx, SharedKind::Phone, &keys(&affected.phones)).await?;
    let mut by_account = groups(tx, SharedKind::Account, &keys(&affected.accounts)).await?;

    let mut changes = Vec::new();
    let mut writer = Writer { tx, actor, now };

    for (token, masked) in &affected.legal_reps {
        let members = group(&by_rep, token);
        if big_enough(members) {
            let evidence = json!({
                "rule": "one legal-rep document behind several merchants",
                "fields": [{"field": "legal_rep.id", "masked": masked, "similarity": 1.0, "weight": 1.0}],
                "acquirers": acquirer_count(members),
            });
            let key = format!("id:{token}");
            changes.extend(
                writer
                    .upsert(
                        "one_person_many_merchants",
                        Some("exact"),
                        &key,
                        members,
                        evidence,
                        1.0,
                    )
                    .await?,
            );
        }
    }

    for key in &affected.terminal_sns {
        let members = group(&by_sn, key);
        if members.len() >= 2 {
            // Every spelling stored under the match key, read from the store,
            // so incremental and full detection describe it the same way.
            let spellings = writer.tx.terminal_sn_spellings(key).await?;
            let evidence = json!({
                "rule": "one terminal serial number on several merchant numbers",
                "fields": [{"field": "terminals.sn", "match_key": key, "written_as": spellings, "similarity": 1.0, "weight": 1.0}],
                "acquirers": acquirer_count(members),
            });
            changes.extend(
                writer
                    .upsert(
                        "one_terminal_many_merchants",
                        None,
                        &format!("sn:{key}"),
                        members,
                        evidence,
                        1.0,
                    )
                    .await?,
            );
        }
    }

    for (kind, values, groups) in [
        ("phone", &affected.phones, &by_phone),
        ("account", &affected.accounts, &by_account),
    ] {
        for (token, masked) in values {
            let members = group(groups, token);
            let people = people(members);
            if people.len() < 2 {
                continue;
            }
            let hub = people.len() > MAX_GLUE_PEOPLE;
            let (alert_type, field) = match kind {
                "phone" => ("shared_phone", "phone"),
                _ => ("shared_settlement_account", "settlement_account.number"),
            };
            let evidence = json!({
                "rule": format!("one {field} used by several legal representatives"),
                "fields": [{"field": field, "masked": masked, "similarity": 1.0, "weight": glue_weight(people.len())}],
                "legal_reps": people.len(),
                "hub": hub,
            });
            // A hub is weaker evidence about any one merchant, but a strong
            // signal in itself (SPEC §5: its own finding).
            let score = if hub { 0.5 } else { 1.0 };
            changes.extend(
                writer
                    .upsert(
                        alert_type,
                        None,
                        &format!("{kind}:{token}"),
                        members,
                        evidence,
                        score,
                    )
                    .await?,
            );
        }
    }

    changes.extend(Box::pin(super::verification::shared_photos(&mut writer, affected)).await?);
    changes.extend(
        Box::pin(super::verification::location_mismatches(
            &mut writer,
            affected,
        ))
        .await?,
    );

    let seeds = linked_seeds(writer.tx, affected, &by_rep, &mut by_phone, &mut by_account).await?;
    let mut clustered: BTreeSet<String> = BTreeSet::new();
    for token in affected.legal_reps.keys() {
        if !seeds.contains(token) || clustered.contains(token) {
            continue;
        }
        let cluster = linked_cluster(writer.tx, token).await?;
        clustered.extend(cluster.people.iter().cloned());
        if cluster.people.len() >= 2 && big_enough(&cluster.members) {
            changes.extend(writer.upsert_linked(&cluster).await?);
        }
    }
    Ok(changes)
}

/// The groups of the `values` that two or more merchants hold: counted
/// first, members read for the shared ones only (most values are one
/// merchant's own).
async fn groups(
    tx: &mut WriteTx,
    kind: SharedKind,
    values: &[String],
) -> Result<Groups, StoreError> {
    let shared = tx.shared_among(kind, values).await?;
    tx.merchants_sharing_any(kind, &shared).await
}

/// The merchants of one value's group (none when nobody else holds it).
fn group<'g>(groups: &'g Groups, value: &str) -> &'g [MemberRow] {
    groups.get(value).map_or(&[], Vec::as_slice)
}

/// The touched people who may be tied to someone else: one of their
/// merchants has a legal-rep phone or personal card that glues (held as
/// their own by 2 to [`MAX_GLUE_PEOPLE`] people), or a fuzzy link. The
/// others are clusters of one, so the walk ([`linked_cluster`]) is skipped
/// for them; this is the walk's first step, done for the whole slice at
/// once. A person's merchants are the touched ones and, when they have
/// several, their group in `by_rep`; groups of values the slice did not
/// touch (an older merchant's phone) are read here into `phones` and
/// `accounts`.
async fn linked_seeds(
    tx: &mut WriteTx,
    affected: &Affected,
    by_rep: &Groups,
    phones: &mut Groups,
    accounts: &mut Groups,
) -> Result<BTreeSet<String>, StoreError> {
    let mut ties: Vec<Ties> = affected.ties.clone();
    ties.extend(by_rep.values().flatten().map(Ties::of));
    let untouched = |groups: &Groups, touched: &BTreeMap<String, String>, values: Vec<&String>| {
        values
            .into_iter()
            .filter(|v| !touched.contains_key(*v) && !groups.contains_key(*v))
            .cloned()
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect::<Vec<_>>()
    };
    let more_phones = untouched(
        phones,
        &affected.phones,
        ties.iter().filter_map(|t| t.phone.as_ref()).collect(),
    );
    let more_cards = untouched(
        accounts,
        &affected.accounts,
        ties.iter().filter_map(|t| t.card.as_ref()).collect(),
    );
    phones.extend(groups(tx, SharedKind::Phone, &more_phones).await?);
    accounts.extend(groups(tx, SharedKind::Account, &more_cards).await?);
    let pks: Vec<i64> = ties
        .iter()
        .map(|t| t.pk)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let linked: BTreeSet<i64> = tx
        .links_touching(&pks)
        .await?
        .iter()
        .flat_map(|l| [l.left_pk, l.right_pk])
        .collect();

    let glues = |people: usize| (2..=MAX_GLUE_PEOPLE).contains(&people);
    let mut seeds = BTreeSet::new();
    for tie in &ties {
        let by_phone = tie.phone.as_ref().is_some_and(|token| {
            let own: BTreeSet<&str> = group(phones, token)
                .iter()
                .filter(|m| m.legal_rep_phone_token.as_ref() == Some(token))
                .map(|m| m.legal_rep_id_token.as_str())
                .collect();
            glues(own.len())
        });
        let by_card = tie
            .card
            .as_ref()
            .is_some_and(|token| glues(people(group(accounts, token)).len()));
        if linked.contains(&tie.pk) || by_phone || by_card {
            seeds.insert(tie.legal_rep.clone());
        }
    }
    Ok(seeds)
}

fn shared_value<'a>(kind: &str, token: &'a str) -> SharedValue<'a> {
    if kind == "phone" {
        SharedValue::Phone(token)
    } else {
        SharedValue::Account(token)
    }
}

/// Rarer shared values are stronger evidence: a value two people share ties
/// them fully; one five people share, less.
fn glue_weight(people: usize) -> f64 {
    if people < 2 {
        0.0
    } else {
        1.0 / (people - 1) as f64
    }
}

fn acquirer_count(members: &[MemberRow]) -> usize {
    members
        .iter()
        .map(|m| m.acquirer.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

fn people(members: &[MemberRow]) -> BTreeSet<&str> {
    members
        .iter()
        .map(|m| m.legal_rep_id_token.as_str())
        .collect()
}

/// SPEC §5: ≥ N merchants, or merchants at ≥ 2 acquirers.
fn big_enough(members: &[MemberRow]) -> bool {
    members.len() >= MIN_MERCHANTS || acquirer_count(members) >= 2
}

/// People tied by rare shared phones and accounts, and all their merchants.
struct Cluster {
    people: BTreeSet<String>,
    masked_people: BTreeMap<String, String>,
    members: Vec<MemberRow>,
    links: Vec<Value>,
}

async fn linked_cluster(tx: &mut WriteTx, start: &str) -> Result<Cluster, StoreError> {
    let mut cluster = Cluster {
        people: BTreeSet::from([start.to_owned()]),
        masked_people: BTreeMap::new(),
        members: Vec::new(),
        links: Vec::new(),
    };
    let mut queue = vec![start.to_owned()];
    let mut values_seen: BTreeSet<String> = BTreeSet::new();
    while let Some(person) = queue.pop() {
        let merchants = tx.merchants_sharing(SharedValue::LegalRep(&person)).await?;
        let mut values: Vec<(&str, String, String)> = Vec::new();
        for m in &merchants {
            cluster
                .masked_people
                .insert(m.legal_rep_id_token.clone(), m.legal_rep_id_masked.clone());
            // Only a person's own identifiers tie people together: the legal
            // representative's registered phone (one ID, one phone: PBoC 2016)
            // and a personal card. A contact phone is often an employee's or
            // an agent's, and a corporate account settling for several
            // people's shops is the outsourcer pattern (二清); both are
            // reported as shared_* findings but glue nobody.
            if let (Some(token), Some(masked)) =
                (&m.legal_rep_phone_token, &m.legal_rep_phone_masked)
            {
                values.push(("phone", token.clone(), masked.clone()));
            }
            if m.account_kind == "card" {
                values.push(("account", m.account_token.clone(), m.account_masked.clone()));
            }
        }
        // Fuzzy links: a merchant of this person scored as one person with
        // another's merchant (premises, name family, controller, photo).
        let mut linked = Vec::new();
        for m in &merchants {
            for link in tx.links_of(m.pk).await? {
                if values_seen.insert(format!("link:{}-{}", link.left_pk, link.right_pk)) {
                    linked.push(link);
                }
            }
        }
        let ends: Vec<i64> = linked
            .iter()
            .flat_map(|l| [l.left_pk, l.right_pk])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let ends: BTreeMap<i64, MemberRow> = tx
            .members_by_pk(&ends)
            .await?
            .into_iter()
            .map(|m| (m.pk, m))
            .collect();
        cluster.members.extend(merchants);
        for link in linked {
            let (Some(left), Some(right)) = (ends.get(&link.left_pk), ends.get(&link.right_pk))
            else {
                continue;
            };
            cluster.links.push(fuzzy_link_evidence(&link, left, right)?);
            for end in [left, right] {
                if cluster.people.len() >= MAX_CLUSTER_PEOPLE {
                    break;
                }
                if cluster.people.insert(end.legal_rep_id_token.clone()) {
                    queue.push(end.legal_rep_id_token.clone());
                }
            }
        }
        for (kind, token, masked) in values {
            if !values_seen.insert(format!("{kind}:{token}")) {
                continue;
            }
            let sharers: Vec<MemberRow> = tx
                .merchants_sharing(shared_value(kind, &token))
                .await?
                .into_iter()
                .filter(|m| kind != "phone" || m.legal_rep_phone_token.as_deref() == Some(&token))
                .collect();
            let sharing_people = people(&sharers);
            if sharing_people.len() < 2 || sharing_people.len() > MAX_GLUE_PEOPLE {
                continue;
            }
            let mut masked_ids: Vec<String> = sharers
                .iter()
                .map(|m| m.legal_rep_id_masked.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            masked_ids.sort();
            cluster.links.push(json!({
                "via": kind,
                "masked": masked,
                "legal_reps": masked_ids,
                "weight": glue_weight(sharing_people.len()),
            }));
            for other in sharing_people {
                if cluster.people.len() >= MAX_CLUSTER_PEOPLE {
                    break;
                }
                if cluster.people.insert(other.to_owned()) {
                    queue.push(other.to_owned());
                }
            }
        }
    }
    cluster
        .members
        .sort_by(|a, b| (&a.acquirer, &a.merchant_id).cmp(&(&b.acquirer, &b.merchant_id)));
    cluster.members.dedup_by_key(|m| m.pk);
    // Ordered by what does not move as the store grows (not by a fuzzy
    // link's score or rarity counts), so a rebuild lists the same links in
    // the same order as incremental matching did.
    cluster
        .links
        .sort_by_key(|link| stable_link(link).to_string());
    Ok(cluster)
}

/// A fuzzy link as evidence: which merchants, the rule, the signals that
/// counted and the matcher's whole explanation. The explanation's `left`
/// and `right` values belong to `merchants[0]` and `merchants[1]`, which is
/// how [`super::redact_for`] masks another acquirer's side.
fn fuzzy_link_evidence(
    link: &LinkRow,
    left: &MemberRow,
    right: &MemberRow,
) -> Result<Value, StoreError> {
    let explanation: Value = serde_json::from_str(&link.explanation)?;
    let signals: Vec<&str> = explanation["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["role"] != "ignored")
        .filter_map(|e| e["signal"].as_str())
        .collect();
    Ok(json!({
        "via": "fuzzy",
        "rule": link.rule,
        "merchants": [
            {"acquirer": left.acquirer, "merchant_id": left.merchant_id},
            {"acquirer": right.acquirer, "merchant_id": right.merchant_id},
        ],
        "legal_reps": [left.legal_rep_id_masked, right.legal_rep_id_masked],
        "signals": signals,
        "score": link.score,
        "explanation": explanation,
    }))
}

impl Writer<'_, '_> {
    async fn upsert_linked(
        &mut self,
        cluster: &Cluster,
    ) -> Result<Option<AlertChange>, StoreError> {
        let pks: Vec<i64> = cluster.members.iter().map(|m| m.pk).collect();
        // A cluster keeps the identity of the oldest alert it overlaps, so a
        // growing ring is one alert whatever order its members arrive in.
        let existing = self
            .tx
            .alerts_touching("one_person_many_merchants", "linked", &pks)
            .await?
            .into_iter()
            .next();
        let key = match &existing {
            Some(alert) => alert.group_key.clone(),
            None => format!(
                "ids:{}",
                cluster.people.iter().next().expect("a cluster has people")
            ),
        };
        let total_weight: f64 = cluster
            .links
            .iter()
            .filter_map(|link| link["weight"].as_f64().or(link["score"].as_f64()))
            .sum();
        let evidence = json!({
            "rule": "different legal-rep documents tied by rare shared phones or personal cards, or by fuzzy links (premises, shop-name family, controller, photo)",
            "legal_reps": cluster.masked_people.values().collect::<BTreeSet<_>>(),
            "links": cluster.links,
            "acquirers": acquirer_count(&cluster.members),
        });
        self.write(
            "one_person_many_merchants",
            Some("linked"),
            &key,
            existing,
            &cluster.members,
            evidence,
            total_weight.min(1.0),
        )
        .await
    }
}
