//! The portal's demo: a site for every unit, the city's news, notices, legal documents and its ND 42 pages, a few
//! articles on every ward site, a city article syndicated to all wards, a ward article accepted up to the city, the
//! heritage places of `hue-places.json` on their wards' sites, Q&A, and one flood warning for five wards in force
//! (with the demo citizen subscribed to one of them, so the mail outbox shows it). Also the bulk generator used by
//! `bench/portal.sh` (`smartcity demo --articles N`).

use anyhow::Context;
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use smartcity_domain::identity::{Email, Role};
use smartcity_domain::portal::{
    ArticleKind, ArticleStatus, EditorialState, LegalDocument, Severity, Validity, Warning, WarningArea, WarningKind,
};
use smartcity_domain::units::UnitCode;
use smartcity_store::identity::{AccountKind, NewAccount};
use smartcity_store::portal::{
    ArticleDraft, EventFacts, MenuItem, NewQuestion, PROPOSAL_ACCEPTED, PlaceFacts, PortalStore, SiteEdit,
    SiteSettings, WarningMail,
};
use smartcity_store::{AuditContext, IdentityStore, Store, UnitStore};

/// Heritage sites and other points of Huế (`shared/data/hue-places.json`).
const PLACES_JSON: &str = include_str!("../../seed/hue-places.json");

/// Phường Kim Long, the ward of the portal's demo editor and leader (and of Chùa Thiên Mụ).
pub const KIM_LONG: &str = "19774";

/// The portal's own demo logins: (role label, email, password, unit, role).
pub const PORTAL_ACCOUNTS: [(&str, &str, &str, &str, Role); 2] = [
    ("Editor, Kim Long", "editor.kimlong@hue.demo", "demo-editor-kimlong-2026", KIM_LONG, Role::Editor),
    ("Leader, Kim Long", "leader.kimlong@hue.demo", "demo-leader-kimlong-2026", KIM_LONG, Role::UnitLeader),
];

/// The five wards the demo flood warning covers (low-lying wards along the Perfume River).
pub const FLOODED_WARDS: [&str; 5] = ["19753", "19774", "19789", "19777", "19804"];

#[derive(Deserialize)]
struct PlacesSeed {
    places: Vec<PlaceSeed>,
}

#[derive(Deserialize)]
struct PlaceSeed {
    name_vi: String,
    name_en: String,
    kind: String,
    lat: f64,
    lon: f64,
    ward_code: String,
    description_vi: String,
    description_en: String,
}

fn code(s: &str) -> anyhow::Result<UnitCode> {
    Ok(UnitCode::parse(s)?)
}

fn draft(unit: &UnitCode, kind: ArticleKind, vi: (&str, &str, &str), en: (&str, &str, &str)) -> ArticleDraft {
    ArticleDraft {
        unit_code: unit.clone(),
        kind,
        page_key: String::new(),
        title_vi: vi.0.to_owned(),
        summary_vi: vi.1.to_owned(),
        body_vi: vi.2.to_owned(),
        title_en: en.0.to_owned(),
        summary_en: en.1.to_owned(),
        body_en: en.2.to_owned(),
        legal: None,
        event: None,
        place: None,
        attachment: None,
        image: None,
    }
}

