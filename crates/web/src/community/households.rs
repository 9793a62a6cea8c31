//! Households typed in by hand (and removed), as a form and in the API.

use super::{mapping_data, mapping_frame, mapping_to_write, rt_label};
use crate::auth::Ctx;
use crate::edge::{acting, invalid, redirect};
use crate::error::AppError;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Form, Json};
use lumbung_community::mapping::{
    parse_yes_no, Age, Answer, Decimal, Household, Member, NewHousehold, Nik, Relation, Score, Sex,
    Test,
};
use lumbung_domain::{text, AreaCode};
use lumbung_store::MappingData;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The add-a-household form, as typed: `answer_<indicator key>` per
/// indicator, members one per line.
#[derive(Debug, Default, Deserialize)]
pub struct HouseholdForm {
    #[serde(default)]
    rt: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    head_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    members: String,
    #[serde(flatten)]
    answers: HashMap<String, String>,
}

impl HouseholdForm {
    /// The answer typed for an indicator, trimmed ("" when none).
    fn answer(&self, key: &str) -> &str {
        self.answers
            .get(&format!("answer_{key}"))
            .map(|a| a.trim())
            .unwrap_or("")
    }
}

/// The form that removes a household.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    household: String,
    #[serde(default)]
    confirm: String,
}

/// A household added through the API, with its score.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HouseholdAdded {
    household: Household,
    score: Score,
}

/// Problems of the add-a-household form, by field (`rt`, `head_name`,
/// `members`, `answer_<key>`, …), in the page's language where the web app
/// finds them, as the store words them otherwise.
pub(super) type FormErrors = BTreeMap<String, Vec<String>>;

fn form_error(errors: &mut FormErrors, field: &str, message: String) {
    errors.entry(field.to_owned()).or_default().push(message);
}

/// The kelurahan's RTs for the form's select: code and "RW 03 · RT 004".
pub(super) fn rt_choices(data: &MappingData) -> Vec<Value> {
    data.areas
        .rts()
        .map(|rt| json!({"code": rt, "label": rt_label(data, rt)}))
        .collect()
}

/// The form's values (as typed) and errors, with every field present so
/// that the template reads them all.
pub(super) fn household_form_json(
    data: &MappingData,
    f: &HouseholdForm,
    errors: &FormErrors,
) -> Value {
    let answers: serde_json::Map<String, Value> = data
        .criteria
        .indicators()
        .iter()
        .map(|i| {
            let raw = f.answers.get(&format!("answer_{}", i.key));
            (i.key.clone(), json!(raw.cloned().unwrap_or_default()))
        })
        .collect();
    json!({
        "rt": f.rt, "id": f.id, "head_name": f.head_name,
        "address": f.address, "members": f.members, "answers": answers,
        "errors": errors,
    })
}

/// A number as typed in a form: a plain decimal with `.` or, when there is
/// no `.`, with a decimal comma (`7,5`).
pub(super) fn form_number(raw: &str) -> Option<Decimal> {
    let raw = raw.trim();
    let normal = if raw.contains('.') || raw.matches(',').count() != 1 {
        raw.to_owned()
    } else {
        raw.replace(',', ".")
    };
    Decimal::parse(&normal).ok()
}

/// One line of the members textarea:
/// `name; sex (P/L, F/M); age or year of birth; relation; NIK (optional)`.
fn member_line(line: &str, lang: crate::i18n::Lang) -> Result<Member, Vec<String>> {
    let parts: Vec<&str> = line.split(';').map(str::trim).collect();
    let parts = match parts.as_slice() {
        [rest @ .., ""] if rest.len() >= 4 => rest,
        p => p,
    };
    if !(4..=5).contains(&parts.len()) {
        return Err(vec![lang.t("cm_err_member_fields").to_owned()]);
    }
    let mut errors = Vec::new();
    let name = parts[0];
    if name.is_empty() {
        errors.push(lang.t("cm_err_member_name").to_owned());
    }
    let sex = Sex::parse(parts[1]);
    if sex.is_none() {
        errors.push(format!("{:?}: {}", parts[1], lang.t("cm_err_member_sex")));
    }
    let age = match parts[2].parse::<u16>() {
        Ok(y) if y <= 130 => Some(Age::Years(y)),
        Ok(y) if (1880..=2100).contains(&y) => Some(Age::BirthYear(y as i16)),
        _ => {
            errors.push(format!("{:?}: {}", parts[2], lang.t("cm_err_member_age")));
            None
        }
    };
    let relation = Relation::parse(parts[3]);
    if relation.is_none() {
        errors.push(format!(
            "{:?}: {}",
            parts[3],
            lang.t("cm_err_member_relation")
        ));
    }
    let nik = match parts.get(4).copied().filter(|n| !n.is_empty()) {
        Some(raw) => match Nik::parse(raw) {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(format!("{raw:?}: {}", lang.t("cm_err_member_nik")));
                None
            }
        },
        None => None,
    };
    match (sex, age, relation) {
        (Some(sex), Some(age), Some(relation)) if errors.is_empty() => Ok(Member {
            name: name.to_owned(),
            sex,
            age,
            relation,
            nik,
        }),
        _ => Err(errors),
    }
}

