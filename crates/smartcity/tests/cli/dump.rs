//! `smartcity export` / `smartcity import`: moving a whole installation, all or nothing.

use crate::support::Installation;

#[test]
fn an_export_imported_into_a_fresh_data_dir_gives_the_same_tables() {
    let source = Installation::new().with_demo();
    let file = source.file("dump.json");
    source.run(&["export", "--file", file.to_str().expect("utf-8 path")]).success();
    let from_file: smartcity_store::portable::Dump =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("dump written")).expect("dump parses");
    assert_eq!(from_file.tables, source.tables(), "--file and stdout carry the same dump");

    let target = Installation::new();
    let out = target.run(&["import", "--file", file.to_str().expect("utf-8 path")]).success();
    assert!(out.stdout.contains("imported"), "{}", out.stdout);
    assert_eq!(target.tables(), from_file.tables);
    target.run(&["audit", "verify"]).success();
}

#[test]
fn a_compact_export_imports_from_stdin() {
    let source = Installation::new().with_demo();
    let compact = source.run(&["export", "--compact", "--file", "-"]).success().stdout;
    assert_eq!(compact.trim_end().lines().count(), 1);
    let target = Installation::new();
    target.run_with_stdin(&["import", "--file", "-"], &compact).success();
    assert_eq!(target.tables(), source.tables());
}

#[test]
fn importing_into_a_database_that_is_not_empty_is_refused_and_writes_nothing() {
    let source = Installation::new().with_demo();
    let file = source.file("dump.json");
    source.run(&["export", "--file", file.to_str().expect("utf-8 path")]).success();

    let target = Installation::new().with_demo();
    let before = target.tables();
    let out = target.run(&["import", "--file", file.to_str().expect("utf-8 path")]).exit_code(1);
    assert!(out.stderr.contains("not empty"), "{}", out.stderr);
    assert!(out.stderr.contains("Nothing was written"), "{}", out.stderr);
    assert_eq!(target.tables(), before);
}

#[test]
fn a_file_that_is_not_a_dump_is_refused_before_the_database_is_touched() {
    let site = Installation::new();
    let file = site.file("not-a-dump.json");
    std::fs::write(&file, r#"{"hello": "world"}"#).expect("write");
    let out = site.run(&["import", "--file", file.to_str().expect("utf-8 path")]).exit_code(1);
    assert!(out.stderr.contains("is not a smartcity dump"), "{}", out.stderr);
    assert!(!site.data_dir().exists(), "no database was created");
}

#[test]
fn exporting_from_a_data_dir_without_a_database_is_refused() {
    let site = Installation::new();
    let out = site.run(&["export"]).exit_code(1);
    assert!(out.stderr.contains("there is no database"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}
