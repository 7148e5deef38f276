//! Pure rules of the Huế smart-city platform: identifiers, administrative units, Vietnamese text folding,
//! geometry, the audit hash chain, local time formatting, one-stop dossiers ([`dossiers`]) and field reports
//! ([`reports`]); sensing rules ([`sensing`]: VN_AQI, flood alarm levels, the SensorThings query language) and
//! operations alarms ([`operations`]); the multi-level portal ([`portal`]: site slugs, editorial workflow,
//! warnings, Q&A deadlines, search-query folding and snippet highlighting); public transparency ([`transparency`]:
//! periods, rankings and the formulas in words behind the QĐ 766 figures).
//!
//! Nothing here does IO. Every parser follows "parse, don't validate": a value of a newtype such as
//! [`identity::CitizenId`] can only hold a valid value, and a failed parse returns a bilingual
//! [`ValidationError`] with a stable `code`.

/// Implements `Display`, `AsRef<str>`, `FromStr`, `TryFrom<String>` and `From<T> for String` for a string
/// newtype with an inherent `parse(&str) -> Result<Self, ValidationError>` and `as_str()`, so that serde can
/// (de)serialise it as a plain string through `#[serde(try_from = "String", into = "String")]`.
macro_rules! string_newtype {
    ($t:ty) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::str::FromStr for $t {
            type Err = $crate::validation::ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::parse(s)
            }
        }

        impl ::std::convert::TryFrom<String> for $t {
            type Error = $crate::validation::ValidationError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$t>::parse(&s)
            }
        }

        impl ::std::convert::From<$t> for String {
            fn from(v: $t) -> String {
                v.as_str().to_owned()
            }
        }
    };
}

/// Declares a fieldless enum with a stable snake_case code (`as_str`, also its serde form), Vietnamese and English
/// labels, `ALL`, `parse`, `Display` and `FromStr`.
///
/// `$field` is the input field named in parse errors; the error code is `<field>_unknown`. (`dossiers` still has
/// its own copy of this macro, which shadows this one there.)
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($field:literal, $what_vi:literal, $what_en:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => ($s:literal, $vi:literal, $en:literal), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable snake_case code for storage and APIs; the same string serde uses.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                }
            }

            /// Parses a code produced by `as_str` (surrounding whitespace ignored).
            pub fn parse(s: &str) -> Result<Self, $crate::validation::ValidationError> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let known = Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ");
                    $crate::validation::ValidationError::new(
                        $field,
                        concat!($field, "_unknown"),
                        format!("{} “{s}” không hợp lệ; các giá trị hợp lệ: {known}.", $what_vi),
                        format!("Unknown {} “{s}”; valid values are: {known}.", $what_en),
                    )
                })
            }

            /// Vietnamese label for screens and forms.
            pub fn label_vi(self) -> &'static str {
                match self {
                    $($name::$variant => $vi,)+
                }
            }

            /// English label for screens and forms.
            pub fn label_en(self) -> &'static str {
                match self {
                    $($name::$variant => $en,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::validation::ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$name>::parse(s)
            }
        }
    };
}

pub mod audit;
pub mod calendar;
pub mod dossiers;
pub mod geo;
pub mod identity;
pub mod indices;
pub mod lunar;
pub mod operations;
pub mod payments;
pub mod portal;
pub mod procedures;
pub mod reports;
pub mod sensing;
pub mod text;
pub mod time;
pub mod transparency;
pub mod units;
pub mod validation;

pub use validation::ValidationError;
