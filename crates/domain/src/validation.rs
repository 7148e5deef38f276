//! The one error every parser in this crate returns.

/// Lỗi dữ liệu nhập: why a user-supplied value was rejected, with a stable code and a message in both languages.
///
/// `code` is a stable snake_case key (for i18n, tests and API clients); `vi` and `en` tell the user what to fix
/// and name the field. The web layer turns this into a 422 response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {en}")]
pub struct ValidationError {
    /// The input field the error is about, e.g. `"citizen_id"`.
    pub field: &'static str,
    /// Stable snake_case error code, e.g. `"citizen_id_invalid_length"`.
    pub code: &'static str,
    /// Message in Vietnamese (shown first).
    pub vi: String,
    /// Message in English.
    pub en: String,
}

impl ValidationError {
    /// Builds an error for `field` with a stable `code` and its Vietnamese and English messages.
    pub fn new(field: &'static str, code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { field, code, vi: vi.into(), en: en.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_field_and_gives_the_english_message() {
        let e = ValidationError::new("email", "email_invalid", "Email không hợp lệ.", "The email is invalid.");
        assert_eq!(e.to_string(), "email: The email is invalid.");
        assert_eq!(e.code, "email_invalid");
    }
}
