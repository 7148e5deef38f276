//! Cấu hình: the binary's settings, layered with figment — built-in defaults, then a TOML file
//! (`--config FILE`, else `smartcity.toml` in the current directory when present), then
//! `SMARTCITY_*` environment variables, then command-line flags. Everything is checked here once;
//! an error names the setting and where its value came from, in Vietnamese and English.

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::{Deserialize, Serialize};

/// Config file read from the current directory when `--config` is not given.
pub const CONFIG_FILE_NAME: &str = "smartcity.toml";
/// Prefix of the environment variables that set a value (`SMARTCITY_LISTEN`, …).
pub const ENV_PREFIX: &str = "SMARTCITY_";
/// Address served when nothing else is configured: loopback only, so a first start exposes nothing.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Longest session lifetime accepted (30 days).
pub const MAX_SESSION_HOURS: i64 = 720;

/// Every key a layer may set. Environment variables outside this list (such as
/// `SMARTCITY_TEST_DATABASE_URL`, used by the test suites) are ignored.
const KEYS: [&str; 13] = [
    "listen",
    "data_dir",
    "database_url",
    "secure_cookies",
    "session_hours",
    "smtp_url",
    "mail_from",
    "public_url",
    "vnpay_tmn_code",
    "vnpay_hash_secret",
    "vnpay_url",
    "sandbox_hash_secret",
    "map_tiles_url",
];
/// Map tiles of the public report maps (OpenStreetMap's); an empty value keeps the maps offline: ward
/// outlines only.
pub const DEFAULT_MAP_TILES_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

/// Metadata names of the two layers we provide ourselves, so errors can say "default" or "flag".
const DEFAULTS_LAYER: &str = "smartcity defaults";
const FLAGS_LAYER: &str = "smartcity command-line flags";

/// Settings as the layers give them, before they are checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layered {
    listen: String,
    data_dir: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    secure_cookies: bool,
    session_hours: i64,
    map_tiles_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vnpay_tmn_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vnpay_hash_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vnpay_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sandbox_hash_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    smtp_url: Option<String>,
    #[serde(default = "default_mail_from")]
    mail_from: String,
}

/// Sender of the platform's notification mails unless `mail_from` says otherwise.
pub const DEFAULT_MAIL_FROM: &str = "Huế Smart City <no-reply@hue.gov.vn>";

fn default_mail_from() -> String {
    DEFAULT_MAIL_FROM.to_owned()
}

impl Default for Layered {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.to_owned(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            secure_cookies: false,
            session_hours: 12,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
            public_url: None,
            vnpay_tmn_code: None,
            vnpay_hash_secret: None,
            vnpay_url: None,
            sandbox_hash_secret: None,
            map_tiles_url: DEFAULT_MAP_TILES_URL.to_owned(),
        }
    }
}

/// Values given on the command line; `None` leaves the setting to the layers below.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

/// Checked settings every command runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Address `serve` binds.
    pub listen: SocketAddr,
    /// Data directory: holds `smartcity.db` unless `database_url` is set, and later the files.
    pub data_dir: PathBuf,
    /// `postgres://…`, `postgresql://…` or `sqlite:…`; `None` means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Session lifetime, 1–720 hours.
    pub session_hours: i64,
    /// SMTP relay for notification mails (`smtp://host:25`, `smtps://user:pass@host:465`,
    /// `smtp://host:587?tls=required`); `None` keeps mails in the outbox for administrators to read.
    pub smtp_url: Option<String>,
    /// `From` of notification mails.
    pub mail_from: String,
    /// Tile URL template (`{z}/{x}/{y}`) of the report maps; empty for offline ward outlines only.
    pub map_tiles_url: String,
    /// Public address of the portal (`https://…`), used in the payment return URL.
    pub public_url: Option<String>,
    /// Real VNPay merchant credentials (terminal code, hash secret, payment page); without them the built-in
    /// sandbox is the gateway. Never printed: `Debug` of [`PaymentSecrets`] redacts the secrets.
    pub payment: PaymentSecrets,
}

