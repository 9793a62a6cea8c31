//! Form and JSON input, parsed into domain values at the edge. Every field
//! error names its field, so a page can show it beside the input and the
//! API can return it.

use crate::error::refused_text;
use lumbung_domain::{
    text, AreaCode, CompanyNumber, Npwp, OrgKind, Password, Role, Text, Username,
};
use lumbung_store::{OrgInput, ScopeRef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message.
pub type FieldErrors = BTreeMap<String, lumbung_domain::Text>;

/// The errors as a form shows them, in the visitor's language.
pub fn shown(errors: &FieldErrors, lang: crate::i18n::Lang) -> BTreeMap<&str, &str> {
    errors
        .iter()
        .map(|(field, message)| (field.as_str(), message.get(lang.into())))
        .collect()
}

fn blank(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// An organisation as typed: strings, so a form with mistakes can be shown
/// again as it was.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OrgFields {
    pub name: String,
    pub kind: String,
    pub area_code: String,
    pub parent_id: String,
    pub company_number: String,
    pub npwp: String,
    /// `key = value` lines (the form's text area).
    pub attributes: String,
}

impl OrgFields {
    pub fn parse(&self, attributes: BTreeMap<String, String>) -> Result<OrgInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut field = |name: &str, result: Result<(), Text>| {
            if let Err(e) = result {
                errors.insert(name.to_owned(), e);
            }
        };
        let name = self.name.trim().to_owned();
        field(
            "name",
            if name.is_empty() {
                Err(text!("name_required"; id: "nama wajib diisi", en: "name is required"))
            } else {
                Ok(())
            },
        );
        let kind = OrgKind::parse(&self.kind);
        field("kind", kind.as_ref().map(|_| ()).map_err(refused_text));
        let area_code = blank(&self.area_code).map(AreaCode::parse).transpose();
        field(
            "area_code",
            area_code.as_ref().map(|_| ()).map_err(refused_text),
        );
        let parent_id = blank(&self.parent_id)
            .map(|p| {
                p.parse::<lumbung_domain::OrgId>()
                    .map_err(|_| not_an_org_number(p))
            })
            .transpose();
        field(
            "parent_id",
            parent_id.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let company_number = blank(&self.company_number)
            .map(CompanyNumber::parse)
            .transpose();
        field(
            "company_number",
            company_number.as_ref().map(|_| ()).map_err(refused_text),
        );
        let npwp = blank(&self.npwp).map(Npwp::parse).transpose();
        field("npwp", npwp.as_ref().map(|_| ()).map_err(refused_text));
        match (kind, area_code, parent_id, company_number, npwp) {
            (Ok(kind), Ok(area_code), Ok(parent_id), Ok(company_number), Ok(npwp))
                if errors.is_empty() =>
            {
                Ok(OrgInput {
                    name,
                    kind,
                    area_code,
                    parent_id,
                    company_number,
                    npwp,
                    attributes,
                })
            }
            _ => Err(errors),
        }
    }
}

/// `"x" is not an organisation number`.
fn not_an_org_number(raw: &str) -> Text {
    text!("not_an_organisation_number", value = format!("{raw:?}");
        id: "{value} bukan nomor organisasi", en: "{value} is not an organisation number")
}

/// Parses `key = value` lines; blank lines are skipped.
pub fn parse_attribute_lines(lines: &str) -> Result<BTreeMap<String, String>, Text> {
    let mut map = BTreeMap::new();
    for (i, line) in lines.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or_else(|| {
            text!("attribute_line", line = i + 1;
                    id: "baris {line}: tulis kunci = nilai", en: "line {line}: write key = value")
        })?;
        let k = k.trim();
        if k.is_empty() {
            return Err(text!("attribute_key_empty", line = i + 1;
                id: "baris {line}: kuncinya kosong", en: "line {line}: the key is empty"));
        }
        map.insert(k.to_owned(), v.trim().to_owned());
    }
    Ok(map)
}

pub fn attribute_lines(map: &BTreeMap<String, String>) -> String {
    map.iter().map(|(k, v)| format!("{k} = {v}\n")).collect()
}

