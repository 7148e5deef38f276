//! `smartcity serve`: answers, then stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use smartcity_store::{OutboxStore, Store};

use crate::support::Installation;

/// `GET path` over a plain socket; returns the whole response.
fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn serve_with_demo_answers_healthz_and_stops_on_sigterm() {
    let site = Installation::new();
    let mut command = site.command(&["serve", "--demo", "--listen", "127.0.0.1:0"]);
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn smartcity serve");
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout");

    // Read the banner on a thread so a server that never starts fails the test instead of hanging it.
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let banner = lines_rx.recv_timeout(Duration::from_secs(60));
    let Ok(banner) = banner else {
        let _ = child.kill();
        panic!("smartcity serve printed nothing within 60 s");
    };
    let address = banner
        .strip_prefix("smartcity listening on http://")
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .to_owned();
    let table: Vec<String> =
        std::iter::from_fn(|| lines_rx.recv_timeout(Duration::from_secs(5)).ok()).take(9).collect();
    assert!(table.iter().any(|l| l.contains("admin@hue.demo") && l.contains("demo-admin-2026")), "{table:?}");

    let response = http_get(&address, "/healthz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    // The notification worker turns the demo dossiers' outbox events into mails within seconds.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let returned = |m: &smartcity_store::outbox::Mail| {
        m.to_address == smartcity::demo::CITIZEN_EMAIL && m.subject.contains("đã trả kết quả")
    };
    let mails = runtime.block_on(async {
        let store = Store::open_sqlite_in(&site.data_dir()).await.expect("open the served database");
        let mut mails = Vec::new();
        for _ in 0..150 {
            mails = store.list_mail(1000).await.expect("mail outbox");
            if mails.iter().any(returned) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        store.close().await;
        mails
    });
    assert!(mails.iter().any(returned), "{mails:?}");

    let killed = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill");
    assert!(killed.success());
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let status = done_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("smartcity serve stops within 30 s of SIGTERM")
        .expect("exit status");
    assert!(status.success(), "{status:?}");
}
