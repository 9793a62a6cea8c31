//! Reading requests at the edge, one way for every feature: typed `Form<T>` /
//! `Json<T>` structs whose fields use the serde helpers here (ids as numbers
//! or numeric text, `""` for an absent optional field), and the small
//! helpers every handler needs (`invalid`, `today`, `redirect`,
//! `parse_date`). Feature modules use these instead of their own copies.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::AppState;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lumbung_store::{Actor, Store};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// A form sent back with its problems: which form (`action`), what was
/// typed, and each field's message in the visitor's language (`form`
/// names a problem of the whole form, such as a conflict with what was
/// done before).
#[derive(Debug, Serialize)]
pub struct Failed {
    pub action: &'static str,
    pub typed: std::collections::BTreeMap<String, String>,
    pub errors: std::collections::BTreeMap<String, String>,
}

impl Failed {
    /// What `action`'s form shows beside its fields when `error` is one a
    /// person can put right there (a value refused, or a conflict with the
    /// state of things); any other error stays as it is.
    pub fn of(
        action: &'static str,
        typed: Vec<(&str, &str)>,
        error: AppError,
        lang: crate::i18n::Lang,
    ) -> Result<Failed, AppError> {
        let (field, message) = match error {
            AppError::Invalid { field, message } => (field, message),
            AppError::Conflict(message) => ("form".to_owned(), message),
            other => return Err(other),
        };
        Ok(Failed {
            action,
            typed: typed
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            errors: [(field, message.get(lang.into()).to_owned())].into(),
        })
    }
}

/// A field the user got wrong, named, with what is wrong with it.
pub fn invalid(field: &str, message: impl Into<lumbung_domain::Text>) -> AppError {
    AppError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Today, from the store's clock (which tests can fix).
pub fn today(state: &AppState) -> Date {
    state.store.clock().today()
}

/// Where the site is reached, for links that leave it (an invitation's, a
/// printed board's QR code): the address the visitor's browser used.
pub fn origin(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.https() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// See other: where a form goes after a change.
pub fn redirect(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// See other, with the confirmation the page then shows (`?done=what`,
/// the message `flash_<what>` of the catalogues; see `render`).
pub fn done(to: &str, what: &str) -> Response {
    redirect(&done_address(to, what))
}

/// `to` with `done=what` in its query, before any `#fragment`.
fn done_address(to: &str, what: &str) -> String {
    let (path, fragment) = to.split_once('#').map_or((to, None), |(p, f)| (p, Some(f)));
    let join = if path.contains('?') { '&' } else { '?' };
    match fragment {
        Some(f) => format!("{path}{join}done={what}#{f}"),
        None => format!("{path}{join}done={what}"),
    }
}

/// A change in the store made as the viewer (the audit entry's actor),
/// off the async threads.
pub async fn acting<T: Send + 'static>(
    state: &AppState,
    viewer: &Viewer,
    work: impl FnOnce(&Store, &Actor) -> lumbung_store::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    let actor = viewer.actor()?;
    state.blocking(move |s| work(s, &actor)).await
}

/// An optional date as typed in a form: empty is none, anything else must
/// be a date such as 2024-06-30.
pub fn parse_date(raw: &str, field: &str) -> Result<Option<Date>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        d => d.parse().map(Some).map_err(|_| {
            invalid(
                field,
                lumbung_domain::text!("not_a_date", value = format!("{d:?}");
                        id: "{value} bukan tanggal seperti 2024-06-30",
                        en: "{value} is not a date such as 2024-06-30"),
            )
        }),
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrNumber {
    Text(String),
    Number(i64),
}

/// Forms send numbers as text; JSON clients send them as numbers. Both are
/// accepted, as text (`#[serde(deserialize_with = "edge::string_or_number")]`).
pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match TextOrNumber::deserialize(d)? {
        TextOrNumber::Text(t) => t,
        TextOrNumber::Number(n) => n.to_string(),
    })
}

