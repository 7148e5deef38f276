//! `smartcity export` and `smartcity import`: the whole installation as one JSON dump, to back it
//! up or to move it between SQLite and PostgreSQL. Import is all or nothing, into an empty database.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use smartcity_store::StoreError;
use smartcity_store::portable::Dump;

use super::{Open, Refusal, database_label, open_store};
use crate::cli::{ExportArgs, ImportArgs};
use crate::config::Settings;

/// `-` (or no `--file`) means standard output / input.
fn named_file(file: Option<&Path>) -> Option<&Path> {
    file.filter(|path| path.as_os_str() != "-")
}

pub(super) async fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let store = open_store(settings, Open::MustExist).await?;
    let dump = store.export_dump().await;
    store.close().await;
    let dump = dump?;
    let mut json = if args.compact { serde_json::to_vec(&dump)? } else { serde_json::to_vec_pretty(&dump)? };
    json.push(b'\n');
    let rows: usize = dump.tables.counts().iter().map(|(_, n)| n).sum();
    match named_file(args.file.as_deref()) {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&json)?;
            stdout.flush()?;
        }
        Some(path) => {
            write_atomically(path, &json)?;
            eprintln!("exported {rows} rows from the {} to {}", database_label(settings), path.display());
        }
    }
    Ok(())
}

/// Write next to the target and rename, so a failed export never leaves half a dump behind.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub(super) async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    // Read and parse everything before the database is even opened.
    let source = named_file(Some(&args.file)).map_or_else(|| "standard input".to_owned(), |p| p.display().to_string());
    let text = match named_file(Some(&args.file)) {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("cannot read {source}"))?,
        None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
            text
        }
    };
    let dump: Dump = serde_json::from_str(&text).map_err(|err| Refusal {
        vi: format!("{source} không phải bản kết xuất của smartcity ({err}); không có gì được ghi."),
        en: format!("{source} is not a smartcity dump ({err}); nothing was written."),
    })?;
    let rows: usize = dump.tables.counts().iter().map(|(_, n)| n).sum();

    let store = open_store(settings, Open::CreateIfMissing).await?;
    let imported = store.import_dump(dump).await;
    store.close().await;
    match imported {
        Ok(()) => {
            println!("imported {rows} rows from {source} into the {}", database_label(settings));
            Ok(())
        }
        Err(StoreError::Dump(reason)) => Err(Refusal {
            vi: format!("Không nhập được {source}: {reason}. Cơ sở dữ liệu không thay đổi."),
            en: format!("cannot import {source}: {reason}. Nothing was written."),
        }
        .into()),
        Err(err) => Err(anyhow::Error::new(err).context(format!("importing {source} failed; nothing was written"))),
    }
}
