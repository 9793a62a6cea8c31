//! The routes of spend analysis.

use super::*;
use crate::auth::Ctx;
use crate::charts;
use crate::core::api::Reply;
use crate::listing::{csv_download, download, Cell, Csv, Listing, Part};
use crate::render::render as render_page;
use crate::templates::{money_text, percent_text};
use axum::extract::Query;
use axum::response::{Html, Response};
use minijinja::context;
use schemars::JsonSchema;
use serde::Serialize;

pub async fn page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, AppError> {
    let c = compute_for(&state, &viewer, &q).await?;
    let cur = crate::spend::currency(&state).await?;
    let t = viewer.lang;
    let money = |m: &lumbung_domain::Money| money_text(&m.to_string(), t.code(), cur);
    let legend = [
        t.t("location_local"),
        t.t("location_regional"),
        t.t("location_outside"),
        t.t("location_unknown"),
    ];
    let shares = charts::stacked(
        t.t("spend_chart_shares"),
        &c.report
            .by_anchor_year
            .iter()
            .map(|cell| {
                let f = &cell.figures;
                let regional_only = f.regional.minor() - f.local.minor();
                (
                    format!("{} {}", cell.anchor, cell.fiscal_year),
                    vec![
                        f.local.minor(),
                        regional_only,
                        f.outside.minor(),
                        f.unknown.minor(),
                    ],
                )
            })
            .collect::<Vec<_>>(),
        &legend,
    );
    let sectors = charts::bars(
        t.t("spend_chart_sectors"),
        &c.report
            .by_sector
            .iter()
            .take(10)
            .map(|s| {
                let label = s
                    .sector_name
                    .clone()
                    .or(s.sector.clone())
                    .unwrap_or_else(|| t.t("spend_no_sector").to_owned());
                (label, s.leakage.minor(), money(&s.leakage))
            })
            .collect::<Vec<_>>(),
    );
    let trend = charts::bars(
        t.t("spend_chart_trend"),
        &c.report
            .progress
            .iter()
            .map(|p| {
                let share = p
                    .local_share
                    .map(|s| percent_text(&s.to_string(), t.code()))
                    .unwrap_or_default();
                let minor = p
                    .local_share
                    .map(|s| (s.to_string().parse::<f64>().unwrap_or(0.0) * 1e6) as i64)
                    .unwrap_or(0);
                (p.fiscal_year.clone(), minor, share)
            })
            .collect::<Vec<_>>(),
    );
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    render_page(
        &viewer,
        &uri,
        "spend.html",
        context! {
            r => c.report,
            q => q,
            query => query,
            selection => c.selection,
            anchors => c.anchors.iter().map(|(id, name)| context! { id => id, name => name }).collect::<Vec<_>>(),
            chart_shares => minijinja::Value::from_safe_string(shares),
            chart_sectors => minijinja::Value::from_safe_string(sectors),
            chart_trend => minijinja::Value::from_safe_string(trend),
            cur => cur.map(|c| c.code()),
        },
    )
}

pub async fn payments_page(
    Ctx { state, viewer, uri }: Ctx,
    Query(q): Query<PaymentsQuery>,
    listing: Listing<PaymentSort>,
) -> Result<Html<String>, AppError> {
    let c = compute_for(&state, &viewer, &q.report()).await?;
    let (l, q2) = (listing.clone(), q.clone());
    let (paged, sum) = state
        .run(move |_| payment_list(&c, &q2, &l, Part::Page))
        .await??;
    render_page(
        &viewer,
        &uri,
        "spend_payments.html",
        context! {
            list => listing.view(&paged, Some("/spend/payments.csv")),
            lines => paged.rows,
            sum => sum,
            location => q.location,
            cur => crate::spend::currency(&state).await?.map(|c| c.code()),
        },
    )
}

/// The payments behind a figure as the page filters and sorts them, every
/// page, as CSV: long work (a city's millions of payments make a file of
/// gigabytes), written on a blocking thread.
pub async fn payments_csv(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<PaymentsQuery>,
    listing: Listing<PaymentSort>,
) -> Result<Response, AppError> {
    let turn = state.long_work.admit().await?;
    let c = compute_for(&state, &viewer, &q.report()).await?;
    let lang = viewer.lang;
    state
        .run(move |_| {
            let _turn = turn;
            let (list, _) = payment_list(&c, &q, &listing, Part::Whole)?;
            Ok(payments_file(list.rows, lang))
        })
        .await?
}

/// The payments listed, as the CSV download.
fn payments_file(rows: Vec<PaymentLine>, lang: crate::Lang) -> Response {
    let columns = [
        "spend_anchor",
        "spend_year",
        "spend_date",
        "spend_supplier",
        "spend_location",
        "spend_amount",
    ];
    let mut csv = Csv::new(lang, &columns);
    for p in rows {
        let location = match p.location {
            Location::Local => "location_local",
            Location::Regional => "location_regional",
            Location::Outside => "location_outside",
            Location::Unknown => "location_unknown",
        };
        csv.row([
            Cell::text(p.anchor),
            Cell::text(p.fiscal_year),
            Cell::text(p.date.unwrap_or_default()),
            Cell::text(p.supplier),
            Cell::text(lang.t(location)),
            Cell::number(p.amount),
        ]);
    }
    csv.download("lumbung-payments.csv")
}

pub async fn report_csv(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let c = compute_for(&state, &viewer, &q).await?;
    Ok(csv_download(
        &csv(&c, q.table.as_deref())?,
        &format!(
            "lumbung-spend-{}.csv",
            q.table.as_deref().unwrap_or("by_anchor_year")
        ),
    ))
}

pub async fn report_xlsx(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let c = compute_for(&state, &viewer, &q).await?;
    Ok(download(
        xlsx(&c)?,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "lumbung-spend.xlsx",
    ))
}

pub async fn api_report(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Reply<ReportAnswer>, AppError> {
    let c = compute_for(&state, &viewer, &q).await?;
    Ok(Reply(ReportAnswer {
        report: c.report,
        selection: c.selection,
    }))
}

/// `GET /api/v1/spend/report`: the report with what it was computed for.
#[derive(Serialize, JsonSchema)]
pub struct ReportAnswer {
    #[serde(flatten)]
    report: SpendReport,
    selection: Selection,
}

/// `GET /api/v1/spend/payments`: the first [`MAX_PAYMENT_LINES`] payments
/// behind a figure, with the count and sum of all of them.
#[derive(Serialize, JsonSchema)]
pub struct PaymentList {
    payments: Vec<PaymentLine>,
    count: u64,
    sum: lumbung_domain::Money,
    listed: usize,
}

/// `GET /api/v1/spend/imports`.
#[derive(Serialize, JsonSchema)]
pub struct ImportList {
    imports: Vec<lumbung_store::SpendImport>,
}

pub async fn api_payments(
    Ctx { state, viewer, .. }: Ctx,
    Query(q): Query<PaymentsQuery>,
) -> Result<Reply<PaymentList>, AppError> {
    let c = compute_for(&state, &viewer, &q.report()).await?;
    let (payments, count, sum) = state.run(move |_| payments(&c, &q)).await??;
    Ok(Reply(PaymentList {
        listed: payments.len(),
        payments,
        count,
        sum,
    }))
}

pub async fn api_imports(Ctx { state, viewer, .. }: Ctx) -> Result<Reply<ImportList>, AppError> {
    let imports = visible_imports(&state, &viewer).await?;
    Ok(Reply(ImportList { imports }))
}
