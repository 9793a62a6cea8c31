//! The public mapping: counts only.

use super::mapping::{criteria_json, mapping_summary, summary_charts, summary_json};
use super::*;

/// Built from the summary alone (no households, no names, no ids).
async fn public_mapping_data(
    state: &AppState,
    code: &str,
    lang: crate::i18n::Lang,
) -> Result<(Value, Value), AppError> {
    let kel = kelurahan(state, code).await?;
    let data = mapping_data(state, &kel).await?;
    let exact = mapping_summary(&data)?;
    // Small cells withheld (see `public_summary`); facilitators and the
    // BKM see exact counts on their own page.
    let min_cell = state
        .config
        .public_min_cell
        .unwrap_or(lumbung_community::mapping::MIN_PUBLIC_CELL);
    let public = lumbung_community::mapping::public_summary(&exact, &data.areas, min_cell);
    let withheld: Vec<String> = public
        .withheld
        .iter()
        .map(|c| {
            // "RW 02 · RT 001": RT names repeat across RWs.
            let name = |code: &str| data.area_names.get(code).cloned();
            let rt = name(c.as_str()).unwrap_or_else(|| c.to_string());
            match c.as_str().rsplit_once('.').and_then(|(rw, _)| name(rw)) {
                Some(rw) => format!("{rw} · {rt}"),
                None => rt,
            }
        })
        .collect();
    let summary = MappingSummary {
        kelurahan: public.kelurahan,
        rws: public.rws,
        rts: public.rts,
    };
    let charts = summary_charts(&summary, &data, lang);
    let criteria = criteria_json(&data.criteria);
    let mut summary_json = summary_json(&summary, &data.area_names);
    summary_json["public"] = json!(true);
    Ok((
        json!({
            "kelurahan": kelurahan_json(&kel),
            "criteria": criteria,
            "criteria_adopted": data.criteria_adopted,
            "summary": summary_json,
            "min_cell": public.min_cell,
            "withheld": withheld,
        }),
        charts,
    ))
}

pub async fn public_mapping_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let (d, charts) = public_mapping_data(&state, &code, viewer.lang).await?;
    let private = kelurahan(&state, &code)
        .await
        .ok()
        .is_some_and(|k| may_read(&viewer, Resource::Mapping, &k));
    render(
        &viewer,
        &uri,
        "community_mapping_public.html",
        context! { d => d, charts => charts, private_link => private },
    )
}

pub async fn api_public_mapping(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        public_mapping_data(&state, &code, crate::i18n::Lang::En)
            .await?
            .0,
    ))
}
