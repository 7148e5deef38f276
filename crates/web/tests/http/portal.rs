//! `portal` through the router: the editorial workflow with the roles that may and may not act, sanitising on save,
//! slug clashes, warning banners on the covered wards only, the search box's folding and bad input, Q&A privacy.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use smartcity_domain::identity::Role;
use smartcity_store::{DossierStore, PortalStore};

use crate::app::{Session, TestApp, WARD_A, WARD_B};

const BOUNDARY: &str = "----portal-test-boundary";

/// A multipart body of text fields and (name, file name, bytes) files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    session: &Session,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> crate::app::TestResponse {
    // As the page does: file uploads carry the CSRF token in the action URL.
    let req = Request::post(format!("{path}?_csrf={}", session.csrf))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .header(header::COOKIE, &session.cookie)
        .body(Body::from(multipart(fields, files)))
        .unwrap();
    app.send(req).await
}

/// The article id in a `/bien-tap/bai-viet/{id}` redirect.
fn article_id(location: &str) -> String {
    location.trim_start_matches("/bien-tap/bai-viet/").split('?').next().unwrap().to_owned()
}

struct Newsroom {
    app: TestApp,
    editor: Session,
    leader: Session,
}

async fn newsroom() -> Newsroom {
    let app = TestApp::new().await;
    app.staff("editor@phuxuan.vn", &[(Role::Editor, WARD_A)]).await;
    app.staff("leader@phuxuan.vn", &[(Role::UnitLeader, WARD_A)]).await;
    let editor = app.login("editor@phuxuan.vn").await;
    let leader = app.login("leader@phuxuan.vn").await;
    Newsroom { app, editor, leader }
}

