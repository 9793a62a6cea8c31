//! Words for people in both interface languages. An error detail is a
//! [`Text`]: a stable code, its parameters, and the sentence in Indonesian
//! and English, written side by side where the rule is (with [`text!`]), so
//! that the web and the CLI show it in the user's language and no sentence
//! exists in one language only.

use serde::{Serialize, Serializer};
use std::fmt;

/// The two languages of the interface; Indonesian is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Indonesian,
    English,
}

impl Language {
    /// `id` or `en`; also a locale such as `id_ID.UTF-8` or `en-GB`.
    pub fn parse(code: &str) -> Option<Language> {
        let lower = code.trim().to_ascii_lowercase();
        let primary = lower.split(['_', '-', '.']).next().unwrap_or_default();
        match primary {
            "id" | "in" => Some(Language::Indonesian),
            "en" => Some(Language::English),
            _ => None,
        }
    }

    /// `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Indonesian => "id",
            Language::English => "en",
        }
    }
}

/// A sentence for a person: a code that programs may rely on, the values
/// it names, and its wording in both languages. Shown (`Display`) and sent
/// over the API in English unless a language is chosen with [`Text::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    code: &'static str,
    params: Vec<(&'static str, String)>,
    id: String,
    en: String,
}

impl Text {
    /// Prefer [`text!`], which keeps both wordings and the parameters
    /// together.
    pub fn new(
        code: &'static str,
        params: Vec<(&'static str, String)>,
        id: String,
        en: String,
    ) -> Text {
        Text {
            code,
            params,
            id,
            en,
        }
    }

    /// A value typed by a person or a name from a file, shown as it is in
    /// both languages (e.g. the name of a thing that was not found).
    pub fn verbatim(code: &'static str, value: impl Into<String>) -> Text {
        let value = value.into();
        Text {
            code,
            params: Vec::new(),
            id: value.clone(),
            en: value,
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn params(&self) -> &[(&'static str, String)] {
        &self.params
    }

    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Indonesian => &self.id,
            Language::English => &self.en,
        }
    }

    /// The English sentence.
    pub fn as_str(&self) -> &str {
        &self.en
    }

    pub fn english(&self) -> &str {
        &self.en
    }

    pub fn indonesian(&self) -> &str {
        &self.id
    }

    /// This text with `before` put in front in both languages (e.g. the
    /// line of a file), keeping the code and parameters.
    pub fn prefixed(mut self, id: &str, en: &str) -> Text {
        self.id.insert_str(0, id);
        self.en.insert_str(0, en);
        self
    }
}

/// Words not yet written in both languages: shown as they are in both.
/// Each use is a sentence still to translate (`grep untranslated`).
impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::verbatim("untranslated", s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::verbatim("untranslated", s)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// Compares with a plain string by its English sentence, as the strings it
/// replaces did.
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.en == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        &self.en == other
    }
}

/// Reads as its English sentence, as the plain strings it replaces did.
impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.en
    }
}

/// Serialised as its English sentence, as error details always were.
impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.en)
    }
}

/// A [`Text`] with its code, its parameters (each `name = value`, any
/// `Display`) and both wordings, which name the parameters as `{name}`:
///
/// ```
/// use lumbung_text::text;
/// let t = text!("loan_not_active", loan = 7;
///     id: "pinjaman {loan} tidak aktif",
///     en: "loan {loan} is not active");
/// assert_eq!(t.code(), "loan_not_active");
/// assert_eq!(t.to_string(), "loan 7 is not active");
/// assert_eq!(t.get(lumbung_text::Language::Indonesian), "pinjaman 7 tidak aktif");
/// ```
///
/// Both wordings must use every parameter (the compiler checks).
#[macro_export]
macro_rules! text {
    ($code:literal $(, $name:ident = $value:expr)* ; id: $id:literal, en: $en:literal $(,)?) => {{
        $(let $name = $value.to_string();)*
        $crate::Text::new(
            $code,
            vec![$((stringify!($name), $name.clone())),*],
            format!($id, $($name = $name),*),
            format!($en, $($name = $name),*),
        )
    }};
}

/// An enum of refusals whose words are written once, beside each variant:
/// the enum, its `text()` (the [`Text`] of each variant, made by
/// [`text!`] from the variant's fields) and `Display` (the English), so
/// that the sentence shown and the sentence logged cannot drift apart.
///
/// ```
/// lumbung_text::text_enum! {
///     /// Why a step is refused.
///     #[derive(Debug, Clone, PartialEq, Eq)]
///     pub enum StepError {
///         /// No such step.
///         Unknown(step: String) => "unknown_step", step = step;
///             id: "tidak ada langkah {step}", en: "there is no step {step}",
///         Twice { step: String, line: u64 } => "step_twice", step = step, line = line;
///             id: "langkah {step} ganda (baris {line})", en: "step {step} is twice (line {line})",
///         Empty => "no_steps"; id: "tidak ada langkah", en: "there are no steps",
///     }
/// }
/// let e = StepError::Twice { step: "rkm".into(), line: 3 };
/// assert_eq!(e.to_string(), "step rkm is twice (line 3)");
/// assert_eq!(e.text().code(), "step_twice");
/// assert_eq!(StepError::Unknown("x".into()).text().indonesian(), "tidak ada langkah x");
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident
                    $( ( $($tf:ident : $tt:ty),+ $(,)? ) )?
                    $( { $($sf:ident : $st:ty),+ $(,)? } )?
                => $code:literal $(, $p:ident = $pv:expr)* ; id: $id:literal, en: $en:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant $( ( $($tt),+ ) )? $( { $($sf: $st),+ } )?,
            )*
        }

        impl $name {
            /// The refusal in both languages.
            #[allow(unused_variables)]
            pub fn text(&self) -> $crate::Text {
                match self {
                    $(
                        $name::$variant $( ( $($tf),+ ) )? $( { $($sf),+ } )? => {
                            $crate::text!($code $(, $p = $pv)*; id: $id, en: $en)
                        }
                    )*
                }
            }
        }

        /// The English sentence of [`text`](Self::text).
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.text().english())
            }
        }

        impl ::std::error::Error for $name {}
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_wordings_name_the_same_values() {
        let t = crate::text!("too_many_rows", rows = 12, max = "10";
            id: "berkas ini {rows} baris, lebih dari {max}",
            en: "the file has {rows} rows, more than {max}");
        assert_eq!(t.code(), "too_many_rows");
        assert_eq!(t.params(), &[("rows", "12".into()), ("max", "10".into())]);
        assert_eq!(
            t.get(Language::Indonesian),
            "berkas ini 12 baris, lebih dari 10"
        );
        assert_eq!(t.to_string(), "the file has 12 rows, more than 10");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"the file has 12 rows, more than 10\""
        );
    }

    #[test]
    fn a_prefix_goes_in_front_in_both_languages() {
        let t = crate::text!("x"; id: "kolom kosong", en: "empty column")
            .prefixed("baris 3: ", "line 3: ");
        assert_eq!(t.english(), "line 3: empty column");
        assert_eq!(t.indonesian(), "baris 3: kolom kosong");
    }

    #[test]
    fn languages_from_codes_and_locales() {
        assert_eq!(Language::parse("id"), Some(Language::Indonesian));
        assert_eq!(Language::parse("id_ID.UTF-8"), Some(Language::Indonesian));
        assert_eq!(Language::parse("en-GB"), Some(Language::English));
        assert_eq!(Language::parse("C.UTF-8"), None);
        assert_eq!(Language::parse(""), None);
    }
}
