//! `smartcity audit verify`: recompute the audit log's hash chain and say where it breaks.

use std::process::ExitCode;

use smartcity_store::AuditStore;

use super::{Open, database_label, open_store};
use crate::config::Settings;

pub(super) async fn verify(settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_store(settings, Open::MustExist).await?;
    let verdict = store.verify_audit().await;
    store.close().await;
    match verdict? {
        Ok(count) => {
            println!("audit log OK: {count} records verified in the {}", database_label(settings));
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!("audit log BROKEN at seq {}: {}", broken.seq, broken.reason);
            eprintln!("nhật ký kiểm toán bị phá vỡ tại bản ghi seq {}", broken.seq);
            Ok(ExitCode::FAILURE)
        }
    }
}
