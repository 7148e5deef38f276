//! Demo dossiers in every one of the ten statuses, filed by the demo citizen in Phường Phú Xuân,
//! plus a few walk-in and postal dossiers received at the desk. They are built through the web
//! layer's own submission and workflow functions, so each carries the forms, events, audit
//! records and notifications a real one would.
//!
//! Each scenario is submitted with an idempotency key of its own and its history counts the
//! actions already taken, so a load that stopped half-way carries on where it stopped.

use std::collections::BTreeMap;

use anyhow::Context;
use smartcity_domain::dossiers::{Channel, Delivery, DossierAction, Rating};
use smartcity_store::dossiers::{DocumentSource, Dossier, NewDocument};
use smartcity_store::identity::Account;
use smartcity_store::{AuditContext, DossierStore, IdentityStore, Store};
use smartcity_web::dossiers::submit::{self, Applicant, SubmissionInput};
use smartcity_web::dossiers::workflow;
use smartcity_web::shell::auth::{AuthVia, CurrentUser, Identity};
use smartcity_web::{AppState, WebConfig};

use super::catalogue::BIRTH_REGISTRATION;
use super::{CITIZEN_EMAIL, DEMO_WARD_CODE};

/// A move of a scenario; who makes it follows from the action.
#[derive(Debug, Clone, Copy)]
enum Move {
    Accept,
    Refuse,
    RequestSupplement,
    StartProcessing,
    CompleteStep,
    RequestPayment,
    ConfirmPayment,
    /// The leader approves and attaches the electronic result.
    Approve,
    /// The specialist records the result (with its file) as ready at the desk.
    MarkProcessed,
    Stop,
    Withdraw,
    ReturnResult(Delivery),
    Rate(Rating),
}