/// Reads the add-a-household form against the kelurahan's RTs and the
/// criteria in force: every problem, by field, or the household (its id
/// empty when the form gives none; the store then makes one).
fn household_from_form(
    f: &HouseholdForm,
    data: &MappingData,
    lang: crate::i18n::Lang,
) -> Result<Household, FormErrors> {
    let mut errors = FormErrors::new();
    let rt = match f.rt.trim() {
        "" => {
            form_error(&mut errors, "rt", lang.t("cm_err_rt_choose").to_owned());
            None
        }
        raw => match AreaCode::parse(raw) {
            Ok(rt) if data.areas.rw_of(&rt).is_some() => Some(rt),
            _ => {
                form_error(
                    &mut errors,
                    "rt",
                    format!("{raw:?}: {}", lang.t("cm_err_rt_unknown")),
                );
                None
            }
        },
    };
    let head_name = f.head_name.trim();
    if head_name.is_empty() {
        form_error(
            &mut errors,
            "head_name",
            lang.t("cm_err_head_name").to_owned(),
        );
    }
    let mut answers = BTreeMap::new();
    for ind in data.criteria.indicators() {
        let field = format!("answer_{}", ind.key);
        let raw = f.answer(&ind.key);
        if raw.is_empty() {
            continue;
        }
        let answer = match &ind.test {
            Test::YesNo { .. } => parse_yes_no(raw).map(Answer::YesNo),
            Test::Number { .. } => form_number(raw).map(Answer::Number),
        };
        match answer {
            Some(a) => {
                answers.insert(ind.key.clone(), a);
            }
            None => {
                let key = match ind.test {
                    Test::YesNo { .. } => "cm_err_yes_no",
                    Test::Number { .. } => "cm_err_number",
                };
                form_error(&mut errors, &field, format!("{raw:?}: {}", lang.t(key)));
            }
        }
    }
    let mut members = Vec::new();
    for (i, line) in f.members.trim().lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match member_line(line, lang) {
            Ok(m) => members.push(m),
            Err(problems) => {
                for p in problems {
                    let message = format!("{} {}: {p}", lang.t("cm_line"), i + 1);
                    form_error(&mut errors, "members", message);
                }
            }
        }
    }
    if members.is_empty() && !errors.contains_key("members") {
        form_error(
            &mut errors,
            "members",
            lang.t("cm_err_no_members").to_owned(),
        );
    }
    match rt {
        Some(rt) if errors.is_empty() => Ok(Household {
            id: f.id.trim().to_owned(),
            rt,
            head_name: head_name.to_owned(),
            address: f.address.trim().to_owned(),
            answers,
            members,
        }),
        _ => Err(errors),
    }
}

/// The add-a-household form: stored, then back to the mapping page with
/// the household shown; a refused form comes back (422) filled in, with
/// every problem next to its field (members by line).
pub async fn household_add(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Form(f): Form<HouseholdForm>,
) -> Result<Response, AppError> {
    let kel = mapping_to_write(&state, &viewer, &code).await?;
    let frame = mapping_frame(&state, &kel).await?;
    let result = match household_from_form(&f, &frame, viewer.lang) {
        Ok(h) => {
            let c = kel.code.clone();
            match acting(&state, &viewer, move |s, actor| {
                s.add_household(&c, &h, actor)
            })
            .await
            {
                Ok(stored) => Ok(stored),
                Err(AppError::Invalid { field, message }) => {
                    let message = message.get(viewer.lang.into()).to_owned();
                    Err(FormErrors::from([(field, vec![message])]))
                }
                Err(e) => return Err(e),
            }
        }
        Err(errors) => Err(errors),
    };
    match result {
        Ok(stored) => Ok(redirect(&format!(
            "/community/kelurahan/{}/mapping?added={}#households",
            kel.code,
            crate::error::urlencode(&stored.id)
        ))),
        Err(errors) => {
            let forms = super::mapping::Forms {
                household: household_form_json(&frame, &f, &errors),
                criteria: None,
            };
            // The page again, every household with it.
            let data = mapping_data(&state, &kel).await?;
            super::mapping::mapping_again(&state, &viewer, &kel, data, forms).await
        }
    }
}

/// Removes a household (typed in or imported; a later Kobo export that
/// holds it brings an imported one back). The form asks to confirm.
pub async fn household_remove(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let kel = mapping_to_write(&state, &viewer, &code).await?;
    let id = f.household.trim().to_owned();
    if id.is_empty() {
        return Err(invalid(
            "household",
            text!("household_name_to_remove";
                id: "sebutkan rumah tangga yang dihapus", en: "name the household to remove"),
        ));
    }
    if f.confirm.trim().is_empty() {
        return Err(invalid(
            "confirm",
            text!("household_confirm_removal";
                id: "centang kotaknya untuk memastikan penghapusan rumah tangga",
                en: "tick the box to confirm the removal of the household"),
        ));
    }
    let c = kel.code.clone();
    let removed = acting(&state, &viewer, move |s, actor| {
        s.remove_household(&c, &id, actor)
    })
    .await?;
    Ok(redirect(&format!(
        "/community/kelurahan/{}/mapping?removed={}#households",
        kel.code,
        crate::error::urlencode(&removed.id)
    )))
}

/// Adds a household from its JSON ([`NewHousehold`]; an absent or empty
/// `id` gets `manual-<n>`). Answers: `true`/`false` or a number per
/// indicator key of the criteria in force. Read from the raw body so that
/// a body of the wrong shape is refused by field (`household`), as always.
pub async fn api_household_add(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<HouseholdAdded>), AppError> {
    let kel = mapping_to_write(&state, &viewer, &code).await?;
    let household: Household = serde_json::from_value::<NewHousehold>(body)
        .map_err(|e| AppError::refused("household", e))?
        .into();
    let c = kel.code.clone();
    let stored = acting(&state, &viewer, move |s, actor| {
        s.add_household(&c, &household, actor)
    })
    .await?;
    let frame = mapping_frame(&state, &kel).await?;
    Ok((
        StatusCode::CREATED,
        Json(HouseholdAdded {
            score: frame.criteria.score(&stored),
            household: stored,
        }),
    ))
}
