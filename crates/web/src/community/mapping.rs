//! Self-mapping: the criteria, the summary per RT and RW with its charts,
//! the mapping page and API, and the KoboToolbox upload.

use super::households::{household_form_json, rt_choices, FormErrors};
use super::*;

/// A test, for a template to phrase in the page's language.
fn test_json(t: &Test) -> Value {
    match t {
        Test::YesNo { holds_when } => json!({
            "kind": "yes_no", "holds_when": holds_when, "symbol": null, "threshold": null,
            "per_member": false, "unit": null,
        }),
        Test::Number {
            op,
            threshold,
            per_member,
            unit,
        } => json!({
            "kind": "number", "holds_when": null, "symbol": op.symbol(),
            "threshold": threshold.to_string(), "per_member": per_member, "unit": unit,
        }),
    }
}

pub(super) fn criteria_json(c: &Criteria) -> Value {
    json!({
        "name": c.name(),
        "poor_when_at_least": c.poor_when_at_least(),
        "count": c.indicators().len(),
        "indicators": c.indicators().iter().map(|i| json!({
            "key": i.key, "label": i.label, "test": test_json(&i.test),
        })).collect::<Vec<_>>(),
    })
}

fn tally_json(t: &AreaTally, names: &BTreeMap<String, String>) -> Value {
    json!({
        "area": t.area, "name": names.get(t.area.as_str()).cloned().unwrap_or_else(|| t.area.to_string()),
        "households": t.households, "poor": t.poor, "not_poor": t.not_poor,
        "incomplete": t.incomplete, "share_poor": t.share_poor,
        "percent_poor": percent(t.poor, t.households),
        "members": t.members, "women": t.women,
        "criteria": t.criteria.iter().map(|c| json!({"key": c.key, "label": c.label, "households": c.households, "percent": percent(c.households, t.households)})).collect::<Vec<_>>(),
    })
}

/// Counts only: what public pages and the public API show.
pub(super) fn summary_json(s: &MappingSummary, names: &BTreeMap<String, String>) -> Value {
    json!({
        "kelurahan": tally_json(&s.kelurahan, names),
        "rws": s.rws.iter().map(|t| tally_json(t, names)).collect::<Vec<_>>(),
        "rts": s.rts.iter().map(|t| tally_json(t, names)).collect::<Vec<_>>(),
    })
}