/// Who files the dossier.
#[derive(Debug, Clone, Copy)]
enum Filer {
    /// The demo citizen, online.
    Citizen,
    /// Someone without an account, at the desk or by post: name, ID number, phone.
    WalkIn(&'static str, &'static str, &'static str),
}

struct Scenario {
    /// Idempotency key suffix, unique per filer.
    key: &'static str,
    procedure: &'static str,
    channel: Channel,
    filer: Filer,
    request: &'static str,
    steps: &'static [Move],
}

use Move as S;

const RECEIVED: &[Move] = &[S::Accept, S::StartProcessing, S::CompleteStep, S::Approve];

const SCENARIOS: &[Scenario] = &[
    Scenario {
        key: "submitted",
        procedure: BIRTH_REGISTRATION,
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "",
        steps: &[],
    },
    Scenario {
        key: "accepted",
        procedure: "1.004194",
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "Đăng ký tạm trú tại 25 Đinh Tiên Hoàng, Phường Phú Xuân, thời hạn 12 tháng.",
        steps: &[S::Accept],
    },
    Scenario {
        key: "refused",
        procedure: "1.000894",
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "Đăng ký kết hôn với bà Trần Thị Mai, thường trú tại Phường Thuận Hóa.",
        steps: &[S::Refuse],
    },
    Scenario {
        key: "processing",
        procedure: "1.004873",
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "Xác nhận tình trạng hôn nhân để làm thủ tục mua nhà.",
        steps: &[S::Accept, S::StartProcessing],
    },
    Scenario {
        key: "supplement",
        procedure: BIRTH_REGISTRATION,
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "",
        steps: &[S::RequestSupplement],
    },
    Scenario {
        key: "payment",
        procedure: "2.000635",
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "Cấp 02 bản sao trích lục khai sinh của ông Nguyễn Văn An.",
        steps: &[S::Accept, S::StartProcessing, S::RequestPayment],
    },
    Scenario {
        key: "withdrawn",
        procedure: "1.004222",
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "Đăng ký thường trú vào hộ gia đình bà Lê Thị Hạnh.",
        steps: &[S::Withdraw],
    },
    Scenario {
        key: "stopped",
        procedure: "1.001612",
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "Đăng ký hộ kinh doanh quán cà phê tại 8 Lê Duẩn.",
        steps: &[S::Accept, S::StartProcessing, S::Stop],
    },
    Scenario {
        key: "processed",
        procedure: BIRTH_REGISTRATION,
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "",
        steps: RECEIVED,
    },
    Scenario {
        key: "returned",
        procedure: BIRTH_REGISTRATION,
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "",
        steps: &[
            S::Accept,
            S::StartProcessing,
            S::CompleteStep,
            S::Approve,
            S::ReturnResult(Delivery::Online),
            S::Rate(Rating::Satisfied),
        ],
    },
    Scenario {
        key: "returned-copy",
        procedure: "2.000635",
        channel: Channel::Online,
        filer: Filer::Citizen,
        request: "Cấp 01 bản sao trích lục kết hôn.",
        steps: &[
            S::Accept,
            S::StartProcessing,
            S::RequestPayment,
            S::ConfirmPayment,
            S::Approve,
            S::ReturnResult(Delivery::Online),
            S::Rate(Rating::Acceptable),
        ],
    },
    Scenario {
        key: "counter-signature",
        procedure: "2.000884",
        channel: Channel::Counter,
        filer: Filer::WalkIn("Trần Văn Bảo", "046085012345", "0914222333"),
        request: "Chứng thực chữ ký trên giấy ủy quyền nhận lương hưu.",
        steps: &[S::Accept, S::StartProcessing, S::MarkProcessed, S::ReturnResult(Delivery::InPerson)],
    },
    Scenario {
        key: "counter-copy",
        procedure: "2.000815",
        channel: Channel::Counter,
        filer: Filer::WalkIn("Lê Thị Cúc", "046192004321", "0935111222"),
        request: "Chứng thực 03 bản sao bằng tốt nghiệp đại học.",
        steps: &[S::Accept, S::StartProcessing, S::MarkProcessed, S::ReturnResult(Delivery::InPerson)],
    },
    Scenario {
        key: "post-residence",
        procedure: "1.004194",
        channel: Channel::Post,
        filer: Filer::WalkIn("Phan Minh Đức", "046201003456", "0983444555"),
        request: "Đăng ký tạm trú cho sinh viên tại 3 Nguyễn Huệ.",
        steps: &[S::Accept, S::StartProcessing, S::CompleteStep, S::Approve, S::ReturnResult(Delivery::Post)],
    },
    Scenario {
        key: "counter-building",
        procedure: "1.013225",
        channel: Channel::Counter,
        filer: Filer::WalkIn("Hồ Thị Lan", "046178009876", "0905777888"),
        request: "Cấp giấy phép xây dựng nhà ở riêng lẻ 3 tầng tại 41 Trần Hưng Đạo.",
        steps: &[S::Accept, S::StartProcessing, S::CompleteStep],
    },
    Scenario {
        key: "counter-waiting",
        procedure: "1.000656",
        channel: Channel::Counter,
        filer: Filer::WalkIn("Nguyễn Thị Hoa", "046165002468", "0916333444"),
        request: "Đăng ký khai tử cho ông Nguyễn Văn Lộc.",
        steps: &[],
    },
];

/// The accounts that act in the scenarios.
struct Actors {
    citizen: CurrentUser,
    reception: CurrentUser,
    processing: CurrentUser,
    leader: CurrentUser,
}

async fn current_user(store: &Store, email: &str) -> anyhow::Result<CurrentUser> {
    let (account, _) = store.account_for_login(email).await?.with_context(|| format!("the demo account {email}"))?;
    Ok(as_user(account))
}

fn as_user(account: Account) -> CurrentUser {
    CurrentUser(Identity { account, via: AuthVia::Session { id_hash: String::new() } })
}

/// A small file that passes the content check, different for every scenario and document.
fn fake_pdf(scenario: &str, what: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% demo\n% {scenario} {what}\n%%EOF\n").into_bytes()
}

/// Submit every scenario that is not there yet and take the actions it still lacks. Returns how
/// many actions were taken now.
pub(super) async fn load(store: &Store) -> anyhow::Result<usize> {
    let state = AppState::new(store.clone(), WebConfig::default());
    let actors = Actors {
        citizen: current_user(store, CITIZEN_EMAIL).await?,
        reception: current_user(store, "reception@hue.demo").await?,
        processing: current_user(store, "processing@hue.demo").await?,
        leader: current_user(store, "leader@hue.demo").await?,
    };
    let mut taken = 0;
    for scenario in SCENARIOS {
        taken += run_scenario(&state, &actors, scenario)
            .await
            .with_context(|| format!("demo dossier \"{}\"", scenario.key))?;
    }
    Ok(taken)
}

async fn run_scenario(state: &AppState, actors: &Actors, scenario: &Scenario) -> anyhow::Result<usize> {
    let store = &state.store;
    let procedure = workflow::procedure_in_force(state, scenario.procedure).await?;
    let mut input = SubmissionInput {
        unit_code: Some(DEMO_WARD_CODE.to_owned()),
        idempotency_key: Some(format!("demo-{}", scenario.key)),
        ..Default::default()
    };
    if procedure.code == BIRTH_REGISTRATION {
        input.form = BTreeMap::from([
            ("child_name".to_owned(), "Nguyễn Minh Khang".to_owned()),
            ("birth_date".to_owned(), "2026-11-02".to_owned()),
            ("gender".to_owned(), "Nam".to_owned()),
            ("birth_place".to_owned(), "Bệnh viện Trung ương Huế".to_owned()),
            ("father_name".to_owned(), "Nguyễn Văn An".to_owned()),
            ("mother_name".to_owned(), "Trần Thị Mai".to_owned()),
        ]);
    } else {
        input.form = BTreeMap::from([("request".to_owned(), scenario.request.to_owned())]);
    }
    for doc in procedure.documents.iter().filter(|d| d.required) {
        let file_name = format!("{}-{}.pdf", scenario.key, doc.key);
        input.uploads.insert(doc.key.clone(), (file_name, fake_pdf(scenario.key, &doc.key)));
    }
    let (applicant, created_by, ctx) = match scenario.filer {
        Filer::Citizen => {
            let account = &actors.citizen.0.account;
            (Applicant::from_account(account), None, AuditContext::account(account.id, None))
        }
        Filer::WalkIn(name, citizen_id, phone) => {
            let officer = actors.reception.id();
            let applicant = Applicant {
                account: None,
                name: name.to_owned(),
                citizen_id: Some(citizen_id.to_owned()),
                contact: phone.to_owned(),
            };
            (applicant, Some(officer), AuditContext::account(officer, None))
        }
    };
    let mut dossier = submit::submit(state, &ctx, &procedure, applicant, scenario.channel, created_by, input).await?;
    // The first event is the submission; every further one is a step of this scenario.
    let done = store.dossier_events(dossier.id).await?.len().saturating_sub(1);
    let mut taken = 0;
    for (index, step) in scenario.steps.iter().enumerate().skip(done) {
        let (user, action, documents) = action_for(actors, scenario, &dossier, *step, index);
        dossier = workflow::perform(state, user, None, &dossier, action, documents)
            .await
            .with_context(|| format!("step {} ({step:?})", index + 1))?;
        taken += 1;
    }
    Ok(taken)
}

/// Who takes `step` on `dossier`, as which action, with which files.
fn action_for<'a>(
    actors: &'a Actors,
    scenario: &Scenario,
    dossier: &Dossier,
    step: Move,
    index: usize,
) -> (&'a CurrentUser, DossierAction, Vec<NewDocument>) {
    let applicant = match scenario.filer {
        Filer::Citizen => &actors.citizen,
        // The desk acts for an applicant who has no account.
        Filer::WalkIn(..) => &actors.reception,
    };
    let result = || {
        vec![NewDocument {
            document_key: "result".into(),
            title: format!("Kết quả hồ sơ {}", dossier.code),
            copy_kind: 2,
            source: DocumentSource::Upload {
                file_name: format!("ket-qua-{}.pdf", scenario.key),
                content_type: "application/pdf".into(),
                bytes: fake_pdf(scenario.key, &format!("result {index}")),
            },
        }]
    };
    match step {
        S::Accept => (&actors.reception, DossierAction::Accept, vec![]),
        S::Refuse => (
            &actors.reception,
            DossierAction::Refuse {
                reason: "Bên nữ chưa đủ tuổi kết hôn theo Điều 8 Luật Hôn nhân và gia đình 2014.".into(),
            },
            vec![],
        ),
        S::RequestSupplement => (
            &actors.reception,
            DossierAction::RequestSupplement {
                reason: "Giấy chứng sinh tải lên không đọc được.".into(),
                items: vec!["Bản chụp rõ nét Giấy chứng sinh do Bệnh viện Trung ương Huế cấp".into()],
            },
            vec![],
        ),
        S::StartProcessing => (&actors.processing, DossierAction::StartProcessing, vec![]),
        S::CompleteStep => (
            &actors.processing,
            DossierAction::CompleteStep { note: Some("Hồ sơ hợp lệ, trình lãnh đạo ký.".into()) },
            vec![],
        ),
        S::RequestPayment => (&actors.processing, DossierAction::RequestPayment, vec![]),
        S::ConfirmPayment => (&actors.reception, DossierAction::ConfirmPayment, vec![]),
        S::Approve => (&actors.leader, DossierAction::Approve, result()),
        S::MarkProcessed => (
            &actors.processing,
            DossierAction::MarkProcessed { result_note: Some("Đã chứng thực, vào sổ chứng thực.".into()) },
            result(),
        ),
        S::Stop => (
            &actors.leader,
            DossierAction::Stop {
                reason: "Địa điểm kinh doanh nằm trong khu vực cấm theo quy hoạch.".into()
            },
            vec![],
        ),
        S::Withdraw => {
            (applicant, DossierAction::Withdraw { reason: "Gia đình đã chọn nơi thường trú khác.".into() }, vec![])
        }
        S::ReturnResult(delivery) => (&actors.reception, DossierAction::ReturnResult { delivery }, vec![]),
        S::Rate(rating) => (
            applicant,
            DossierAction::Rate { rating, comment: Some("Cán bộ hướng dẫn tận tình, đúng hẹn.".into()) },
            vec![],
        ),
    }
}

