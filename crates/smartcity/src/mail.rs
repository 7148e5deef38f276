//! Notification mail over SMTP. The outbox worker writes every notification to `mail_outbox` first (so
//! nothing is lost when the relay is down and administrators can read mail without a relay); when
//! `smtp_url` is configured, [`send_pending`] hands the unsent ones to the relay and marks each one sent
//! only after the relay accepted it — a crash in between sends a mail twice rather than never.

use std::str::FromStr;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use smartcity_store::{OutboxStore, Store};

/// Whether `url` is an SMTP relay address lettre can use (`smtp://`, `smtps://`, with host).
pub fn valid_relay_url(url: &str) -> bool {
    (url.starts_with("smtp://") || url.starts_with("smtps://"))
        && AsyncSmtpTransport::<Tokio1Executor>::from_url(url).is_ok()
}

/// Whether `text` is a mailbox such as `Huế Smart City <no-reply@hue.gov.vn>`.
pub fn valid_mailbox(text: &str) -> bool {
    Mailbox::from_str(text).is_ok()
}

/// A configured relay and the sender it writes as.
#[derive(Clone)]
pub struct SmtpRelay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpRelay {
    /// The relay at `url` (checked by the configuration already) sending as `from`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("smtp_url cannot be used: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from: Mailbox::from_str(from)? })
    }
}

/// Outcome of one delivery round.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Mails the relay accepted.
    pub sent: usize,
    /// Mails whose address the relay or lettre refused for good; marked failed, out of the queue.
    pub rejected: usize,
}

