//! The PS-2 list of poor households.

use super::mapping::criteria_json;
use super::*;

fn ps2_entry(e: &Ps2Entry, data: &MappingData, labels: &HashMap<&str, &Label>) -> Value {
    let name = |c: &lumbung_domain::AreaCode| {
        data.area_names
            .get(c.as_str())
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    json!({
        "household_id": e.household_id, "rw": name(&e.rw), "rt": name(&e.rt),
        "head_name": e.head_name, "address": e.address, "members": e.members, "women": e.women,
        "holds": e.holds.iter().map(|k| labels.get(k.as_str()).copied()).collect::<Vec<_>>(),
        "holds_count": e.holds.len(),
        "missing": e.missing.iter().map(|k| labels.get(k.as_str()).copied()).collect::<Vec<_>>(),
    })
}

async fn ps2_data(state: &AppState, viewer: &Viewer, code: &str) -> Result<Value, AppError> {
    let kel = kelurahan_in_scope(state, viewer, code).await?;
    let data = mapping_data(state, &kel).await?;
    let list: Ps2List = ps2_list(&data.criteria, &data.areas, &data.households)
        .map_err(|e| AppError::conflict(e.to_string()))?;
    let n = list.poor.len() + list.incomplete.len();
    audit_read(state, viewer, "ps2", &kel.code, json!({"households": n})).await?;
    let labels: HashMap<&str, &Label> = data
        .criteria
        .indicators()
        .iter()
        .map(|i| (i.key.as_str(), &i.label))
        .collect();
    Ok(json!({
        "kelurahan": kelurahan_json(&kel),
        "criteria": criteria_json(&data.criteria),
        "criteria_adopted": data.criteria_adopted,
        "as_of": today(state),
        "households": data.households.len(),
        "poor": list.poor.iter().map(|e| ps2_entry(e, &data, &labels)).collect::<Vec<_>>(),
        "incomplete": list.incomplete.iter().map(|e| ps2_entry(e, &data, &labels)).collect::<Vec<_>>(),
    }))
}

pub async fn ps2_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    uri: Uri,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let d = ps2_data(&state, &viewer, &code).await?;
    render(&viewer, &uri, "community_ps2.html", context! { d => d })
}

pub async fn api_ps2(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(ps2_data(&state, &viewer, &code).await?))
}
