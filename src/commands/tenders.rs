//! `lumbung procurement tender-add | tenders | notify | outbox`: open
//! tenders matched early to local businesses, and the notices a mail relay
//! sends to the ones that consented.

use super::procurement::{csv_bytes, needs_output, write_out, xlsx, ReportFormat};
use crate::shared::{self, Db};
use anyhow::Result;
use lumbung_domain::{NoticeId, OrgId, TenderId};
use lumbung_procurement::tenders::TenderForm;
use lumbung_store::{Actor, TenderMatches};
use std::path::Path;

/// The fields of `procurement tender-add`.
#[derive(Debug, clap::Args)]
pub struct TenderArgs {
    /// The anchor institution buying (its organisation id)
    #[arg(long, value_name = "ID")]
    anchor: i64,
    #[arg(long)]
    title: String,
    /// CPV codes, `;`-separated (45233142 or 45233142-6)
    #[arg(long, default_value = "")]
    cpv: String,
    /// SIC/KBLI codes of the sectors it buys from, `;`-separated
    #[arg(long, default_value = "")]
    sectors: String,
    #[arg(long, default_value = "")]
    lots: String,
    /// The estimated value
    #[arg(long, default_value = "")]
    value: String,
    #[arg(long, default_value = "")]
    currency: String,
    /// The closing date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", default_value = "")]
    closes_on: String,
}

pub fn add(db: &Db, args: TenderArgs) -> Result<()> {
    let store = db.open()?;
    let form = TenderForm {
        title: args.title,
        cpv: args.cpv,
        sectors: args.sectors,
        lots: args.lots,
        value: args.value,
        currency: args.currency,
        closes_on: args.closes_on,
    };
    let tender = form.check().map_err(|problems| {
        let language = shared::language();
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("--{}: {}", p.field.replace('_', "-"), p.text.get(language)))
            .collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })?;
    let id = store.add_tender(OrgId::new(args.anchor), &tender, &Actor::cli())?;
    println!("tender {id}");
    Ok(())
}

const HEADERS: [&str; 13] = [
    "tender_id",
    "ocid",
    "buyer",
    "title",
    "cpv",
    "closes_on",
    "status",
    "business_id",
    "business",
    "size",
    "area",
    "cpv_fit",
    "consent",
];

fn rows(all: &[TenderMatches]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for t in all {
        let head = [
            t.tender.id.to_string(),
            t.tender.ocid.clone().unwrap_or_default(),
            t.tender
                .anchor_name
                .clone()
                .or(t.tender.buyer.clone())
                .unwrap_or_default(),
            t.tender.title.clone(),
            t.tender.cpv.join(";"),
            t.tender.closes_on.clone().unwrap_or_default(),
            t.tender.status.clone(),
        ];
        if t.matches.is_empty() {
            rows.push([&head[..], &vec![String::new(); 6]].concat());
        }
        for m in &t.matches {
            let tail = [
                m.id.to_string(),
                m.name.clone(),
                m.size.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                m.area.clone().unwrap_or_default(),
                m.cpv_fit.to_string(),
                if m.consent { "yes" } else { "no" }.to_owned(),
            ];
            rows.push([&head[..], &tail[..]].concat());
        }
    }
    rows
}

/// Every tender held with its local matches.
pub fn list(db: &Db, open_only: bool, format: ReportFormat, output: Option<&Path>) -> Result<()> {
    let store = db.open()?;
    let all = store.all_tenders_matched(open_only)?;
    let bytes = match format {
        ReportFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({ "tenders": all }))?
        )
        .into_bytes(),
        ReportFormat::Table => shared::table::render(&HEADERS, &rows(&all)).into_bytes(),
        ReportFormat::Csv => csv_bytes(&HEADERS, &rows(&all))?,
        ReportFormat::Xlsx => {
            needs_output(output)?;
            xlsx("tenders", &HEADERS, &rows(&all), &[], &[0, 7, 11])?
        }
    };
    write_out(&bytes, output)
}

pub fn notify(db: &Db, tender: i64) -> Result<()> {
    let store = db.open()?;
    let q = store.queue_notices(TenderId::new(tender), &Actor::cli())?;
    println!(
        "notices queued: {}; queued before: {}; matched without consent (never written to): {}; consenting without an email address: {}",
        q.queued, q.already, q.without_consent, q.without_email
    );
    Ok(())
}

/// Marks the notices given sent, else prints the outbox.
pub fn outbox(db: &Db, mark_sent: &[i64], unsent: bool) -> Result<()> {
    let store = db.open()?;
    if !mark_sent.is_empty() {
        let ids: Vec<NoticeId> = mark_sent.iter().map(|&i| NoticeId::new(i)).collect();
        let n = store.mark_sent(&ids, &Actor::cli())?;
        println!("notices marked sent: {n}");
        return Ok(());
    }
    let notices: Vec<_> = store
        .outbox()?
        .into_iter()
        .filter(|n| !unsent || n.status == lumbung_store::NoticeStatus::Queued)
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({ "notices": notices }))?
    );
    Ok(())
}
