//! The poverty criteria as a community edits them: a form of indicators
//! (label in both languages, a yes/no or a number test, its threshold and
//! unit) and "poor when at least k of n", not a JSON text. The JSON stays
//! for the API and, folded away, for those who paste a whole set.

use super::mapping::{adopt_criteria, mapping_again, Forms};
use crate::auth::Ctx;
use crate::edge::{invalid, redirect};
use crate::error::AppError;
use axum::extract::Path;
use axum::response::Response;
use axum::Form;
use lumbung_community::mapping::{
    bps_template, key_from_label, Comparison, Criteria, Indicator, Label, Test,
};
use lumbung_domain::text;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Empty rows under the indicators, for new ones.
const NEW_ROWS: usize = 3;
/// The most rows a form may send (a community's criteria are a few dozen).
const MAX_ROWS: usize = 200;

/// One row of the form, as typed.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct Row {
    key: String,
    label_id: String,
    label_en: String,
    /// `yes_no` or `number`.
    kind: String,
    /// yes/no: the answer that makes the indicator hold (`yes`/`no`).
    holds: String,
    /// number: `<`, `<=`, `>`, `>=`.
    op: String,
    threshold: String,
    unit: String,
    per_member: bool,
    remove: bool,
    /// A row of the criteria in force (its key is kept, not shown).
    existing: bool,
}

impl Row {
    fn of(i: &Indicator) -> Row {
        let mut row = Row {
            key: i.key.clone(),
            label_id: i.label.id.clone(),
            label_en: i.label.en.clone(),
            existing: true,
            ..Row::default()
        };
        match &i.test {
            Test::YesNo { holds_when } => {
                row.kind = "yes_no".into();
                row.holds = if *holds_when { "yes" } else { "no" }.into();
            }
            Test::Number {
                op,
                threshold,
                per_member,
                unit,
            } => {
                row.kind = "number".into();
                row.op = op.symbol().into();
                row.threshold = threshold.to_string();
                row.per_member = *per_member;
                row.unit = unit.clone().unwrap_or_default();
            }
        }
        row
    }

    fn is_blank(&self) -> bool {
        self.label_id.trim().is_empty()
            && self.label_en.trim().is_empty()
            && self.threshold.trim().is_empty()
    }
}

/// The form's values and problems: what the page shows.
fn form_json(name: &str, at_least: &str, rows: &[Row], errors: &[String]) -> Value {
    let mut rows = rows.to_vec();
    let blank = Row {
        kind: "yes_no".into(),
        holds: "yes".into(),
        ..Row::default()
    };
    rows.extend(std::iter::repeat_n(blank, NEW_ROWS));
    json!({ "name": name, "poor_when_at_least": at_least, "rows": rows, "errors": errors })
}

/// The form filled with the criteria in force.
pub(super) fn criteria_form_json(c: &Criteria) -> Value {
    let rows: Vec<Row> = c.indicators().iter().map(Row::of).collect();
    form_json(c.name(), &c.poor_when_at_least().to_string(), &rows, &[])
}