pub(super) fn summary_charts(
    s: &MappingSummary,
    data: &MappingData,
    lang: crate::i18n::Lang,
) -> Value {
    let name = |c: &lumbung_domain::AreaCode| {
        data.area_names
            .get(c.as_str())
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    let per_rt: Vec<(String, Vec<i64>)> = s
        .rts
        .iter()
        .map(|t| {
            // "RW 03 · RT 004": the RW of an RT is its parent in the tree.
            let label = match data.areas.rw_of(&t.area) {
                Some(rw) => format!("{} · {}", name(rw), name(&t.area)),
                None => name(&t.area),
            };
            (
                label,
                vec![t.poor as i64, t.not_poor as i64, t.incomplete as i64],
            )
        })
        .collect();
    let legend = [
        lang.t("cm_poor"),
        lang.t("cm_not_poor"),
        lang.t("cm_incomplete"),
    ];
    let per_criterion: Vec<(String, i64, String)> = s
        .kelurahan
        .criteria
        .iter()
        .map(|c| {
            let label = if lang == crate::i18n::Lang::En {
                &c.label.en
            } else {
                &c.label.id
            };
            (
                label.clone(),
                c.households as i64,
                format!(
                    "{} ({}%)",
                    c.households,
                    percent(c.households, s.kelurahan.households).unwrap_or(0)
                ),
            )
        })
        .collect();
    json!({
        "per_rt": charts::stacked(lang.t("cm_chart_per_rt"), &per_rt, &legend),
        "per_criterion": charts::bars(lang.t("cm_chart_per_criterion"), &per_criterion),
    })
}

pub(super) fn mapping_summary(data: &MappingData) -> Result<MappingSummary, AppError> {
    summarise(&data.criteria, &data.areas, &data.households)
        .map_err(|e| AppError::conflict(e.to_string()))
}

fn household_row(h: &Household, data: &MappingData) -> Value {
    let score = data.criteria.score(h);
    let rw = data.areas.rw_of(&h.rt);
    let name = |c: Option<&lumbung_domain::AreaCode>| {
        c.map(|c| {
            data.area_names
                .get(c.as_str())
                .cloned()
                .unwrap_or_else(|| c.to_string())
        })
    };
    json!({
        "id": h.id, "rw": name(rw), "rt": name(Some(&h.rt)), "head_name": h.head_name,
        "address": h.address, "members": h.members.len(), "women": h.women(),
        "holds": score.holds.len(), "missing": score.missing.len(),
        "classification": score.classification,
        "import": data.imported.get(&h.id),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MappingQuery {
    /// The import just made, to report on.
    import: Option<i64>,
    again: Option<String>,
    /// The household just typed in, or just removed (ids).
    added: Option<String>,
    removed: Option<String>,
}

pub async fn mapping_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
    Query(q): Query<MappingQuery>,
) -> Result<Html<String>, AppError> {
    let kel = kelurahan_in_scope(&state, &viewer, &code).await?;
    let data = mapping_data(&state, &kel).await?;
    let n = data.households.len();
    audit_read(
        &state,
        &viewer,
        "mapping",
        &kel.code,
        json!({"households": n}),
    )
    .await?;
    let form = household_form_json(&data, &Fields::new(), &FormErrors::new());
    mapping_view(&state, &viewer, &uri, &kel, &data, &q, form).await
}

/// The mapping page: criteria, upload, summary, households and the form
/// that adds one (`form`: its values and errors).
pub(super) async fn mapping_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &Uri,
    kel: &Kelurahan,
    data: &MappingData,
    q: &MappingQuery,
    form: Value,
) -> Result<Html<String>, AppError> {
    let c = kel.code.clone();
    let imports = state.blocking(move |s| s.kobo_imports(&c)).await?;
    let summary = mapping_summary(data)?;
    let charts = summary_charts(&summary, data, viewer.lang);
    let households: Vec<Value> = data
        .households
        .iter()
        .map(|h| household_row(h, data))
        .collect();
    let just = q
        .import
        .and_then(|id| imports.iter().find(|i| i.id == id))
        .map(|i| json!({"import": i, "again": q.again.is_some()}));
    let added = q
        .added
        .as_deref()
        .and_then(|id| data.households.iter().find(|h| h.id == id))
        .map(|h| household_row(h, data));
    let can_write = may_write(viewer, Resource::Mapping, kel);
    render(
        viewer,
        uri,
        "community_mapping.html",
        context! {
            kelurahan => kelurahan_json(kel),
            criteria => criteria_json(&data.criteria),
            criteria_edit => serde_json::to_string_pretty(&data.criteria).expect("criteria serialise"),
            adopted => data.criteria_adopted,
            summary => summary_json(&summary, &data.area_names),
            charts => charts,
            households => households,
            imports => imports,
            just => just,
            added => added,
            removed => q.removed.clone(),
            can_write => can_write,
            can_ps2 => may_read(viewer, Resource::PoorList, kel),
            rts => rt_choices(data),
            form => form,
        },
    )
}

pub async fn api_mapping(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    let kel = kelurahan_in_scope(&state, &viewer, &code).await?;
    let data = mapping_data(&state, &kel).await?;
    let n = data.households.len();
    audit_read(
        &state,
        &viewer,
        "mapping",
        &kel.code,
        json!({"households": n}),
    )
    .await?;
    let c = kel.code.clone();
    let imports = state.blocking(move |s| s.kobo_imports(&c)).await?;
    let summary = mapping_summary(&data)?;
    Ok(Json(json!({
        "kelurahan": kelurahan_json(&kel),
        "criteria": data.criteria,
        "criteria_adopted": data.criteria_adopted,
        "summary": summary_json(&summary, &data.area_names),
        "households": data.households.iter().map(|h| household_row(h, &data)).collect::<Vec<_>>(),
        "imports": imports,
    })))
}

async fn adopt_criteria(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    criteria: Criteria,
) -> Result<(), AppError> {
    let kel = kelurahan(state, code).await?;
    viewer.require_write_at(Resource::Mapping, &kel.placement)?;
    let actor = viewer.actor()?;
    let code = kel.code.clone();
    state
        .blocking(move |s| s.set_mapping_criteria(&code, &criteria, &actor))
        .await
}

/// The criteria form: the JSON of the criteria, or `template=bps` for the
/// 14 BPS criteria.
pub async fn criteria_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let criteria = if text(&f, "template") == "bps" {
        bps_template()
    } else {
        let raw = text(&f, "criteria");
        if raw.is_empty() {
            return Err(invalid(
                "criteria",
                "write the criteria, or use the BPS template",
            ));
        }
        serde_json::from_str::<Criteria>(raw).map_err(|e| invalid("criteria", e.to_string()))?
    };
    adopt_criteria(&state, &viewer, &code, criteria).await?;
    Ok(Redirect::to(&format!("/community/kelurahan/{code}/mapping")).into_response())
}

pub async fn api_criteria_save(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
    Json(criteria): Json<Criteria>,
) -> Result<Json<Value>, AppError> {
    adopt_criteria(&state, &viewer, &code, criteria.clone()).await?;
    Ok(Json(json!({"criteria": criteria})))
}

/// Receives both files of a Kobo export (multipart: `households`,
/// `roster`; the CSRF token in the query string). All or nothing: a
/// refused export shows every problem, with file, line and column.
pub async fn import_upload(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let kel = kelurahan(&state, &code).await?;
    viewer.require_write_at(Resource::Mapping, &kel.placement)?;
    let mut files: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "households" || name == "roster" {
            let file_name = field
                .file_name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{name}.csv"));
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::bad_request(e.body_text()))?;
            files.insert(name, (file_name, bytes.to_vec()));
        }
    }
    for part in ["households", "roster"] {
        if files.get(part).is_none_or(|f| f.1.is_empty()) {
            return Err(invalid(part, "choose both files of the export"));
        }
    }
    let (h_name, h_bytes) = files.remove("households").expect("checked");
    let (r_name, r_bytes) = files.remove("roster").expect("checked");
    let actor = viewer.actor()?;
    let c = kel.code.clone();
    let result = state
        .run(move |store| {
            store.import_kobo(
                &c,
                CsvFile {
                    name: &h_name,
                    bytes: &h_bytes,
                },
                CsvFile {
                    name: &r_name,
                    bytes: &r_bytes,
                },
                None,
                &actor,
                &mut |_, _| {},
            )
        })
        .await?;
    match result {
        Ok(import) => {
            let again = if import.already_imported {
                "&again=1"
            } else {
                ""
            };
            Ok(Redirect::to(&format!(
                "/community/kelurahan/{}/mapping?import={}{again}",
                kel.code, import.id
            ))
            .into_response())
        }
        Err(KoboImportError::Store(e)) => Err(e.into()),
        Err(KoboImportError::Kobo(e)) => {
            let (files, mapping): (Vec<Value>, Vec<String>) = match &e {
                KoboError::Rejected(files) => {
                    (files.iter().map(|f| json!(f)).collect(), Vec::new())
                }
                KoboError::Mapping(errors) => {
                    (Vec::new(), errors.iter().map(ToString::to_string).collect())
                }
            };
            // The page's own address without the query (its CSRF token).
            let here: Uri = uri.path().parse().unwrap_or(uri);
            let html = render(
                &viewer,
                &here,
                "community_rejected.html",
                context! { kelurahan => kelurahan_json(&kel), files => files, mapping => mapping },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}