/// The editor writes a news draft; returns its id.
async fn draft(n: &Newsroom, title: &str, body: &str) -> String {
    let r = post_multipart(
        &n.app,
        &format!("/bien-tap/don-vi/{WARD_A}/moi"),
        &n.editor,
        &[("kind", "news"), ("title_vi", title), ("body_vi", body), ("summary_vi", "Tóm tắt")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    article_id(r.location().unwrap())
}

async fn act(n: &Newsroom, who: &Session, id: &str, fields: &[(&str, &str)]) -> crate::app::TestResponse {
    n.app.post_form(&format!("/bien-tap/bai-viet/{id}/thao-tac"), Some(who), fields).await
}

#[tokio::test]
async fn an_editor_drafts_the_leader_approves_and_the_article_reaches_the_ward_and_the_city_feed() {
    let n = newsroom().await;
    let id = draft(&n, "Phường Phú Xuân ra quân dọn vệ sinh", "<p>Sáng chủ nhật</p>").await;
    assert!(!n.app.get("/phuong-phu-xuan/", None).await.body.contains("ra quân dọn vệ sinh"), "a draft is private");
    assert_eq!(n.app.get(&format!("/phuong-phu-xuan/bai-viet/{id}"), None).await.status, StatusCode::NOT_FOUND);

    // The editor may not approve; an unknown action is a clear error.
    assert_eq!(act(&n, &n.editor, &id, &[("action", "submit")]).await.status, StatusCode::SEE_OTHER);
    let r = act(&n, &n.editor, &id, &[("action", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Lãnh đạo") || r.body.contains("không được"), "{}", r.body);
    assert_eq!(act(&n, &n.leader, &id, &[("action", "fly")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Returning needs a comment.
    assert_eq!(
        act(&n, &n.leader, &id, &[("action", "return"), ("comment", " ")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(act(&n, &n.leader, &id, &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);

    let ward = n.app.get("/phuong-phu-xuan/", None).await;
    assert_eq!(ward.status, StatusCode::OK);
    assert!(ward.body.contains("ra quân dọn vệ sinh"));
    let city = n.app.get("/thanh-pho-hue/tu-cac-phuong", None).await;
    assert!(city.body.contains("ra quân dọn vệ sinh"), "the city's feed of its wards");
    assert!(n.app.get("/thanh-pho-hue/", None).await.body.contains("ra quân dọn vệ sinh"));
    assert!(!n.app.get("/phuong-thuan-hoa/", None).await.body.contains("ra quân dọn vệ sinh"), "not on a sibling");
    let page = n.app.get(&format!("/phuong-phu-xuan/bai-viet/{id}"), None).await;
    assert!(page.body.contains("og:title"), "OpenGraph tags");
    assert_eq!(n.app.get(&format!("/phuong-phu-xuan/bai-viet/{id}/in"), None).await.status, StatusCode::OK);
    let feed = n.app.get("/phuong-phu-xuan/tin-tuc/feed.xml", None).await;
    assert!(feed.body.contains("<feed") && feed.body.contains("ra quân dọn vệ sinh"));
    assert!(n.app.get("/sitemap.xml", None).await.body.contains(&format!("/phuong-phu-xuan/bai-viet/{id}")));

    // An editor of another ward, a citizen and a visitor cannot touch it.
    n.app.staff("editor@thuanhoa.vn", &[(Role::Editor, WARD_B)]).await;
    let other = n.app.login("editor@thuanhoa.vn").await;
    assert_eq!(act(&n, &other, &id, &[("action", "unpublish")]).await.status, StatusCode::FORBIDDEN);
    n.app.citizen("dan@example.vn", "046090009999").await;
    let citizen = n.app.login("dan@example.vn").await;
    assert_eq!(
        n.app.get(&format!("/bien-tap/don-vi/{WARD_A}/moi"), Some(&citizen)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(n.app.get("/bien-tap", None).await.status, StatusCode::SEE_OTHER);

    // Ward → city: proposed by the ward, accepted by a city editor.
    assert_eq!(act(&n, &n.editor, &id, &[("action", "propose")]).await.status, StatusCode::SEE_OTHER);
    n.app.staff("editor@hue.vn", &[(Role::Editor, "46")]).await;
    let city_editor = n.app.login("editor@hue.vn").await;
    assert!(n.app.get("/bien-tap", Some(&city_editor)).await.body.contains("ra quân dọn vệ sinh"));
    assert_eq!(act(&n, &city_editor, &id, &[("action", "accept")]).await.status, StatusCode::SEE_OTHER);

    // Unpublishing takes it off the site and out of search.
    assert_eq!(act(&n, &n.leader, &id, &[("action", "unpublish")]).await.status, StatusCode::SEE_OTHER);
    assert!(!n.app.get("/phuong-phu-xuan/", None).await.body.contains("ra quân dọn vệ sinh"));
    assert_eq!(n.app.get("/api/v1/search?q=don+ve+sinh", None).await.json()["total"], 0);
}

#[tokio::test]
async fn the_shared_home_page_shows_a_publish_at_once_and_carries_each_visitors_own_token() {
    let n = newsroom().await;
    let (visitor, other) = (n.app.anonymous().await, n.app.anonymous().await);
    let first = n.app.get("/phuong-phu-xuan/", Some(&visitor)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains(&visitor.csrf), "the page's forms carry the visitor's token");
    let second = n.app.get("/phuong-phu-xuan/", Some(&other)).await;
    assert!(second.body.contains(&other.csrf) && !second.body.contains(&visitor.csrf), "never another's token");
    assert_eq!(first.body.replace(&visitor.csrf, ""), second.body.replace(&other.csrf, ""), "one page for both");
    let english = n
        .app
        .get(
            "/phuong-phu-xuan/",
            Some(&Session { cookie: format!("{}; lang=en", other.cookie), csrf: other.csrf.clone() }),
        )
        .await;
    assert!(english.body.contains("<html lang=\"en\""), "each language has its own page");

    let id = draft(&n, "Hội thi nấu chè Huế", "<p>Chủ nhật</p>").await;
    assert_eq!(act(&n, &n.editor, &id, &[("action", "submit")]).await.status, StatusCode::SEE_OTHER);
    assert!(!n.app.get("/phuong-phu-xuan/", Some(&visitor)).await.body.contains("Hội thi nấu chè Huế"));
    assert_eq!(act(&n, &n.leader, &id, &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    assert!(n.app.get("/phuong-phu-xuan/", Some(&visitor)).await.body.contains("Hội thi nấu chè Huế"), "at once");
    assert!(n.app.get("/phuong-phu-xuan/", None).await.body.contains("Hội thi nấu chè Huế"));
    assert_eq!(act(&n, &n.leader, &id, &[("action", "unpublish")]).await.status, StatusCode::SEE_OTHER);
    assert!(!n.app.get("/phuong-phu-xuan/", Some(&other)).await.body.contains("Hội thi nấu chè Huế"));

    // A logged-in editor gets a page of their own (their name in the header), not the shared one.
    let own = n.app.get("/phuong-phu-xuan/", Some(&n.editor)).await;
    assert!(own.body.contains(&n.editor.csrf) && own.body.contains("nav-account"));
}

#[tokio::test]
async fn scripts_are_stripped_on_save_and_revisions_compare() {
    let n = newsroom().await;
    let r = post_multipart(
        &n.app,
        &format!("/bien-tap/don-vi/{WARD_A}/moi"),
        &n.editor,
        &[("kind", "notice"), ("title_vi", "Thông báo"), ("body_vi", "<p>Dòng một</p><script>alert('x')</script>")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().unwrap().ends_with("?cleaned=1"), "the editor is told markup was removed");
    let id = article_id(r.location().unwrap());
    let page = n.app.get(&format!("/bien-tap/bai-viet/{id}?cleaned=1"), Some(&n.editor)).await;
    assert!(page.body.contains("Dòng một") && !page.body.contains("alert('x')"), "{}", page.body);

    let r = post_multipart(
        &n.app,
        &format!("/bien-tap/bai-viet/{id}/sua"),
        &n.editor,
        &[("title_vi", "Thông báo mới"), ("body_vi", "<p>Dòng hai</p>")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let diff = n.app.get(&format!("/bien-tap/bai-viet/{id}?a=1&b=2"), Some(&n.editor)).await;
    assert!(diff.body.contains("- Thông báo") && diff.body.contains("+ Thông báo mới"), "{}", diff.body);

    // Bad uploads and facts are clear errors, nothing is saved.
    let broken_pdf: &[u8] = b"%PDF-1.7 truncated";
    let r = post_multipart(
        &n.app,
        &format!("/bien-tap/don-vi/{WARD_A}/moi"),
        &n.editor,
        &[
            ("kind", "legal_document"),
            ("title_vi", "Quyết định"),
            ("doc_number", "12/2026/QĐ-UBND"),
            ("doc_issued_on", "2026-11-01"),
            ("doc_issuer", "UBND phường"),
            ("doc_field", "Đô thị"),
        ],
        &[("attachment", "qd.pdf", broken_pdf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("PDF"), "{}", r.body);
    let r = post_multipart(
        &n.app,
        &format!("/bien-tap/don-vi/{WARD_A}/moi"),
        &n.editor,
        &[("kind", "news"), ("title_vi", "Ảnh")],
        &[("image", "a.png", b"not an image")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_multipart(
        &n.app,
        &format!("/bien-tap/don-vi/{WARD_A}/moi"),
        &n.editor,
        &[("kind", "heritage_place"), ("title_vi", "Di tích"), ("lat", "north"), ("lon", "107.5")],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A camera original is too heavy for a phone and carries the camera's metadata: the portal keeps a re-encoded
/// JPEG no wider than 1600 px, and says clearly when a file is not an image.
#[tokio::test]
async fn an_illustration_is_kept_as_a_light_jpeg() {
    use image::ImageEncoder;
    let n = newsroom().await;
    let wide = image::RgbImage::from_fn(3200, 1000, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(wide.as_raw(), 3200, 1000, image::ExtendedColorType::Rgb8)
        .unwrap();
    let r = post_multipart(
        &n.app,
        &format!("/bien-tap/don-vi/{WARD_A}/moi"),
        &n.editor,
        &[("kind", "news"), ("title_vi", "Cầu Trường Tiền"), ("body_vi", "<p>Ảnh</p>")],
        &[("image", "cau-truong-tien.png", &png)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: uuid::Uuid = article_id(r.location().unwrap()).parse().unwrap();
    let article = n.app.store.article(id).await.unwrap().unwrap();
    let (content_type, bytes) = n.app.store.blob(&article.image_sha256.unwrap()).await.unwrap().unwrap();
    assert_eq!(content_type, "image/jpeg");
    let kept = image::load_from_memory(&bytes).unwrap();
    assert_eq!((kept.width(), kept.height()), (1600, 500), "shrunk to 1600 px, proportions kept");

    let refused = post_multipart(
        &n.app,
        &format!("/bien-tap/don-vi/{WARD_A}/moi"),
        &n.editor,
        &[("kind", "news"), ("title_vi", "Không phải ảnh")],
        &[("image", "a.jpg", b"MZ not an image at all")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Ảnh minh hoạ"), "{}", refused.body);
}

#[tokio::test]
async fn a_slug_clash_or_reserved_slug_is_refused_with_a_clear_message() {
    let n = newsroom().await;
    assert_eq!(n.app.get("/phuong-thuan-hoa/", None).await.status, StatusCode::OK);
    let path = format!("/bien-tap/don-vi/{WARD_A}/trang");
    let r = n.app.post_form(&path, Some(&n.leader), &[("slug", "phuong-thuan-hoa")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("đơn vị khác"), "{}", r.body);
    let r = n.app.post_form(&path, Some(&n.leader), &[("slug", "api")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = n.app.post_form(&path, Some(&n.leader), &[("slug", "phu-xuan"), ("banner_vi", "Chào mừng")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(n.app.get("/phu-xuan/", None).await.body.contains("Chào mừng"));
    assert_eq!(n.app.get("/phuong-phu-xuan/", None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_warning_bannered_on_its_wards_only_with_feeds_and_clear_errors() {
    let app = TestApp::new().await;
    app.staff("ioc@hue.vn", &[(Role::IocOperator, "46")]).await;
    let ioc = app.login("ioc@hue.vn").await;
    app.citizen("dan@example.vn", "046090009999").await;
    let citizen = app.login("dan@example.vn").await;
    assert_eq!(
        app.post_form("/canh-bao/dang-ky", Some(&citizen), &[("ward", WARD_A)]).await.status,
        StatusCode::SEE_OTHER
    );

    let form = |starts: &'static str, ends: &'static str| {
        vec![
            ("kind", "flood"),
            ("severity", "severe"),
            ("scope", "wards"),
            ("wards", WARD_A),
            ("starts_at", starts),
            ("ends_at", ends),
            ("headline_vi", "Ngập sâu đường Lê Lợi"),
            ("headline_en", "Deep flooding on Lê Lợi street"),
        ]
    };
    assert_eq!(
        app.post_form("/canh-bao/moi", Some(&citizen), &form("2020-01-01T00:00", "2099-01-01T00:00")).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.post_form("/canh-bao/moi", Some(&ioc), &form("2026-11-27T10:00", "2026-11-27T09:00")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("phải sau thời điểm bắt đầu"), "{}", r.body);
    let r = app.post_form("/canh-bao/moi?lang=en", Some(&ioc), &form("2026-11-27T10:00", "2026-11-27T09:00")).await;
    assert!(r.body.contains("must end after it starts"), "{}", r.body);
    let r = app.post_form("/canh-bao/moi", Some(&ioc), &form("2020-01-01T00:00", "2099-01-01T00:00")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    assert!(app.get("/phuong-phu-xuan/", None).await.body.contains("Ngập sâu đường Lê Lợi"));
    assert!(!app.get("/phuong-thuan-hoa/", None).await.body.contains("Ngập sâu đường Lê Lợi"), "not covered");
    assert!(app.get("/thanh-pho-hue/", None).await.body.contains("Ngập sâu đường Lê Lợi"), "the city sees all");
    assert!(app.get("/canh-bao", None).await.body.contains("Ngập sâu đường Lê Lợi"));
    assert!(app.get("/canh-bao/feed.xml", None).await.body.contains("<feed"));
    let index = app.get("/canh-bao/cap.xml", None).await;
    use smartcity_store::portal::PortalStore;
    let id = app.store.warnings(None, 10).await.unwrap()[0].id;
    let cap_path = format!("/canh-bao/{id}/cap.xml");
    assert!(index.body.contains(&cap_path), "{}", index.body);
    let cap = app.get(&cap_path, None).await;
    assert!(
        cap.body.contains("urn:oasis:names:tc:emergency:cap:1.2") && cap.body.contains("<severity>Severe</severity>"),
        "{}",
        cap.body
    );

    // The subscriber of ward A got a mail through the outbox.
    use smartcity_store::outbox::OutboxStore;
    let mails = app.store.list_mail(10).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("Ngập sâu"));

    // An expired warning leaves the banner without any job.
    let r = app
        .post_form("/canh-bao/moi", Some(&ioc), &{
            let mut f = form("2020-01-01T00:00", "2020-01-02T00:00");
            f[6] = ("headline_vi", "Cảnh báo cũ đã hết");
            f
        })
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!app.get("/phuong-phu-xuan/", None).await.body.contains("Cảnh báo cũ đã hết"));
}

#[tokio::test]
async fn search_folds_diacritics_and_answers_bad_input_without_a_5xx() {
    let n = newsroom().await;
    let id = draft(&n, "Sửa chữa Đường Lê Lợi", "<p>Hướng dẫn thủ tục cấp phép đào đường.</p>").await;
    act(&n, &n.editor, &id, &[("action", "submit")]).await;
    act(&n, &n.leader, &id, &[("action", "approve")]).await;

    for q in ["duong", "%C4%90%C6%B0%E1%BB%9Dng", "%C4%91%C6%B0%E1%BB%9Dng", "DUONG", "thu+tuc"] {
        let r = n.app.get(&format!("/api/v1/search?q={q}"), None).await;
        assert_eq!(r.status, StatusCode::OK);
        let json = r.json();
        assert_eq!(json["total"], 1, "{q}: {json}");
        assert!(json["results"][0]["snippet_html"].as_str().unwrap().contains("<mark>"), "{json}");
        assert_eq!(json["results"][0]["url"], format!("/phuong-phu-xuan/bai-viet/{id}"));
    }
    let page = n.app.get("/tim-kiem?q=duong+le+loi", None).await;
    assert!(page.body.contains("<mark>Đường</mark>"), "{}", page.body);

    let symbols = n.app.get("/api/v1/search?q=%21%40%23%24%25%5E%26*()", None).await;
    assert_eq!((symbols.status, symbols.json()["total"].clone()), (StatusCode::OK, serde_json::json!(0)));
    let long = format!("/api/v1/search?q={}", "duong%20".repeat(1400));
    assert_eq!(n.app.get(&long, None).await.status, StatusCode::OK);
    assert_eq!(n.app.get(&format!("/tim-kiem?q={}", "%3C%3E".repeat(3000)), None).await.status, StatusCode::OK);
    let bad = n.app.get("/api/v1/search?q=duong&kind=everything", None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"], "search_kind_invalid");
    assert_eq!(n.app.get("/api/v1/search?q=duong&unit=%3Cx%3E", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(n.app.get("/api/v1/search?q=duong&from=yesterday", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(n.app.get("/api/v1/search?q=duong&page=abc", None).await.status, StatusCode::OK);
    assert_eq!(n.app.get("/api/v1/search?q=duong&from=2000-01-01", None).await.json()["total"], 1);
    assert_eq!(n.app.get("/api/v1/search?q=duong&to=2000-01-01", None).await.json()["total"], 0, "published since");
    let filtered = n.app.get(&format!("/api/v1/search?q=duong&kind=news&unit={WARD_B}"), None).await;
    assert_eq!(filtered.json()["total"], 0);
}

#[tokio::test]
async fn answered_questions_show_the_asker_by_initials_only() {
    let n = newsroom().await;
    n.app.citizen("hoa@example.vn", "046090001111").await;
    let citizen = n.app.login("hoa@example.vn").await;
    assert_eq!(
        n.app.post_form("/phuong-phu-xuan/hoi-dap", None, &[("title", "Hỏi"), ("body", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    let r = n.app.post_form("/phuong-phu-xuan/hoi-dap", Some(&citizen), &[("title", "Hỏi"), ("body", "ngắn")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = n
        .app
        .post_form(
            "/phuong-phu-xuan/hoi-dap",
            Some(&citizen),
            &[("title", "Giờ làm việc thứ bảy"), ("body", "Bộ phận một cửa có làm việc sáng thứ bảy không?")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        !n.app.get("/phuong-phu-xuan/hoi-dap", None).await.body.contains("Giờ làm việc thứ bảy"),
        "not yet answered"
    );

    let desk = n.app.get("/bien-tap", Some(&n.editor)).await;
    let qid = desk.body.split("/bien-tap/hoi-dap/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r =
        n.app.post_form(&format!("/bien-tap/hoi-dap/{qid}"), Some(&n.editor), &[("answer", "Có, từ 7 giờ 30.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let public = n.app.get("/phuong-phu-xuan/hoi-dap", None).await;
    assert!(public.body.contains("Giờ làm việc thứ bảy") && public.body.contains("N.T.H."), "{}", public.body);
    assert!(!public.body.contains("Nguyễn Thị Hoa") && !public.body.contains("hoa@example.vn"));
    let again = n.app.post_form(&format!("/bien-tap/hoi-dap/{qid}"), Some(&n.editor), &[("answer", "Lần hai")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn unknown_sites_and_malformed_ids_are_404s() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/khong-co-trang-nay/", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/phuong-phu-xuan/bai-viet/not-a-uuid", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/phuong-phu-xuan/khong-co", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/phuong-phu-xuan", None).await.location(), Some("/phuong-phu-xuan/"));
    assert_eq!(app.get("/canh-bao/xyz/cap.xml", None).await.status, StatusCode::NOT_FOUND);
    let index = app.get("/cong-thong-tin", None).await;
    assert!(index.body.contains("/phuong-thuan-hoa/") && index.body.contains("/thanh-pho-hue/"));
    assert!(app.get("/", None).await.body.contains("/cong-thong-tin"), "the home page links the portal");
    assert!(app.get("/phuong-phu-xuan/gioi-thieu/lien-he?lang=en", None).await.body.contains("Contacts"));
}

#[tokio::test]
async fn a_city_article_published_to_all_wards_shows_on_every_ward_site_from_one_source() {
    let app = TestApp::new().await;
    app.staff("editor@hue.vn", &[(Role::Editor, "46")]).await;
    app.staff("leader@hue.vn", &[(Role::UnitLeader, "46")]).await;
    let editor = app.login("editor@hue.vn").await;
    let leader = app.login("leader@hue.vn").await;
    let r = post_multipart(
        &app,
        "/bien-tap/don-vi/46/moi",
        &editor,
        &[("kind", "notice"), ("title_vi", "Lịch nghỉ Tết của thành phố"), ("body_vi", "<p>Từ 14/2</p>")],
        &[],
    )
    .await;
    let id = article_id(r.location().unwrap());
    let post = |who: &Session, action: &'static str| {
        let path = format!("/bien-tap/bai-viet/{id}/thao-tac");
        let who = who.clone();
        let app = &app;
        async move { app.post_form(&path, Some(&who), &[("action", action)]).await.status }
    };
    assert_eq!(post(&editor, "syndicate").await, StatusCode::UNPROCESSABLE_ENTITY, "not before it is public");
    assert_eq!(post(&editor, "submit").await, StatusCode::SEE_OTHER);
    assert_eq!(post(&leader, "approve").await, StatusCode::SEE_OTHER);
    assert!(!app.get("/phuong-thuan-hoa/", None).await.body.contains("Lịch nghỉ Tết"));
    assert_eq!(post(&editor, "syndicate").await, StatusCode::SEE_OTHER);
    for ward in ["/phuong-thuan-hoa/", "/phuong-phu-xuan/"] {
        let page = app.get(ward, None).await;
        assert!(page.body.contains("Lịch nghỉ Tết"), "{ward}");
    }
    let on_ward = app.get(&format!("/phuong-thuan-hoa/bai-viet/{id}"), None).await;
    assert!(on_ward.body.contains(&format!("rel=\"canonical\" href=\"/thanh-pho-hue/bai-viet/{id}\"")), "one source");
    assert_eq!(
        app.get(&format!("/trung-tam-phuc-vu-hanh-chinh-cong/bai-viet/{id}"), None).await.status,
        StatusCode::NOT_FOUND
    );
}
