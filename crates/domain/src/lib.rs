//! Pure rules of the Huế smart-city platform: identifiers, administrative units, Vietnamese text folding,
//! geometry, the audit hash chain and local time formatting; for sensing, the VN_AQI ([`aqi`]), flood alarm levels
//! ([`flood`]), the SensorThings API query language and dataArray format ([`sensorthings`]) and operations alarms
//! ([`alarms`]).
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

pub mod audit;
pub mod calendar;
pub mod dossiers;
pub mod geo;
pub mod identity;
pub mod indices;
pub mod lunar;
pub mod operations;
pub mod procedures;
pub mod sensing;
pub mod text;
pub mod time;
pub mod units;
pub mod validation;

pub use validation::ValidationError;
