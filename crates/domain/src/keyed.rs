//! Enums whose values are written as keys (`in_kind`) in files, forms and
//! JSON, each with the words that name it.

/// An enum of keyed values: `ALL`, `as_str` (the key) and `parse` (the key
/// or one of its aliases, any case, trimmed). Serialized as its key.
///
/// ```
/// lumbung_domain::keyed! {
///     /// What a commitment is of.
///     Kind { Money = "money" | "uang", InKind = "in_kind" }
/// }
/// assert_eq!(Kind::parse(" Uang "), Some(Kind::Money));
/// assert_eq!(Kind::InKind.as_str(), "in_kind");
/// ```
#[macro_export]
macro_rules! keyed {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $key:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The key (or one of its other words), any case; `None`
            /// otherwise.
            pub fn parse(raw: &str) -> Option<$name> {
                match raw.trim().to_lowercase().as_str() {
                    $($key $(| $alias)* => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}