/// An optional value where a form sends `""` for "none": empty or blank
/// text, `null` or a missing field are `None`; anything else is parsed as
/// `T` from its text or, in JSON, as a number
/// (`#[serde(default, deserialize_with = "edge::optional")]`).
pub fn optional<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let raw = match Option::<TextOrNumber>::deserialize(d)? {
        None => return Ok(None),
        Some(TextOrNumber::Number(n)) => n.to_string(),
        Some(TextOrNumber::Text(t)) => t,
    };
    match raw.trim() {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A form whose fields may repeat (a list of checkboxes), read into `T`: a
/// repeated field is a [`Many`], and the fields `T` does not name (made up
/// of a prefix and a name) wait, in their order, in a flattened [`Rest`].
pub struct MultiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for MultiForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut fields: Vec<(String, Value)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (name, value) in pairs {
            match index.get(&name) {
                Some(&i) => match &mut fields[i].1 {
                    Value::Array(values) => values.push(value.into()),
                    first => *first = Value::Array(vec![first.take(), value.into()]),
                },
                None => {
                    index.insert(name.clone(), fields.len());
                    fields.push((name, value.into()));
                }
            }
        }
        let map =
            serde::de::value::MapDeserializer::<_, serde_json::Error>::new(fields.into_iter());
        T::deserialize(map).map(MultiForm).map_err(|e| {
            let detail = e.to_string();
            AppError::bad_request(lumbung_domain::text!("unreadable_form", detail = detail;
                    id: "formulir tidak terbaca: {detail}", en: "{detail}"))
            .into_response()
        })
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Every value of a field that may repeat, trimmed, the blank ones left out;
/// a list again when a form is sent back as typed.
#[derive(Debug, Default, Serialize)]
pub struct Many(pub Vec<String>);

impl<'de> Deserialize<'de> for Many {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let values = match OneOrMany::deserialize(d)? {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(vs) => vs,
        };
        Ok(Many(
            values
                .into_iter()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect(),
        ))
    }
}

/// The fields of a form that its struct does not name, in their order
/// (`#[serde(flatten)]`): fields named by a prefix and a name, such as
/// `amount_12` or `votes:Ani`.
#[derive(Debug, Default)]
pub struct Rest(Vec<(String, Many)>);

impl Rest {
    /// The value of the field `name` ("" when absent or blank).
    pub fn value(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .and_then(|(_, values)| values.0.first())
            .map_or("", String::as_str)
    }

    /// The fields named `prefix` and something: (that something, the full
    /// name, the value), blank ones left out.
    pub fn prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a {
        self.0.iter().filter_map(move |(name, values)| {
            let rest = name.strip_prefix(prefix)?;
            Some((rest, name.as_str(), values.0.first()?.as_str()))
        })
    }
}

impl<'de> Deserialize<'de> for Rest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Rest;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("form fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Rest, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(Rest(fields))
            }
        }
        d.deserialize_map(Fields)
    }
}

/// The schema of a field read with [`string_or_number`]: text or a whole
/// number (`#[schemars(schema_with = "edge::text_or_number_schema")]`).
pub fn text_or_number_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "integer"]})
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_confirmation_goes_in_the_query_before_the_fragment() {
        assert_eq!(super::done_address("/a", "x"), "/a?done=x");
        assert_eq!(super::done_address("/a?b=1", "x"), "/a?b=1&done=x");
        assert_eq!(super::done_address("/a#part", "x"), "/a?done=x#part");
        assert_eq!(
            super::done_address("/a?b=1#part", "x"),
            "/a?b=1&done=x#part"
        );
    }

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Fields {
        #[serde(deserialize_with = "string_or_number")]
        org: String,
        #[serde(default, deserialize_with = "optional")]
        parent: Option<lumbung_domain::OrgId>,
        #[serde(default, deserialize_with = "optional")]
        count: Option<u32>,
    }

    #[test]
    fn ids_come_as_numbers_or_text_and_empty_is_none() {
        let form: Fields = serde_urlencoded::from_str("org=7&parent=12&count=").unwrap();
        assert_eq!(form.org, "7");
        assert_eq!(form.parent, Some(lumbung_domain::OrgId::new(12)));
        assert_eq!(form.count, None);
        let json: Fields =
            serde_json::from_str(r#"{"org": 7, "parent": "12", "count": 3}"#).unwrap();
        assert_eq!((json.org.as_str(), json.count), ("7", Some(3)));
        assert_eq!(json.parent, Some(lumbung_domain::OrgId::new(12)));
        let json: Fields = serde_json::from_str(r#"{"org": "x", "parent": null}"#).unwrap();
        assert_eq!((json.parent, json.count), (None, None));
        assert!(serde_urlencoded::from_str::<Fields>("org=1&count=many").is_err());
    }

    #[test]
    fn dates_are_optional_and_refused_by_name() {
        assert_eq!(parse_date(" ", "on").unwrap(), None);
        assert_eq!(
            parse_date("2024-06-30", "on").unwrap(),
            Some(jiff::civil::date(2024, 6, 30))
        );
        match parse_date("30/06/2024", "on") {
            Err(AppError::Invalid { field, message }) => {
                assert_eq!(field, "on");
                assert!(message.contains("2024-06-30"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