/// Send up to `limit` unsent mails, oldest first. A relay that cannot be reached ends the round early
/// (the next round retries); a mail the relay refuses permanently is marked failed for administrators.
pub async fn send_pending(store: &Store, relay: &SmtpRelay, limit: i64) -> anyhow::Result<Round> {
    let mut round = Round::default();
    for mail in store.unsent_mail(limit).await? {
        let to = match Mailbox::from_str(&mail.to_address) {
            Ok(to) => to,
            Err(err) => {
                tracing::warn!(mail = %mail.id, error = %err, "mail address cannot be sent to");
                store.mark_mail_failed(mail.id, &format!("invalid address: {err}")).await?;
                round.rejected += 1;
                continue;
            }
        };
        let message = Message::builder()
            .from(relay.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())?;
        match relay.transport.send(message).await {
            Ok(_) => {
                store.mark_mail_sent(mail.id).await?;
                round.sent += 1;
            }
            Err(err) if err.is_permanent() => {
                tracing::warn!(mail = %mail.id, error = %err, "the SMTP relay refused a mail");
                store.mark_mail_failed(mail.id, &err.to_string()).await?;
                round.rejected += 1;
            }
            Err(err) => {
                tracing::warn!(error = %err, "the SMTP relay cannot be reached; retrying later");
                break;
            }
        }
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use smartcity_store::testing::fresh_store;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use super::*;

    /// What the fake relay saw: one entry per accepted mail, its recipients and raw data.
    type Inbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

    /// A minimal SMTP relay on loopback that accepts everything except recipients starting with
    /// `refuse`, which it rejects permanently (550).
    async fn fake_relay() -> (String, Inbox) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("smtp://{}", listener.local_addr().expect("address"));
        let inbox: Inbox = Arc::default();
        let seen = inbox.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 fake.relay ESMTP\r\n").await;
                    let (mut rcpt, mut data, mut in_data) = (Vec::new(), String::new(), false);
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if line == "." {
                                in_data = false;
                                seen.lock()
                                    .expect("inbox")
                                    .push((std::mem::take(&mut rcpt), std::mem::take(&mut data)));
                                let _ = write.write_all(b"250 queued\r\n").await;
                            } else {
                                data.push_str(&line);
                                data.push('\n');
                            }
                            continue;
                        }
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            b"250 fake.relay\r\n"
                        } else if upper.starts_with("RCPT TO:<REFUSE") {
                            b"550 no such user\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            rcpt.push(line[8..].trim().to_owned());
                            b"250 ok\r\n"
                        } else if upper.starts_with("DATA") {
                            in_data = true;
                            b"354 go ahead\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 ok\r\n"
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        (url, inbox)
    }

    #[tokio::test]
    async fn unsent_mails_go_to_the_relay_once_and_are_marked_sent() {
        let store = fresh_store().await;
        store
            .queue_mail("dan@example.vn", "Hồ sơ đã được tiếp nhận", "Kính gửi ông/bà, hồ sơ H57 đã được tiếp nhận.")
            .await
            .expect("queue");
        store.queue_mail("hoa@example.vn", "Kết quả", "Đã có kết quả.").await.expect("queue");
        let (url, inbox) = fake_relay().await;
        let relay = SmtpRelay::new(&url, crate::config::DEFAULT_MAIL_FROM).expect("relay");
        let round = send_pending(&store, &relay, 10).await.expect("round");
        assert_eq!(round, Round { sent: 2, rejected: 0 });
        {
            let inbox = inbox.lock().expect("inbox");
            let recipients: Vec<&str> = inbox.iter().map(|(r, _)| r[0].as_str()).collect();
            assert_eq!(recipients, ["<dan@example.vn>", "<hoa@example.vn>"], "oldest first");
            assert!(inbox[0].1.contains("no-reply@hue.gov.vn"), "From header: {}", inbox[0].1);
            assert!(inbox[0].1.contains("Subject: =?utf-8?"), "Vietnamese subject encoded: {}", inbox[0].1);
        }
        assert!(store.unsent_mail(10).await.expect("unsent").is_empty());
        assert!(store.list_mail(10).await.expect("mail").iter().all(|m| m.sent_at.is_some()));
        // A second round sends nothing again.
        assert_eq!(send_pending(&store, &relay, 10).await.expect("round"), Round::default());
        assert_eq!(inbox.lock().expect("inbox").len(), 2);
    }

    #[tokio::test]
    async fn a_refused_address_is_skipped_and_a_relay_that_is_down_keeps_mail_for_later() {
        let store = fresh_store().await;
        store.queue_mail("refuse@example.vn", "A", "a").await.expect("queue");
        store.queue_mail("ok@example.vn", "B", "b").await.expect("queue");
        // Nobody listens on this port: the round stops, nothing is marked sent.
        let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let down = format!("smtp://{}", closed.local_addr().expect("address"));
        drop(closed);
        let relay = SmtpRelay::new(&down, crate::config::DEFAULT_MAIL_FROM).expect("relay");
        assert_eq!(send_pending(&store, &relay, 10).await.expect("round"), Round::default());
        assert_eq!(store.unsent_mail(10).await.expect("unsent").len(), 2);
        // Back up: the refused address is marked failed (out of the queue, shown to administrators), the other goes.
        let (url, inbox) = fake_relay().await;
        let relay = SmtpRelay::new(&url, crate::config::DEFAULT_MAIL_FROM).expect("relay");
        assert_eq!(send_pending(&store, &relay, 10).await.expect("round"), Round { sent: 1, rejected: 1 });
        assert_eq!(inbox.lock().expect("inbox").len(), 1);
        assert!(store.unsent_mail(10).await.expect("unsent").is_empty(), "a refused mail no longer blocks the queue");
        let mails = store.list_mail(10).await.expect("mail");
        let refused = mails.iter().find(|m| m.to_address == "refuse@example.vn").expect("kept");
        assert!(refused.sent_at.is_none() && refused.failed_at.is_some());
        assert!(
            refused.failure.as_deref().is_some_and(|f| f.contains("550") || f.contains("no such user")),
            "{refused:?}"
        );
    }

    #[test]
    fn relay_urls_and_senders_are_checked() {
        assert!(valid_relay_url("smtp://127.0.0.1:25"));
        assert!(valid_relay_url("smtps://user:secret@mail.hue.gov.vn:465"));
        assert!(!valid_relay_url("http://mail.hue.gov.vn"));
        assert!(!valid_relay_url("mail.hue.gov.vn"));
        assert!(valid_mailbox(crate::config::DEFAULT_MAIL_FROM));
        assert!(!valid_mailbox("not a mailbox"));
    }
}