/// The rows the form sent (`label_id_0`, `kind_0`, … `label_id_N`).
fn rows_of(fields: &BTreeMap<String, String>) -> Vec<Row> {
    let get = |name: &str, i: usize| {
        fields
            .get(&format!("{name}_{i}"))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    (0..MAX_ROWS)
        .take_while(|i| fields.contains_key(&format!("label_id_{i}")))
        .map(|i| Row {
            key: get("key", i),
            label_id: get("label_id", i),
            label_en: get("label_en", i),
            kind: get("kind", i),
            holds: get("holds", i),
            op: get("op", i),
            threshold: get("threshold", i),
            unit: get("unit", i),
            per_member: !get("per_member", i).is_empty(),
            remove: !get("remove", i).is_empty(),
            existing: !get("existing", i).is_empty(),
        })
        .collect()
}

/// The criteria the rows describe, or each problem in the visitor's
/// language (a row's number counts from 1 as the page shows them).
fn criteria_of(
    name: &str,
    at_least: &str,
    rows: &[Row],
    lang: crate::i18n::Lang,
) -> Result<Criteria, Vec<String>> {
    let mut errors = Vec::new();
    let mut indicators = Vec::new();
    let mut taken: Vec<String> = rows
        .iter()
        .filter(|r| !r.key.is_empty())
        .map(|r| r.key.clone())
        .collect();
    let kept = rows.iter().filter(|r| !r.remove && !r.is_blank());
    for (position, row) in kept.enumerate().map(|(i, r)| (i + 1, r)) {
        let key = if row.key.is_empty() {
            let key = key_from_label(&row.label_id, &taken);
            taken.push(key.clone());
            key
        } else {
            row.key.clone()
        };
        let test = if row.kind == "number" {
            let op = match row.op.as_str() {
                "<" => Some(Comparison::Less),
                "<=" => Some(Comparison::AtMost),
                ">" => Some(Comparison::Greater),
                ">=" => Some(Comparison::AtLeast),
                _ => None,
            };
            let threshold = super::households::form_number(&row.threshold);
            match (op, threshold) {
                (Some(op), Some(threshold)) => Test::Number {
                    op,
                    threshold,
                    per_member: row.per_member,
                    unit: Some(row.unit.clone()).filter(|u| !u.is_empty()),
                },
                _ => {
                    let problem = text!("criteria_row_threshold", position = position;
                        id: "indikator {position}: isi perbandingan dan ambang berupa angka",
                        en: "indicator {position}: give a comparison and a number as threshold");
                    errors.push(problem.get(lang.into()).to_owned());
                    continue;
                }
            }
        } else {
            Test::YesNo {
                holds_when: row.holds != "no",
            }
        };
        indicators.push(Indicator {
            key,
            label: Label::new(&row.label_id, &row.label_en),
            test,
        });
    }
    let Ok(at_least) = at_least.trim().parse::<usize>() else {
        let problem = text!("criteria_at_least";
            id: "isi jumlah indikator yang membuat rumah tangga miskin (angka)",
            en: "give the number of indicators that make a household poor");
        errors.push(problem.get(lang.into()).to_owned());
        return Err(errors);
    };
    match Criteria::new(name.trim().to_owned(), indicators, at_least) {
        Ok(c) if errors.is_empty() => Ok(c),
        Ok(_) => Err(errors),
        Err(invalid) => {
            errors.extend(
                invalid
                    .0
                    .iter()
                    .map(|e| e.text().get(lang.into()).to_owned()),
            );
            Err(errors)
        }
    }
}

/// The criteria form: the rows, the JSON of a whole set, or
/// `template=bps` for the 14 BPS criteria. Refused rows come back beside
/// the form with every problem, as typed.
pub async fn criteria_save(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let field = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or("");
    let criteria = if field("template") == "bps" {
        bps_template()
    } else if !field("criteria").is_empty() {
        serde_json::from_str::<Criteria>(field("criteria"))
            .map_err(|e| AppError::refused("criteria", e))?
    } else if fields.contains_key("label_id_0") {
        let rows = rows_of(&fields);
        let (name, at_least) = (field("name"), field("poor_when_at_least"));
        match criteria_of(name, at_least, &rows, viewer.lang) {
            Ok(c) => c,
            Err(errors) => {
                let kel = super::mapping_to_write(&state, &viewer, &code).await?;
                let data = super::mapping_data(&state, &kel).await?;
                let shown: Vec<Row> = rows.into_iter().filter(|r| !r.is_blank()).collect();
                let forms = Forms {
                    household: super::households::household_form_json(
                        &data,
                        &Default::default(),
                        &BTreeMap::new(),
                    ),
                    criteria: Some(form_json(name, at_least, &shown, &errors)),
                };
                return mapping_again(&state, &viewer, &kel, data, forms).await;
            }
        }
    } else {
        return Err(invalid(
            "criteria",
            text!("criteria_write";
                id: "tulis kriterianya, atau pakai templat BPS",
                en: "write the criteria, or use the BPS template"),
        ));
    };
    adopt_criteria(&state, &viewer, &code, criteria).await?;
    Ok(redirect(&format!(
        "/community/kelurahan/{code}/mapping?done=criteria#criteria"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn row(label: &str, kind: &str) -> Row {
        Row {
            label_id: label.into(),
            label_en: format!("{label} (en)"),
            kind: kind.into(),
            holds: "yes".into(),
            ..Row::default()
        }
    }

    #[test]
    fn rows_become_criteria_with_keys_made_from_labels() {
        let mut area = row("Luas lantai < 8 m²", "number");
        area.op = "<".into();
        area.threshold = "8,5".into();
        area.per_member = true;
        let mut gone = row("Dihapus", "yes_no");
        gone.remove = true;
        let rows = [row("Lantai tanah", "yes_no"), area, gone, Row::default()];
        let c = criteria_of("Desa 2026", "1", &rows, Lang::Id).unwrap();
        let keys: Vec<&str> = c.indicators().iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["lantai_tanah", "luas_lantai_8_m"]);
        assert_eq!(
            c.indicators()[1].test,
            Test::Number {
                op: Comparison::Less,
                threshold: lumbung_community::mapping::Decimal::parse("8.5").unwrap(),
                per_member: true,
                unit: None
            }
        );
    }

    #[test]
    fn every_problem_is_named_in_the_visitors_language() {
        let mut bad = row("Penghasilan", "number");
        bad.threshold = "banyak".into();
        let rows = [row("Lantai tanah", "yes_no"), bad];
        let errors = criteria_of("", "3", &rows, Lang::Id).unwrap_err();
        assert!(
            errors.iter().any(|e| e.contains("indikator 2")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.contains("nama")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("3 dari 1")), "{errors:?}");
        let errors = criteria_of("x", "dua", &rows[..1], Lang::En).unwrap_err();
        assert!(errors[0].contains("number of indicators"), "{errors:?}");
    }
}