/// The payment gateway's credentials from the configuration (`vnpay_tmn_code`, `vnpay_hash_secret`,
/// `vnpay_url`, `sandbox_hash_secret`).
#[derive(Clone, PartialEq, Default)]
pub struct PaymentSecrets {
    pub vnpay_tmn_code: Option<String>,
    pub vnpay_hash_secret: Option<String>,
    pub vnpay_url: Option<String>,
    pub sandbox_hash_secret: Option<String>,
}

impl std::fmt::Debug for PaymentSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentSecrets")
            .field("vnpay_tmn_code", &self.vnpay_tmn_code)
            .field("vnpay_hash_secret", &self.vnpay_hash_secret.as_ref().map(|_| "<redacted>"))
            .field("vnpay_url", &self.vnpay_url)
            .field("sandbox_hash_secret", &self.sandbox_hash_secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Settings {
    /// The gateway the web layer uses: real VNPay when both its code and secret are set, else the sandbox
    /// (with its configured secret, if any).
    pub fn payment_config(&self) -> smartcity_web::payments::PaymentConfig {
        use smartcity_web::payments::{PaymentConfig, SANDBOX_HASH_SECRET, SANDBOX_TMN_CODE};
        let p = &self.payment;
        let mut config = match (&p.vnpay_tmn_code, &p.vnpay_hash_secret) {
            (Some(code), Some(secret)) => PaymentConfig::vnpay(code, secret, p.vnpay_url.as_deref()),
            _ => PaymentConfig::sandbox(
                SANDBOX_TMN_CODE,
                p.sandbox_hash_secret.as_deref().unwrap_or(SANDBOX_HASH_SECRET),
            ),
        };
        config.public_url = self.public_url.clone();
        config
    }
}

impl Settings {
    /// Layer defaults, the config file, the environment and `flags`, then check the result.
    pub fn load(config_file: Option<&Path>, flags: &Flags) -> Result<Settings, ConfigError> {
        let figment = layers(config_file, flags)?;
        let raw: Layered = figment.extract().map_err(ConfigError::from_figment)?;
        check(&figment, raw)
    }
}

fn layers(config_file: Option<&Path>, flags: &Flags) -> Result<Figment, ConfigError> {
    let mut figment = Figment::from(Layer { name: DEFAULTS_LAYER, inner: Serialized::defaults(Layered::default()) });
    match config_file {
        Some(path) if !path.is_file() => return Err(ConfigError::missing_file(path)),
        // `file_exact`: `Toml::file` would also search parent directories, which surprises.
        Some(path) => figment = figment.merge(Toml::file_exact(path)),
        None if Path::new(CONFIG_FILE_NAME).is_file() => figment = figment.merge(Toml::file_exact(CONFIG_FILE_NAME)),
        None => {}
    }
    Ok(figment
        .merge(Env::prefixed(ENV_PREFIX).only(&KEYS))
        .merge(Layer { name: FLAGS_LAYER, inner: Serialized::defaults(flags) }))
}

fn check(figment: &Figment, raw: Layered) -> Result<Settings, ConfigError> {
    let listen = raw.listen.trim().parse::<SocketAddr>().map_err(|_| {
        ConfigError::invalid(
            figment,
            "listen",
            |from| {
                format!(
                    "listen = “{}” ({from}) không phải địa chỉ lắng nghe hợp lệ; hãy viết dạng IP:cổng, ví dụ {DEFAULT_LISTEN}.",
                    raw.listen
                )
            },
            |from| {
                format!(
                    "listen = “{}” ({from}) is not an address to listen on; write it as IP:port, e.g. {DEFAULT_LISTEN}.",
                    raw.listen
                )
            },
        )
    })?;
    let database_url = raw.database_url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    if let Some(url) = &database_url
        && !["postgres://", "postgresql://", "sqlite:"].iter().any(|scheme| url.starts_with(scheme))
    {
        // The value is not echoed: a database URL may carry a password.
        return Err(ConfigError::invalid(
            figment,
            "database_url",
            |from| format!("database_url ({from}) phải bắt đầu bằng postgres://, postgresql:// hoặc sqlite:."),
            |from| format!("database_url ({from}) must start with postgres://, postgresql:// or sqlite:."),
        ));
    }
    if !(1..=MAX_SESSION_HOURS).contains(&raw.session_hours) {
        let hours = raw.session_hours;
        return Err(ConfigError::invalid(
            figment,
            "session_hours",
            |from| format!("session_hours = {hours} ({from}) phải từ 1 đến {MAX_SESSION_HOURS} giờ (30 ngày)."),
            |from| {
                format!("session_hours = {hours} ({from}) must be between 1 and {MAX_SESSION_HOURS} hours (30 days).")
            },
        ));
    }
    let smtp_url = raw.smtp_url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    if let Some(url) = &smtp_url
        && !crate::mail::valid_relay_url(url)
    {
        // Not echoed either: an SMTP URL may carry a password.
        return Err(ConfigError::invalid(
            figment,
            "smtp_url",
            |from| {
                format!(
                    "smtp_url ({from}) phải có dạng smtp://máy-chủ:cổng hoặc smtps://người-dùng:mật-khẩu@máy-chủ:cổng."
                )
            },
            |from| format!("smtp_url ({from}) must look like smtp://host:port or smtps://user:password@host:port."),
        ));
    }
    let mail_from = raw.mail_from.trim().to_owned();
    if !crate::mail::valid_mailbox(&mail_from) {
        let shown = mail_from.clone();
        return Err(ConfigError::invalid(
            figment,
            "mail_from",
            |from| format!("mail_from = “{shown}” ({from}) không phải địa chỉ thư hợp lệ, ví dụ {DEFAULT_MAIL_FROM}."),
            |from| format!("mail_from = “{shown}” ({from}) is not a mail address, e.g. {DEFAULT_MAIL_FROM}."),
        ));
    }
    Ok(Settings {
        listen,
        data_dir: raw.data_dir,
        database_url,
        secure_cookies: raw.secure_cookies,
        session_hours: raw.session_hours,
        smtp_url,
        mail_from,
        public_url: raw.public_url.map(|u| u.trim().trim_end_matches('/').to_owned()).filter(|u| !u.is_empty()),
        payment: PaymentSecrets {
            vnpay_tmn_code: raw.vnpay_tmn_code.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()),
            vnpay_hash_secret: raw.vnpay_hash_secret.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()),
            vnpay_url: raw.vnpay_url.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()),
            sandbox_hash_secret: raw.sandbox_hash_secret.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()),
        },
        map_tiles_url: raw.map_tiles_url.trim().to_owned(),
    })
}

