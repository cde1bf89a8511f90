//! Cases about terminals: one serial on many merchant numbers, relocated
//! terminals, consecutive serials of one shipment.

use crate::error::Error;
use crate::factory::Factory;
use crate::geo::places;
use crate::identifiers::TERMINAL_MODELS;
use crate::merchant::{Merchant, SnStyle};
use crate::rng::{self, Rng};
use crate::truth::LocationReport;

use super::unit::{Unit, case, hard_negative, seen_at, stranger};

/// A serial with a `0` or `1` after the model prefix, so it can be mistyped.
fn slippable_serial(f: &mut Factory, rng: &mut Rng) -> Result<(usize, String), Error> {
    loop {
        let model = rng::between(rng, 0, TERMINAL_MODELS.len() as u32 - 1) as usize;
        let sn = f.ids().serial(rng, model)?;
        if sn[4..].contains(['0', '1']) {
            return Ok((model, sn));
        }
    }
}

/// One terminal serial on merchants of unrelated people.
pub(super) fn shared_terminal(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let (model, sn) = slippable_serial(f, rng)?;
    let acquirers = if rng::chance(rng, 0.5) {
        f.spread(rng, n)
    } else {
        vec![f.acquirer(rng); n]
    };
    let home = f.place(rng);
    let styles = [
        SnStyle::default(),
        SnStyle {
            lower: true,
            separator: Some('-'),
            ..SnStyle::default()
        },
        SnStyle {
            slips: true,
            prefix: true,
            ..SnStyle::default()
        },
    ];
    let mut out = Vec::with_capacity(n);
    for (i, acquirer) in acquirers.into_iter().enumerate() {
        let place = places().sample_same_city(rng, home);
        let mut m = stranger(f, rng, acquirer, place)?;
        let mut t = f.terminal_with(rng, m.gps, model, sn.clone())?;
        t.sn_style = Some(if n == 2 && i == 1 {
            SnStyle {
                slips: true,
                lower: rng::chance(rng, 0.5),
                ..SnStyle::default()
            }
        } else {
            styles[i % styles.len()]
        });
        m.terminals = vec![t];
        out.push(m);
    }
    unit.cases.push(case(
        "one_terminal_many_merchants",
        None,
        &out,
        format!("serial {sn} on {n} merchant numbers; written with case, separator, prefix and O/0 I/1 slips"),
    ));
    Ok(out)
}

/// A terminal reported hundreds of kilometres from its merchant (移机).
pub(super) fn terminal_relocated(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let acquirer = f.acquirer(rng);
    let place = f.place(rng);
    let mut m = stranger(f, rng, acquirer, place)?;
    m.forced.gps = true;
    if m.terminals.is_empty() {
        let t = f.terminal(rng, m.gps)?;
        m.terminals.push(t);
    }
    let far = places()
        .sample_far(rng, m.gps, 300.0)
        .point
        .jitter(rng, 3_000.0);
    let t = &m.terminals[0];
    let by_sn = rng::chance(rng, 0.7);
    for _ in 0..rng::between(rng, 2, 3) {
        let at = far.jitter(rng, 500.0).rounded();
        unit.reports.push((
            m.acquirer,
            LocationReport {
                sn: by_sn.then(|| t.sn.clone()),
                terminal_id: (!by_sn).then(|| t.terminal_id.clone()),
                lat: at.lat,
                lng: at.lng,
                seen_at: seen_at(rng, m.onboarded_at),
            },
        ));
    }
    let km = (far.distance_m(m.gps) / 1000.0).round();
    unit.cases.push(case(
        "terminal_relocated",
        None,
        std::slice::from_ref(&m),
        format!(
            "terminal {} reported {km} km from the merchant",
            t.terminal_id
        ),
    ));
    Ok(vec![m])
}

/// Consecutive serials of one shipment on unrelated merchants of one acquirer.
pub(super) fn consecutive_serials(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let model = rng::between(rng, 0, TERMINAL_MODELS.len() as u32 - 1) as usize;
    let serials = f.ids().serial_block(rng, model, n)?;
    let acquirer = f.acquirer(rng);
    let home = f.place(rng);
    let mut out = Vec::with_capacity(n);
    for sn in &serials {
        let place = places().sample_same_city(rng, home);
        let mut m = stranger(f, rng, acquirer, place)?;
        m.terminals = vec![f.terminal_with(rng, m.gps, model, sn.clone())?];
        out.push(m);
    }
    unit.hard_negatives.push(hard_negative(
        "consecutive_serials",
        &out,
        format!(
            "serials {} … {} from one shipment",
            serials[0],
            serials[n - 1]
        ),
    ));
    Ok(out)
}