/// A new user as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default)]
pub struct UserFields {
    pub username: String,
    pub role: String,
    pub area_code: String,
    #[serde(deserialize_with = "crate::edge::string_or_number")]
    #[schemars(schema_with = "crate::edge::text_or_number_schema")]
    pub org_id: String,
    #[serde(skip_serializing)]
    pub password: String,
}

#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub role: Role,
    pub scope: ScopeRef,
    pub password: Password,
}

impl UserFields {
    pub fn parse(&self) -> Result<NewUser, FieldErrors> {
        let mut errors = FieldErrors::new();
        let username = Username::parse(&self.username)
            .map_err(|e| errors.insert("username".into(), refused_text(e)));
        let role =
            Role::parse(&self.role).map_err(|e| errors.insert("role".into(), refused_text(e)));
        let scope = match (blank(&self.area_code), blank(&self.org_id)) {
            (Some(_), Some(_)) => {
                errors.insert(
                    "area_code".into(),
                    text!("area_or_organisation";
                        id: "isi wilayah atau organisasi, tidak keduanya",
                        en: "give an area or an organisation, not both"),
                );
                None
            }
            (Some(a), None) => AreaCode::parse(a)
                .map(ScopeRef::Area)
                .map_err(|e| errors.insert("area_code".into(), refused_text(e)))
                .ok(),
            (None, Some(o)) => o
                .parse::<lumbung_domain::OrgId>()
                .map(ScopeRef::Org)
                .map_err(|_| errors.insert("org_id".into(), not_an_org_number(o)))
                .ok(),
            (None, None) => Some(ScopeRef::Global),
        };
        let password = Password::parse(&self.password)
            .map_err(|e| errors.insert("password".into(), refused_text(e)));
        match (username, role, scope, password) {
            (Ok(username), Ok(role), Some(scope), Ok(password)) if errors.is_empty() => {
                Ok(NewUser {
                    username,
                    role,
                    scope,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_fields_report_every_bad_field() {
        let fields = OrgFields {
            name: " ".into(),
            kind: "bank".into(),
            npwp: "123".into(),
            parent_id: "x".into(),
            ..Default::default()
        };
        let errors = fields.parse(BTreeMap::new()).unwrap_err();
        let names: Vec<_> = errors.keys().map(String::as_str).collect();
        assert_eq!(names, vec!["kind", "name", "npwp", "parent_id"]);
    }

    /// A parent is an organisation id: a positive whole number, read as
    /// `OrgId` at the edge.
    #[test]
    fn a_parent_id_that_is_no_organisation_number_is_refused_beside_its_field() {
        for raw in ["0", "-3", "1.5"] {
            let fields = OrgFields {
                name: "KSM Mawar".into(),
                kind: "ksm".into(),
                parent_id: raw.into(),
                ..Default::default()
            };
            let errors = fields.parse(BTreeMap::new()).unwrap_err();
            assert_eq!(errors.keys().collect::<Vec<_>>(), ["parent_id"], "{raw}");
        }
        let fields = OrgFields {
            name: "KSM Mawar".into(),
            kind: "ksm".into(),
            parent_id: " 12 ".into(),
            ..Default::default()
        };
        let input = fields.parse(BTreeMap::new()).unwrap();
        assert_eq!(input.parent_id, Some(lumbung_domain::OrgId::new(12)));
    }

    #[test]
    fn attribute_lines_round_trip() {
        let map = parse_attribute_lines("employees = 40\n\nsector=retail\n").unwrap();
        assert_eq!(map["employees"], "40");
        assert_eq!(parse_attribute_lines(&attribute_lines(&map)).unwrap(), map);
        assert!(parse_attribute_lines("no equals sign")
            .unwrap_err()
            .contains("line 1"));
    }

    #[test]
    fn user_scope_is_area_or_org_not_both() {
        let fields = UserFields {
            username: "budi".into(),
            role: "analyst".into(),
            area_code: "3604".into(),
            org_id: "3".into(),
            password: "0123456789".into(),
        };
        assert!(fields.parse().unwrap_err().contains_key("area_code"));
        let ok = UserFields {
            org_id: String::new(),
            ..fields
        }
        .parse()
        .unwrap();
        assert_eq!(ok.scope, ScopeRef::Area(AreaCode::parse("3604").unwrap()));
    }
}