/// A provider with our own metadata name, so an error can tell a default or a flag from the rest.
struct Layer<P> {
    name: &'static str,
    inner: P,
}

impl<P: Provider> Provider for Layer<P> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.inner.data()
    }
}

/// Where a value came from, in both languages: "environment variable SMARTCITY_LISTEN" /
/// "biến môi trường SMARTCITY_LISTEN".
fn origin(metadata: Option<&Metadata>, key: &str) -> (String, String) {
    let Some(metadata) = metadata else {
        return ("from an unknown source".into(), "không rõ nguồn".into());
    };
    match (&metadata.source, metadata.name.as_ref()) {
        (Some(Source::File(path)), _) => {
            (format!("from file {}", path.display()), format!("trong tệp {}", path.display()))
        }
        (_, DEFAULTS_LAYER) => ("the built-in default".into(), "giá trị mặc định".into()),
        (_, FLAGS_LAYER) => {
            let flag = format!("--{}", key.replace('_', "-"));
            (format!("from command-line flag {flag}"), format!("từ tham số dòng lệnh {flag}"))
        }
        _ => {
            let var = format!("{ENV_PREFIX}{}", key.to_ascii_uppercase());
            (format!("from environment variable {var}"), format!("từ biến môi trường {var}"))
        }
    }
}

/// A setting that cannot be used; the binary exits with code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The setting at fault (`listen`, `session_hours`, …), or the config file option.
    pub setting: String,
    /// What is wrong and where it came from, in Vietnamese.
    pub vi: String,
    /// The same in English.
    pub en: String,
}

impl ConfigError {
    fn invalid(figment: &Figment, key: &str, vi: impl FnOnce(&str) -> String, en: impl FnOnce(&str) -> String) -> Self {
        let (from_en, from_vi) = origin(figment.find_metadata(key), key);
        Self { setting: key.to_owned(), vi: vi(&from_vi), en: en(&from_en) }
    }