#[cfg(test)]
mod tests {
    use smartcity_domain::dossiers::{DossierFacts, DossierStatus, transition};

    use super::*;

    /// The status each scenario ends in, by walking its steps through the state machine.
    fn final_status(scenario: &Scenario) -> DossierStatus {
        let mut status = DossierStatus::Submitted;
        let mut facts = DossierFacts::new(chrono::Utc::now());
        facts.step_count = 2;
        facts.has_result = true;
        for step in scenario.steps {
            let action = match step {
                S::Accept => DossierAction::Accept,
                S::Refuse => DossierAction::Refuse { reason: "x".into() },
                S::RequestSupplement => {
                    DossierAction::RequestSupplement { reason: "x".into(), items: vec!["y".into()] }
                }
                S::StartProcessing => DossierAction::StartProcessing,
                S::CompleteStep => DossierAction::CompleteStep { note: None },
                S::RequestPayment => DossierAction::RequestPayment,
                S::ConfirmPayment => DossierAction::ConfirmPayment,
                S::Approve => DossierAction::Approve,
                S::MarkProcessed => DossierAction::MarkProcessed { result_note: None },
                S::Stop => DossierAction::Stop { reason: "x".into() },
                S::Withdraw => DossierAction::Withdraw { reason: "x".into() },
                S::ReturnResult(delivery) => DossierAction::ReturnResult { delivery: *delivery },
                S::Rate(rating) => DossierAction::Rate { rating: *rating, comment: None },
            };
            let t =
                transition(status, &action, &facts).unwrap_or_else(|e| panic!("{} {step:?}: {}", scenario.key, e.en));
            if let Some(next) = t.next_step {
                facts.current_step = next;
            }
            facts.accepted |= matches!(step, S::Accept);
            status = t.to;
        }
        status
    }

    #[test]
    fn the_scenarios_end_in_every_status_and_their_keys_are_unique() {
        let statuses: Vec<_> = SCENARIOS.iter().map(final_status).collect();
        for status in DossierStatus::ALL {
            assert!(statuses.contains(status), "no demo dossier ends in {status}");
        }
        let mut keys: Vec<_> = SCENARIOS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SCENARIOS.len());
    }
}
