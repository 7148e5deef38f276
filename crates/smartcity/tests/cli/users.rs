//! `smartcity user add|passwd|grant`.

use crate::support::Installation;

#[test]
fn an_operator_creates_a_staff_account_grants_a_role_and_resets_the_password() {
    let site = Installation::new().with_demo();
    let out = site
        .run_with_stdin(
            &[
                "user",
                "add",
                "--email",
                "Lan.Nguyen@hue.gov.vn",
                "--name",
                "  Nguyễn Thị   Lan ",
                "--staff",
                "--password-stdin",
            ],
            "mat-khau-dai-2026\n",
        )
        .success();
    assert!(out.stdout.contains("created staff account lan.nguyen@hue.gov.vn"), "{}", out.stdout);

    site.run(&[
        "user",
        "grant",
        "--email",
        "lan.nguyen@hue.gov.vn",
        "--role",
        "processing_officer",
        "--unit",
        "46.syt",
    ])
    .success();
    let tables = site.tables();
    let lan = tables.accounts.iter().find(|a| a.email.as_deref() == Some("lan.nguyen@hue.gov.vn")).expect("account");
    assert_eq!((lan.kind.as_str(), lan.display_name.as_str()), ("staff", "Nguyễn Thị Lan"));
    let grants: Vec<_> = tables.role_grants.iter().filter(|g| g.account_id == lan.id).collect();
    assert_eq!(grants.len(), 1);
    assert_eq!((grants[0].role.as_str(), grants[0].unit_code.as_str()), ("processing_officer", "46.SYT"));

    let out = site
        .run(&["user", "grant", "--email", "lan.nguyen@hue.gov.vn", "--role", "processing_officer", "--unit", "46.SYT"])
        .exit_code(1);
    assert!(out.stderr.contains("already holds"), "{}", out.stderr);

    site.run(&["user", "passwd", "--email", "lan.nguyen@hue.gov.vn", "--password", "mat-khau-moi-2027"]).success();
    let after = site.tables();
    let lan_after = after.accounts.iter().find(|a| a.id == lan.id).expect("account");
    assert_ne!(lan_after.password_hash, lan.password_hash);
    assert!(lan_after.password_hash.starts_with("$argon2id$"));
}

#[test]
fn a_citizen_account_gets_the_citizen_role_on_the_city() {
    let site = Installation::new().with_demo();
    site.run(&[
        "user",
        "add",
        "--email",
        "binh@example.vn",
        "--name",
        "Lê Bình",
        "--phone",
        "0912 345 678",
        "--citizen-id",
        "046195000123",
        "--password",
        "mot-mat-khau-dai",
    ])
    .success();
    let tables = site.tables();
    let binh = tables.accounts.iter().find(|a| a.email.as_deref() == Some("binh@example.vn")).expect("account");
    assert_eq!((binh.kind.as_str(), binh.phone.as_deref()), ("citizen", Some("0912345678")));
    assert!(tables.role_grants.iter().any(|g| g.account_id == binh.id && g.role == "citizen" && g.unit_code == "46"));
}

#[test]
fn bad_input_is_refused_in_both_languages() {
    let site = Installation::new().with_demo();
    let short =
        site.run(&["user", "add", "--email", "x@example.vn", "--name", "X", "--password", "short"]).exit_code(1);
    assert!(
        short.stderr.contains("at least 10 characters") && short.stderr.contains("ít nhất 10 ký tự"),
        "{}",
        short.stderr
    );

    let taken = site
        .run(&["user", "add", "--email", "ADMIN@hue.demo", "--name", "X", "--password", "mot-mat-khau-dai"])
        .exit_code(1);
    assert!(taken.stderr.contains("this email address already exists"), "{}", taken.stderr);

    let role =
        site.run(&["user", "grant", "--email", "admin@hue.demo", "--role", "mayor", "--unit", "46"]).exit_code(1);
    assert!(role.stderr.contains("Unknown role"), "{}", role.stderr);

    let unit =
        site.run(&["user", "grant", "--email", "admin@hue.demo", "--role", "editor", "--unit", "99999"]).exit_code(1);
    assert!(unit.stderr.contains("no unit with code 99999"), "{}", unit.stderr);

    let nobody =
        site.run(&["user", "passwd", "--email", "nobody@hue.demo", "--password", "mot-mat-khau-dai"]).exit_code(1);
    assert!(nobody.stderr.contains("no account with email nobody@hue.demo"), "{}", nobody.stderr);
}