    fn missing_file(path: &Path) -> Self {
        let path = path.display();
        Self {
            setting: "config".into(),
            vi: format!("không tìm thấy tệp cấu hình {path} (tham số --config)."),
            en: format!("the config file {path} (given with --config) does not exist."),
        }
    }

    fn from_figment(err: figment::Error) -> Self {
        use figment::error::Kind;
        let key = match &err.kind {
            Kind::UnknownField(field, _) => field.clone(),
            Kind::MissingField(field) => field.to_string(),
            _ => err.path.join("."),
        };
        let (from_en, from_vi) = origin(err.metadata.as_ref(), &key);
        let (vi, en): (Cow<'_, str>, String) = match &err.kind {
            Kind::UnknownField(field, _) => (
                format!("khóa “{field}” ({from_vi}) không được hỗ trợ; các khóa hợp lệ: {}.", KEYS.join(", ")).into(),
                format!("unknown setting “{field}” ({from_en}); valid settings are: {}.", KEYS.join(", ")),
            ),
            Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => (
                format!("{key} ({from_vi}) sai kiểu: nhận {actual}, cần {expected}.").into(),
                format!("{key} ({from_en}) has the wrong type: found {actual}, expected {expected}."),
            ),
            Kind::Message(message) => (
                format!("không đọc được cấu hình {from_vi}: {message}").into(),
                format!("cannot read the configuration {from_en}: {message}"),
            ),
            other => (
                format!("{key} ({from_vi}) không hợp lệ: {other}").into(),
                format!("{key} ({from_en}) is invalid: {other}"),
            ),
        };
        Self { setting: key, vi: vi.into_owned(), en }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lỗi cấu hình: {}\nconfiguration error: {}", self.vi, self.en)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
#[expect(clippy::result_large_err, reason = "figment::Jail's closures must return figment::Result")]
mod tests {
    use figment::Jail;

    use super::*;

    fn load(config_file: Option<&Path>, flags: &Flags) -> Result<Settings, ConfigError> {
        Settings::load(config_file, flags)
    }

    fn load_err(flags: &Flags) -> ConfigError {
        load(None, flags).expect_err("the configuration should be refused")
    }

    #[test]
    fn defaults_serve_loopback_with_sqlite_in_data() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            let settings = load(None, &Flags::default()).expect("defaults are valid");
            assert_eq!(settings.listen, "127.0.0.1:8080".parse().expect("address"));
            assert_eq!(settings.data_dir, PathBuf::from("./data"));
            assert_eq!(settings.database_url, None);
            assert!(!settings.secure_cookies);
            assert_eq!(settings.session_hours, 12);
            Ok(())
        });
    }

    #[test]
    fn file_beats_defaults_env_beats_file_flags_beat_env() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                CONFIG_FILE_NAME,
                r#"
                listen = "0.0.0.0:9000"
                data_dir = "/srv/from-file"
                session_hours = 24
                secure_cookies = true
                "#,
            )?;
            let from_file = load(None, &Flags::default()).expect("valid");
            assert_eq!(from_file.listen, "0.0.0.0:9000".parse().expect("address"));
            assert_eq!(from_file.data_dir, PathBuf::from("/srv/from-file"));
            assert_eq!(from_file.session_hours, 24);
            assert!(from_file.secure_cookies);

            jail.set_env("SMARTCITY_LISTEN", "127.0.0.1:9100");
            jail.set_env("SMARTCITY_SESSION_HOURS", "48");
            jail.set_env("SMARTCITY_DATABASE_URL", "postgres://db.example/smartcity");
            let from_env = load(None, &Flags::default()).expect("valid");
            assert_eq!(from_env.listen, "127.0.0.1:9100".parse().expect("address"));
            assert_eq!(from_env.session_hours, 48);
            assert_eq!(from_env.data_dir, PathBuf::from("/srv/from-file"));
            assert_eq!(from_env.database_url.as_deref(), Some("postgres://db.example/smartcity"));

            let flags = Flags {
                listen: Some("127.0.0.1:9200".into()),
                data_dir: Some("/tmp/from-flag".into()),
                database_url: Some("sqlite:/tmp/x.db".into()),
            };
            let from_flags = load(None, &flags).expect("valid");
            assert_eq!(from_flags.listen, "127.0.0.1:9200".parse().expect("address"));
            assert_eq!(from_flags.data_dir, PathBuf::from("/tmp/from-flag"));
            assert_eq!(from_flags.database_url.as_deref(), Some("sqlite:/tmp/x.db"));
            assert_eq!(from_flags.session_hours, 48, "a flag leaves the other settings alone");
            Ok(())
        });
    }

    #[test]
    fn an_explicit_config_file_replaces_the_one_in_the_current_directory() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(CONFIG_FILE_NAME, "session_hours = 2")?;
            jail.create_file("other.toml", "session_hours = 3")?;
            let settings = load(Some(Path::new("other.toml")), &Flags::default()).expect("valid");
            assert_eq!(settings.session_hours, 3);
            Ok(())
        });
    }

    #[test]
    fn a_config_file_in_a_parent_directory_is_not_read() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(CONFIG_FILE_NAME, "session_hours = 2")?;
            let child = jail.create_dir("child")?;
            jail.change_dir(child)?;
            assert_eq!(load(None, &Flags::default()).expect("valid").session_hours, 12);
            Ok(())
        });
    }

    #[test]
    fn a_missing_explicit_config_file_is_an_error() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            let err = load(Some(Path::new("nowhere.toml")), &Flags::default()).expect_err("refused");
            assert_eq!(err.setting, "config");
            assert!(err.en.contains("nowhere.toml"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_bad_listen_address_names_the_environment_variable() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("SMARTCITY_LISTEN", "localhost");
            let err = load_err(&Flags::default());
            assert_eq!(err.setting, "listen");
            assert!(err.en.contains("environment variable SMARTCITY_LISTEN"), "{err}");
            assert!(err.vi.contains("biến môi trường SMARTCITY_LISTEN"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_bad_session_lifetime_names_the_file() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(CONFIG_FILE_NAME, "session_hours = 0")?;
            let err = load_err(&Flags::default());
            assert_eq!(err.setting, "session_hours");
            assert!(err.en.contains(CONFIG_FILE_NAME) && err.en.contains("between 1 and 720"), "{err}");
            jail.set_env("SMARTCITY_SESSION_HOURS", "721");
            let err = load_err(&Flags::default());
            assert!(err.en.contains("SMARTCITY_SESSION_HOURS"), "{err}");
            jail.set_env("SMARTCITY_SESSION_HOURS", "720");
            assert!(load(None, &Flags::default()).is_ok());
            Ok(())
        });
    }

    #[test]
    fn a_bad_database_url_names_the_flag_without_echoing_it() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            let flags = Flags { database_url: Some("mysql://root:secret@db/x".into()), ..Flags::default() };
            let err = load_err(&flags);
            assert_eq!(err.setting, "database_url");
            assert!(err.en.contains("--database-url"), "{err}");
            assert!(!err.to_string().contains("secret"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_source() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("SMARTCITY_SESSION_HOURS", "a day");
            let err = load_err(&Flags::default());
            assert_eq!(err.setting, "session_hours");
            assert!(err.en.contains("SMARTCITY_SESSION_HOURS"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(CONFIG_FILE_NAME, "listn = \"0.0.0.0:80\"")?;
            let err = load_err(&Flags::default());
            assert_eq!(err.setting, "listn");
            assert!(err.en.contains(CONFIG_FILE_NAME), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_malformed_file_is_refused() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(CONFIG_FILE_NAME, "listen = ")?;
            let err = load_err(&Flags::default());
            assert!(err.en.contains(CONFIG_FILE_NAME), "{err}");
            Ok(())
        });
    }

    #[test]
    fn other_smartcity_variables_are_ignored() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("SMARTCITY_TEST_DATABASE_URL", "postgres://x/y");
            jail.set_env("SMARTCITY_BIN", "/usr/bin/false");
            let settings = load(None, &Flags::default()).expect("valid");
            assert_eq!(settings.database_url, None);
            Ok(())
        });
    }
}
