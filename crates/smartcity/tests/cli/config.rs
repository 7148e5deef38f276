//! Configuration as the binary sees it: exit code 2 for a bad setting, layers in order.

use crate::support::{Installation, run, smartcity};

#[test]
fn a_bad_setting_exits_with_code_2_and_names_its_source_in_both_languages() {
    let site = Installation::new();
    let mut command = site.command(&["migrate"]);
    command.env("SMARTCITY_SESSION_HOURS", "0");
    let out = run(command, None).exit_code(2);
    assert!(out.stderr.contains("configuration error") && out.stderr.contains("lỗi cấu hình"), "{}", out.stderr);
    assert!(out.stderr.contains("SMARTCITY_SESSION_HOURS"), "{}", out.stderr);
    assert!(!site.data_dir().exists(), "nothing was opened");
}

#[test]
fn a_bad_listen_flag_exits_with_code_2() {
    let site = Installation::new();
    let out = site.run(&["serve", "--listen", "everywhere"]).exit_code(2);
    assert!(out.stderr.contains("--listen"), "{}", out.stderr);
}

#[test]
fn the_config_file_in_the_working_directory_is_read_and_flags_beat_the_environment() {
    let site = Installation::new();
    std::fs::write(site.file("smartcity.toml"), "data_dir = \"from-file\"\n").expect("write config");
    let mut command = smartcity(site.root());
    command.arg("migrate");
    run(command, None).success();
    assert!(site.file("from-file/smartcity.db").is_file());

    let mut command = smartcity(site.root());
    command.args(["migrate", "--data-dir", "from-flag"]).env("SMARTCITY_DATA_DIR", "from-env");
    run(command, None).success();
    assert!(site.file("from-flag/smartcity.db").is_file());
    assert!(!site.file("from-env").exists());

    let mut command = smartcity(site.root());
    command.arg("migrate").env("SMARTCITY_DATA_DIR", "from-env");
    run(command, None).success();
    assert!(site.file("from-env/smartcity.db").is_file());
}
