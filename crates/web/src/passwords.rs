//! Password hashing with argon2id (OWASP baseline parameters, the crate defaults). Hashing is
//! deliberately slow, so it runs on the blocking pool and never stalls the async workers.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::AppError;

/// Hash a password into a PHC string (`$argon2id$v=19$…`).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|hash| hash.to_string()).map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
pub async fn verify_password(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(password.as_bytes(), phc.as_str()).is_ok())
        .await
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the login identifier is unknown so that
/// response time does not reveal which accounts exist.
pub async fn decoy_hash() -> &'static str {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY.get_or_init(|| async { hash_password(uuid::Uuid::new_v4().to_string()).await.unwrap_or_default() }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("mật khẩu đủ dài".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu đủ dài".into(), hash.clone()).await);
        assert!(!verify_password("mat khau du dai".into(), hash).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }
}