/// Writes `d` and takes it through submission and approval (published `days_ago`).
async fn publish(store: &Store, ctx: &AuditContext, d: ArticleDraft, days_ago: i64) -> anyhow::Result<uuid::Uuid> {
    let a = store.create_article(ctx, None, d).await?;
    let submitted = EditorialState { status: ArticleStatus::Submitted, publish_at: None, return_comment: None };
    let a = store.set_article_state(ctx, a.id, a.updated_at, "submit", submitted).await?;
    let at = smartcity_store::now() - Duration::days(days_ago) - Duration::minutes(days_ago * 7);
    let published = EditorialState { status: ArticleStatus::Published, publish_at: Some(at), return_comment: None };
    store.set_article_state(ctx, a.id, a.updated_at, "approve", published).await?;
    Ok(a.id)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Loads the portal demo; returns how many articles it wrote.
pub async fn load(store: &Store, ctx: &AuditContext) -> anyhow::Result<usize> {
    store.sync_sites(ctx).await?;
    store.reindex_procedures(Utc::now().date_naive()).await?;
    let city = code(super::CITY_CODE)?;
    let kim_long = code(KIM_LONG)?;
    configure_sites(store, ctx, &city, &kim_long).await?;
    let mut n = 0;

    // ND 42/2022 Art. 4(1)(a) pages, in both languages.
    for (unit, name) in [(&city, "UBND thành phố Huế"), (&kim_long, "UBND phường Kim Long")] {
        for (key, vi, en) in [
            (
                "to-chuc",
                format!(
                    "<p>{name} gồm Chủ tịch, các Phó Chủ tịch và các cơ quan chuyên môn; thực hiện chức năng quản lý nhà nước trên địa bàn theo Luật Tổ chức chính quyền địa phương.</p>"
                ),
                format!(
                    "<p>The People's Committee ({name}) has a chair, vice-chairs and specialised offices, and runs state administration in its area under the Law on Local Government.</p>"
                ),
            ),
            (
                "lanh-dao",
                "<ul><li>Chủ tịch: (dữ liệu dùng thử)</li><li>Phó Chủ tịch: (dữ liệu dùng thử)</li></ul>".to_owned(),
                "<ul><li>Chair: (demo data)</li><li>Vice-chair: (demo data)</li></ul>".to_owned(),
            ),
            (
                "lien-he",
                "<p>Địa chỉ, điện thoại và thư điện tử của bộ phận tiếp nhận (dữ liệu dùng thử).</p>".to_owned(),
                "<p>Address, phone and email of the reception desk (demo data).</p>".to_owned(),
            ),
        ] {
            let (title_vi, title_en) = smartcity_web::portal::ABOUT_PAGES
                .iter()
                .find(|(k, _, _)| *k == key)
                .map_or((key, key), |(_, vi, en)| (*vi, *en));
            let mut d = draft(unit, ArticleKind::Page, (title_vi, "", &vi), (title_en, "", &en));
            d.page_key = key.to_owned();
            publish(store, ctx, d, 30).await?;
            n += 1;
        }
    }

    // The city portal: news, notices, documents, an event.
    let news = [
        (
            "Huế đón 5 triệu lượt khách du lịch trong năm",
            "Lượng khách đến Huế tăng mạnh nhờ các lễ hội bốn mùa.",
            "Huế welcomes five million visitors this year",
            "Visitor numbers rise thanks to the four-season festivals.",
        ),
        (
            "Khởi công cải tạo đường Lê Lợi ven sông Hương",
            "Tuyến đường được mở rộng vỉa hè và trồng thêm cây xanh.",
            "Work starts on Lê Lợi street along the Perfume River",
            "Wider pavements and more trees for the riverside street.",
        ),
        (
            "Thành phố triển khai nền tảng dịch vụ công trực tuyến",
            "Người dân nộp hồ sơ, theo dõi và nhận kết quả ngay trên điện thoại.",
            "The city launches its online public services",
            "Citizens submit, follow and receive their dossiers on their phones.",
        ),
        (
            "Hội nghị chuyển đổi số thành phố Huế",
            "Tổng kết một năm xây dựng đô thị thông minh.",
            "Huế digital transformation conference",
            "A year of building the smart city, reviewed.",
        ),
        (
            "Ra quân làm sạch bờ sông Hương",
            "Hơn 2.000 đoàn viên tham gia thu gom rác thải.",
            "Clean-up of the Perfume River banks",
            "More than 2,000 young volunteers collect litter.",
        ),
    ];
    let mut first_city_news = None;
    for (i, (tvi, svi, ten, sen)) in news.iter().enumerate() {
        let body_vi =
            format!("<p>{svi}</p><p>Thông tin chi tiết được cập nhật trên cổng thông tin điện tử thành phố.</p>");
        let body_en = format!("<p>{sen}</p><p>Details are published on the city portal.</p>");
        let id = publish(
            store,
            ctx,
            draft(&city, ArticleKind::News, (tvi, svi, &body_vi), (ten, sen, &body_en)),
            i as i64 + 1,
        )
        .await?;
        first_city_news.get_or_insert(id);
        n += 1;
    }
    // One city article shown on every ward site, from one source.
    if let Some(id) = first_city_news {
        store.set_article_syndicated(ctx, id, true).await?;
    }
    for (i, (tvi, ten)) in [
        ("Thông báo lịch tiếp công dân tháng 12", "Citizen reception schedule for December"),
        ("Thông báo tạm dừng cấp nước khu vực phía Nam sông Hương", "Water supply pause south of the Perfume River"),
        ("Thông báo thủ tục đăng ký kinh doanh hộ cá thể", "Notice on the procedure to register a household business"),
    ]
    .iter()
    .enumerate()
    {
        let body_vi = format!("<p>{tvi}. Người dân và tổ chức theo dõi thủ tục hành chính tại mục Dịch vụ công.</p>");
        let body_en = format!("<p>{ten}. See the public services section for the administrative procedures.</p>");
        publish(store, ctx, draft(&city, ArticleKind::Notice, (tvi, "", &body_vi), (ten, "", &body_en)), i as i64 + 2)
            .await?;
        n += 1;
    }
    for (number, issued, title_vi, title_en, field, expires) in [
        (
            "54/2023/QĐ-UBND",
            day(2023, 9, 30),
            "Quy chế hoạt động của Cổng thông tin điện tử",
            "Rules of the e-information portal",
            "Công nghệ thông tin",
            None,
        ),
        (
            "12/2026/QĐ-UBND",
            day(2026, 3, 2),
            "Quy định về quản lý vỉa hè trên địa bàn thành phố",
            "Rules on the use of pavements in the city",
            "Xây dựng – Đô thị",
            None,
        ),
        (
            "08/2020/QĐ-UBND",
            day(2020, 2, 10),
            "Quy định cũ về phí trông giữ xe",
            "Former rules on parking fees",
            "Tài chính",
            Some(day(2024, 1, 1)),
        ),
    ] {
        let mut d = draft(
            &city,
            ArticleKind::LegalDocument,
            (title_vi, "", &format!("<p>{title_vi} ({number}).</p>")),
            (title_en, "", &format!("<p>{title_en} ({number}).</p>")),
        );
        d.legal = Some(LegalDocument {
            number: number.to_owned(),
            issued_on: issued,
            issuer: "UBND tỉnh Thừa Thiên Huế / UBND thành phố Huế".to_owned(),
            field: field.to_owned(),
            effective_from: Some(issued + Duration::days(10)),
            expires_on: expires,
        });
        publish(store, ctx, d, 5).await?;
        n += 1;
    }
    let mut festival = draft(
        &city,
        ArticleKind::Event,
        (
            "Festival Huế 2026 – Lễ hội bốn mùa",
            "Chuỗi sự kiện văn hoá quanh năm.",
            "<p>Chương trình nghệ thuật tại Đại Nội.</p>",
        ),
        (
            "Huế Festival 2026 – four seasons",
            "Cultural events all year round.",
            "<p>Performances in the Imperial City.</p>",
        ),
    );
    festival.event = Some(EventFacts {
        starts_at: smartcity_store::now() + Duration::days(20),
        place: "Đại Nội Huế".to_owned(),
    });
    publish(store, ctx, festival, 1).await?;
    n += 1;

    // Every ward and commune: a couple of its own articles; one Kim Long article accepted up to the city.
    let today = Utc::now().date_naive();
    for unit in store.list_units().await? {
        if !matches!(unit.kind, smartcity_domain::units::UnitKind::Ward | smartcity_domain::units::UnitKind::Commune)
            || !unit.is_active_on(today)
        {
            continue;
        }
        let name = unit.name_vi.clone();
        let id = publish(
            store,
            ctx,
            draft(
                &unit.code,
                ArticleKind::News,
                (
                    &format!("{name} tổ chức ngày hội đại đoàn kết"),
                    "Bà con khu dân cư cùng tham gia.",
                    "<p>Hoạt động văn nghệ, thể thao.</p>",
                ),
                (
                    &format!("{} holds its community day", unit.name_en),
                    "Residents take part.",
                    "<p>Music and sports.</p>",
                ),
            ),
            3,
        )
        .await?;
        publish(
            store,
            ctx,
            draft(
                &unit.code,
                ArticleKind::Notice,
                (
                    &format!("{name}: lịch tiếp nhận hồ sơ tại bộ phận một cửa"),
                    "",
                    "<p>Sáng thứ bảy có tiếp nhận hồ sơ.</p>",
                ),
                (&format!("{}: one-stop desk opening hours", unit.name_en), "", "<p>Open on Saturday mornings.</p>"),
            ),
            2,
        )
        .await?;
        n += 2;
        if unit.code == kim_long {
            store.set_article_proposal(ctx, id, PROPOSAL_ACCEPTED).await?;
        }
    }

    // Heritage places on their wards' sites.
    let seed: PlacesSeed = serde_json::from_str(PLACES_JSON).context("seed/hue-places.json")?;
    for p in seed.places.iter().filter(|p| p.kind == "heritage") {
        let Ok(ward) = code(&p.ward_code) else { continue };
        if store.unit(&ward).await?.is_none() {
            continue;
        }
        let mut d = draft(
            &ward,
            ArticleKind::HeritagePlace,
            (&p.name_vi, &p.description_vi, &format!("<p>{}</p>", p.description_vi)),
            (&p.name_en, &p.description_en, &format!("<p>{}</p>", p.description_en)),
        );
        d.place = Some(PlaceFacts {
            lat: p.lat,
            lon: p.lon,
            opening_hours_vi: "Khoảng 7:00–17:30 hằng ngày (tham khảo, dữ liệu dùng thử)".to_owned(),
            opening_hours_en: "About 7am–5.30pm daily (indicative, demo data)".to_owned(),
        });
        publish(store, ctx, d, 10).await?;
        n += 1;
    }

    load_people_questions_and_warning(store, ctx, &city, &kim_long).await?;
    Ok(n)
}

async fn configure_sites(
    store: &Store,
    ctx: &AuditContext,
    city: &UnitCode,
    kim_long: &UnitCode,
) -> anyhow::Result<()> {
    for (unit, banner_vi, banner_en, intro_vi, intro_en, address, phone, email) in [
        (
            city,
            "Cổng thông tin điện tử thành phố Huế",
            "Huế City e-information portal",
            "Thông tin chỉ đạo, điều hành, văn bản, dịch vụ công và cảnh báo của thành phố Huế.",
            "Direction, documents, public services and warnings of Huế City.",
            "16 Lê Lợi, Phường Thuận Hóa, Thành phố Huế",
            "0234 3822 000",
            "ubnd@hue.gov.vn",
        ),
        (
            kim_long,
            "Phường Kim Long – nơi có chùa Thiên Mụ",
            "Kim Long Ward – home of Thiên Mụ Pagoda",
            "Tin tức, thông báo và hỏi đáp của Phường Kim Long.",
            "News, notices and Q&A of Kim Long Ward.",
            "Phường Kim Long, Thành phố Huế",
            "0234 3525 000",
            "kimlong@hue.gov.vn",
        ),
    ] {
        let Some(site) = store.site_of_unit(unit).await? else { continue };
        let slug = site.slug.as_str().to_owned();
        store
            .update_site(
                ctx,
                unit,
                SiteEdit {
                    slug: site.slug,
                    menu: vec![
                        MenuItem {
                            label_vi: "Dịch vụ công".to_owned(),
                            label_en: "Public services".to_owned(),
                            href: "/procedures".to_owned(),
                        },
                        MenuItem {
                            label_vi: "Liên hệ".to_owned(),
                            label_en: "Contacts".to_owned(),
                            href: format!("/{slug}/gioi-thieu/lien-he"),
                        },
                    ],
                    banner_vi: banner_vi.to_owned(),
                    banner_en: banner_en.to_owned(),
                    settings: SiteSettings {
                        address: address.to_owned(),
                        phone: phone.to_owned(),
                        email: email.to_owned(),
                        intro_vi: intro_vi.to_owned(),
                        intro_en: intro_en.to_owned(),
                    },
                },
            )
            .await?;
    }
    Ok(())
}

/// Kim Long's editor and leader, a question to each site (one answered), the citizen's subscription, the warning.
async fn load_people_questions_and_warning(
    store: &Store,
    ctx: &AuditContext,
    city: &UnitCode,
    kim_long: &UnitCode,
) -> anyhow::Result<()> {
    for (label, email, password, unit, role) in PORTAL_ACCOUNTS {
        let id = match store.account_for_login(email).await? {
            Some((a, _)) => a.id,
            None => {
                let hash = smartcity_web::passwords::hash_password(password.to_owned())
                    .await
                    .map_err(|e| anyhow::anyhow!("hashing a demo password: {e}"))?;
                let name = if role == Role::Editor { "Nguyễn Thị Lan" } else { "Trần Văn Minh" };
                let account = store
                    .create_account(
                        ctx,
                        NewAccount {
                            kind: AccountKind::Staff,
                            display_name: format!("{name} ({label})"),
                            email: Some(Email::parse(email)?),
                            phone: None,
                            citizen_id: None,
                            password_hash: hash,
                        },
                    )
                    .await?;
                account.id
            }
        };
        let unit = code(unit)?;
        if !store.grants_of(id).await?.iter().any(|g| g.role == role && g.unit_code == unit.as_str()) {
            store.grant_role(ctx, id, role, &unit).await?;
        }
    }
    let Some((citizen, _)) = store.account_for_login(super::CITIZEN_EMAIL).await? else { return Ok(()) };
    let calendar =
        smartcity_domain::calendar::WorkingCalendar::new(smartcity_store::CalendarStore::day_adjustments(store).await?);
    let due_at = smartcity_domain::portal::question_due_at(&calendar, Utc::now());
    let initials = smartcity_domain::portal::asker_initials(&citizen.display_name);
    let answered = store
        .ask_question(
            ctx,
            NewQuestion {
                unit_code: kim_long.clone(),
                asker_id: citizen.id,
                asker_initials: initials.clone(),
                title: "Thủ tục đăng ký tạm trú cho sinh viên".to_owned(),
                body: "Sinh viên thuê trọ ở Kim Long cần giấy tờ gì để đăng ký tạm trú?".to_owned(),
                due_at,
            },
        )
        .await?;
    store
        .answer_question(
            ctx,
            answered.id,
            "Sinh viên cần căn cước và hợp đồng thuê nhà; có thể nộp trực tuyến trên cổng dịch vụ công.",
            citizen.id,
            "/phuong-kim-long/hoi-dap",
        )
        .await?;
    store
        .ask_question(
            ctx,
            NewQuestion {
                unit_code: city.clone(),
                asker_id: citizen.id,
                asker_initials: initials,
                title: "Lịch thu gom rác dịp Tết".to_owned(),
                body: "Dịp Tết Nguyên đán, lịch thu gom rác ở các phường có thay đổi không?".to_owned(),
                due_at,
            },
        )
        .await?;
    // The citizen follows Phú Xuân, one of the flooded wards, so the warning below reaches the mail outbox.
    store.subscribe_warnings(ctx, citizen.id, &code(super::DEMO_WARD_CODE)?).await?;
    let now = smartcity_store::now();
    let wards = FLOODED_WARDS.iter().map(|c| code(c)).collect::<anyhow::Result<Vec<_>>>()?;
    let warning = Warning {
        kind: WarningKind::Flood,
        severity: Severity::Severe,
        area: WarningArea::wards(wards)?,
        validity: Validity::new(now - Duration::hours(1), now + Duration::days(7))?,
        headline_vi: "Cảnh báo ngập lụt vùng trũng ven sông Hương".to_owned(),
        headline_en: "Flood warning for low-lying areas along the Perfume River".to_owned(),
        description_vi:
            "Mực nước sông Hương tại trạm Kim Long vượt báo động 2. Hạn chế đi lại qua các tuyến đường ngập sâu."
                .to_owned(),
        description_en: "The Perfume River at the Kim Long gauge is above alarm level 2. Avoid deeply flooded roads."
            .to_owned(),
        cancelled_at: None,
    };
    let mail = WarningMail {
        subject: format!("[Cảnh báo / Warning] {} / {}", warning.headline_vi, warning.headline_en),
        body: format!("{}\n\n{}", warning.description_vi, warning.description_en),
    };
    store.create_warning(ctx, &warning, None, &mail).await?;
    Ok(())
}

/// Words the generated articles are made of, so that searches hit a realistic share of the documents.
const WORDS: &[&str] = &[
    "đường",
    "thủ tục",
    "hành chính",
    "phường",
    "xã",
    "người dân",
    "ngập",
    "lụt",
    "sông Hương",
    "di tích",
    "lễ hội",
    "cấp phép",
    "xây dựng",
    "giáo dục",
    "y tế",
    "môi trường",
    "giao thông",
    "du lịch",
    "văn hoá",
    "đất đai",
    "hộ tịch",
    "khai sinh",
    "kinh doanh",
    "thuế",
    "nông nghiệp",
    "chợ",
    "trường học",
    "bệnh viện",
    "cầu",
    "điện",
    "nước sạch",
    "rác thải",
    "cây xanh",
    "an ninh",
    "trật tự",
    "Đại Nội",
    "Kim Long",
    "Thuận Hóa",
    "Phú Xuân",
    "lăng",
];

/// Writes `count` published articles spread over every ward site and the city, made of [`WORDS`], for the portal
/// benchmark. Returns how many were written and how long it took.
pub async fn generate_articles(store: &Store, count: u64) -> anyhow::Result<(u64, std::time::Duration)> {
    use rand::seq::IndexedRandom;
    use rand::{Rng, SeedableRng};
    let started = std::time::Instant::now();
    let ctx = AuditContext::system("demo");
    store.sync_sites(&ctx).await?;
    let units: Vec<UnitCode> = store.sites().await?.into_iter().map(|s| s.unit_code).collect();
    let kinds =
        [ArticleKind::News, ArticleKind::News, ArticleKind::Notice, ArticleKind::Event, ArticleKind::LegalDocument];
    let mut rng = rand::rngs::StdRng::seed_from_u64(count);
    let mut written = 0u64;
    while written < count {
        let batch = (count - written).min(1000);
        let mut drafts = Vec::with_capacity(batch as usize);
        for i in 0..batch {
            let unit = units.choose(&mut rng).cloned().unwrap_or(UnitCode::parse(super::CITY_CODE)?);
            let mut kind = *kinds.choose(&mut rng).unwrap_or(&ArticleKind::News);
            if kind == ArticleKind::Event {
                kind = ArticleKind::News;
            }
            let words = |rng: &mut rand::rngs::StdRng, n: usize| {
                (0..n).map(|_| *WORDS.choose(rng).unwrap_or(&"tin")).collect::<Vec<_>>().join(" ")
            };
            let title = format!("{} {}", words(&mut rng, 5), written + i);
            let body = format!("<p>{}.</p><p>{}.</p>", words(&mut rng, 30), words(&mut rng, 30));
            let mut d = draft(&unit, kind, (&title, "", &body), ("", "", ""));
            if kind == ArticleKind::LegalDocument {
                d.legal = Some(LegalDocument {
                    number: format!("{}/2026/QĐ-UBND", rng.random_range(1..999)),
                    issued_on: day(2026, rng.random_range(1..12), rng.random_range(1..28)),
                    issuer: "UBND thành phố Huế".to_owned(),
                    field: words(&mut rng, 2),
                    effective_from: None,
                    expires_on: None,
                });
            }
            drafts.push(d);
        }
        let at = smartcity_store::now() - Duration::minutes(rng.random_range(1..500_000));
        store.bulk_publish_articles(&ctx, &drafts, at).await?;
        written += batch;
    }
    Ok((written, started.elapsed()))
}
