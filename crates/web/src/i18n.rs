//! Vietnamese first, English always: every label of every page lives in [`STRINGS`] with both
//! languages side by side, looked up by a stable key. A test reads every template and fails when
//! a key it uses is missing or a translation is empty.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The two languages of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Tiếng Việt, the default.
    #[default]
    Vi,
    /// English, one click away on every page.
    En,
}

impl Lang {
    /// BCP 47 code used in `<html lang>` and the `lang` cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Parse a cookie or query value; anything unknown means Vietnamese.
    pub fn from_code(code: &str) -> Lang {
        if code.trim().eq_ignore_ascii_case("en") { Lang::En } else { Lang::Vi }
    }

    /// The other language, target of the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// Look up a label; a missing key shows the key itself (and a test catches it before release).
    pub fn t(self, key: &str) -> &'static str {
        match STRING_INDEX.get(key) {
            Some((vi, en)) => match self {
                Lang::Vi => vi,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing i18n key");
                "⟨missing translation⟩"
            }
        }
    }

    /// Pick between a Vietnamese and an English text held elsewhere (unit names, role labels).
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

static STRING_INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| STRINGS.iter().map(|(k, vi, en)| (*k, (*vi, *en))).collect());

/// Every label: key, Vietnamese, English.
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("site.name", "Huế — Thành phố thông minh", "Huế Smart City"),
    ("site.tagline", "Chính quyền số phục vụ người dân Huế", "Digital government serving the people of Huế"),
    ("site.skip", "Bỏ qua, tới nội dung chính", "Skip to main content"),
    (
        "site.footer",
        "Nền tảng đô thị thông minh Huế · UBND thành phố Huế",
        "Huế Smart City Platform · Huế City People's Committee",
    ),
    ("lang.switch", "English", "Tiếng Việt"),
    ("lang.switch_label", "Switch to English", "Chuyển sang tiếng Việt"),
    ("nav.main", "Điều hướng chính", "Main navigation"),
    ("nav.home", "Trang chủ", "Home"),
    ("nav.login", "Đăng nhập", "Log in"),
    ("nav.register", "Đăng ký", "Register"),
    ("nav.logout", "Đăng xuất", "Log out"),
    ("nav.admin", "Quản trị", "Administration"),
    ("nav.desk", "Quầy một cửa", "One-stop desk"),
    ("home.title", "Dịch vụ của thành phố Huế", "Services of Huế City"),
    (
        "home.intro",
        "Nộp hồ sơ thủ tục hành chính, phản ánh hiện trường, đọc tin tức và cảnh báo, theo dõi chất lượng không khí và mực nước — tất cả ở một nơi.",
        "Submit administrative dossiers, report problems on the street, read news and warnings, follow air quality and river levels — all in one place.",
    ),
    ("home.services", "Dịch vụ công trực tuyến", "Online public services"),
    ("home.services_text", "Tra cứu thủ tục, nộp và theo dõi hồ sơ.", "Find a procedure, submit and follow a dossier."),
    ("home.reports", "Phản ánh hiện trường", "Field reports"),
    (
        "home.reports_text",
        "Gửi ảnh và vị trí sự cố trên đường phố.",
        "Send a photo and the location of a problem on the street.",
    ),
    ("home.portal", "Cổng thông tin", "Information portal"),
    (
        "home.portal_text",
        "Tin tức, thông báo, văn bản của thành phố và 40 phường, xã.",
        "News, notices and documents of the city and its 40 wards and communes.",
    ),
    ("home.sensing", "Môi trường và cảnh báo", "Environment and warnings"),
    ("home.sensing_text", "Chất lượng không khí (VN_AQI) và mực nước sông.", "Air quality (VN_AQI) and river levels."),
    ("home.units", "Đơn vị hành chính", "Administrative units"),
    (
        "home.units_text",
        "Thành phố Huế, 21 phường và 19 xã sau sắp xếp ngày 01/7/2025.",
        "Huế City, its 21 wards and 19 communes since 1 July 2025.",
    ),
    ("home.account", "Tài khoản của tôi", "My account"),
    ("home.account_text", "Thông tin cá nhân, thẻ điện tử, mã truy cập API.", "Your details, e-card and API tokens."),
    ("home.coming", "Sắp ra mắt", "Coming soon"),
    ("home.locate", "Tìm phường, xã theo vị trí", "Find the ward or commune at a location"),
    ("home.locate_button", "Tìm đơn vị", "Find unit"),
    ("home.locate_result", "Vị trí này thuộc", "This location is in"),
    ("form.required", "bắt buộc", "required"),
    ("form.submit", "Gửi", "Submit"),
    ("form.save", "Lưu", "Save"),
    ("form.errors", "Vui lòng sửa các lỗi được đánh dấu bên dưới.", "Please fix the errors marked below."),
    ("login.title", "Đăng nhập", "Log in"),
    ("login.identifier", "Email hoặc số điện thoại", "Email or phone"),
    ("login.password", "Mật khẩu", "Password"),
    ("login.submit", "Đăng nhập", "Log in"),
    ("login.no_account", "Chưa có tài khoản?", "No account yet?"),
    ("register.title", "Đăng ký tài khoản công dân", "Register as a citizen"),
    ("register.full_name", "Họ và tên", "Full name"),
    (
        "register.citizen_id",
        "Số định danh cá nhân (12 số trên thẻ căn cước)",
        "Personal ID number (12 digits on your ID card)",
    ),
    ("register.contact", "Email hoặc số điện thoại di động", "Email or mobile phone"),
    ("register.password", "Mật khẩu (ít nhất 10 ký tự)", "Password (at least 10 characters)"),
    ("register.password_confirm", "Nhập lại mật khẩu", "Repeat password"),
    ("register.submit", "Đăng ký", "Register"),
    (
        "register.privacy",
        "Số định danh chỉ dùng để xác định bạn khi giải quyết thủ tục; không hiển thị công khai (Luật Bảo vệ dữ liệu cá nhân 2025).",
        "Your ID number is used only to identify you in procedures and is never shown publicly (Personal Data Protection Law 2025).",
    ),
    ("account.title", "Tài khoản của tôi", "My account"),
    ("account.details", "Thông tin", "Details"),
    ("account.name", "Họ và tên", "Name"),
    ("account.email", "Email", "Email"),
    ("account.phone", "Điện thoại", "Phone"),
    ("account.citizen_id", "Số định danh", "ID number"),
    ("account.kind", "Loại tài khoản", "Account type"),
    ("account.kind_citizen", "Công dân", "Citizen"),
    ("account.kind_staff", "Cán bộ", "Staff"),
    ("account.roles", "Vai trò", "Roles"),
    ("account.no_roles", "Chưa có vai trò nào.", "No roles yet."),
    ("account.role", "Vai trò", "Role"),
    ("account.unit", "Đơn vị", "Unit"),
    ("account.since", "Từ", "Since"),
    ("account.password_title", "Đổi mật khẩu", "Change password"),
    ("account.current_password", "Mật khẩu hiện tại", "Current password"),
    ("account.new_password", "Mật khẩu mới", "New password"),
    ("account.new_password_confirm", "Nhập lại mật khẩu mới", "Repeat new password"),
    (
        "account.password_changed",
        "Đã đổi mật khẩu. Các phiên đăng nhập khác đã được đăng xuất.",
        "Password changed. Your other sessions have been logged out.",
    ),
    ("account.sessions_title", "Phiên đăng nhập", "Sessions"),
    ("account.logout_everywhere", "Đăng xuất khỏi mọi thiết bị", "Log out everywhere"),
    ("account.ecards", "Thẻ điện tử", "E-cards"),
    (
        "account.no_ecards",
        "Bạn chưa có thẻ điện tử. Bộ phận một cửa cấp thẻ khi bạn yêu cầu.",
        "You have no e-card yet. The one-stop desk issues one on request.",
    ),
    (
        "account.ecard_qr",
        "Mã QR của thẻ — đưa cho cán bộ quét tại quầy",
        "Card QR code — show it at the desk to be scanned",
    ),
    ("account.tokens", "Mã truy cập API cá nhân", "Personal API tokens"),
    (
        "account.tokens_help",
        "Dùng cho các chương trình tự động: gửi trong tiêu đề Authorization: Bearer. Mã chỉ hiển thị một lần.",
        "For scripts: send it as Authorization: Bearer. The token is shown only once.",
    ),
    ("account.token_name", "Tên mã", "Token name"),
    ("account.token_create", "Tạo mã", "Create token"),
    (
        "account.token_created",
        "Mã mới (sao chép ngay, sẽ không hiển thị lại):",
        "New token (copy it now, it will not be shown again):",
    ),
    ("account.token_revoke", "Thu hồi", "Revoke"),
    ("account.token_revoked", "Đã thu hồi", "Revoked"),
    ("account.token_last_used", "Lần dùng gần nhất", "Last used"),
    ("account.never", "Chưa dùng", "Never"),
    ("account.organisations", "Tổ chức tôi đại diện", "Organisations I represent"),
    ("account.org_tax_code", "Mã số thuế", "Tax code"),
    ("account.org_name", "Tên tổ chức", "Organisation name"),
    ("account.org_address", "Địa chỉ", "Address"),
    ("account.org_add", "Thêm tổ chức", "Add organisation"),
    ("admin.title", "Quản trị hệ thống", "Administration"),
    ("admin.units", "Đơn vị", "Units"),
    ("admin.users", "Người dùng và vai trò", "Users and roles"),
    ("admin.ecards", "Thẻ điện tử", "E-cards"),
    ("admin.audit", "Nhật ký kiểm toán", "Audit log"),
    ("units.title", "Đơn vị hành chính và cơ quan", "Administrative units and agencies"),
    ("units.code", "Mã", "Code"),
    ("units.name", "Tên", "Name"),
    ("units.name_vi", "Tên tiếng Việt", "Vietnamese name"),
    ("units.name_en", "Tên tiếng Anh", "English name"),
    ("units.kind", "Loại", "Kind"),
    ("units.parent", "Trực thuộc", "Part of"),
    ("units.status", "Trạng thái", "Status"),
    ("units.active", "Đang hoạt động", "Active"),
    ("units.ended", "Đã kết thúc", "Ended"),
    ("units.valid_from", "Hiệu lực từ", "In force from"),
    ("units.valid_to", "Hết hiệu lực", "Ended on"),
    ("units.successor", "Sáp nhập vào", "Merged into"),
    ("units.effective_on", "Ngày hiệu lực", "Effective date"),
    ("units.add", "Thêm đơn vị", "Add unit"),
    ("units.rename", "Đổi tên", "Rename"),
    ("units.merge", "Sáp nhập vào đơn vị khác", "Merge into another unit"),
    ("units.merge_target", "Đơn vị nhận", "Unit to merge into"),
    ("units.retire", "Giải thể", "Retire"),
    ("units.history", "Lịch sử thay đổi", "History of changes"),
    ("units.change", "Thay đổi", "Change"),
    ("units.boundary", "Có ranh giới", "Has boundary"),
    ("units.filter", "Lọc theo tên", "Filter by name"),
    ("units.lat", "Vĩ độ", "Latitude"),
    ("units.lon", "Kinh độ", "Longitude"),
    ("users.title", "Người dùng", "Users"),
    ("users.search", "Tìm theo tên, email, điện thoại", "Search by name, email or phone"),
    ("users.new", "Tạo tài khoản cán bộ", "Create staff account"),
    ("users.name", "Họ và tên", "Name"),
    ("users.contact", "Liên hệ", "Contact"),
    ("users.kind", "Loại", "Type"),
    ("users.active", "Hoạt động", "Active"),
    ("users.disabled", "Đã khóa", "Disabled"),
    ("users.disable", "Khóa tài khoản", "Disable account"),
    ("users.enable", "Mở khóa tài khoản", "Enable account"),
    ("users.grants", "Vai trò được cấp", "Role grants"),
    ("users.grant", "Cấp quyền", "Grant"),
    ("users.grant_title", "Cấp vai trò tại một đơn vị", "Grant a role on a unit"),
    ("users.revoke", "Thu hồi", "Revoke"),
    (
        "users.personal_data_logged",
        "Việc xem dữ liệu cá nhân này đã được ghi nhật ký.",
        "This view of personal data has been logged.",
    ),
    ("users.created", "Ngày tạo", "Created"),
    ("users.none", "Không có người dùng phù hợp.", "No matching users."),
    ("ecards.title", "Thẻ điện tử", "E-cards"),
    ("ecards.issue", "Cấp thẻ", "Issue card"),
    ("ecards.holder", "Người giữ thẻ (email, điện thoại hoặc số định danh)", "Holder (email, phone or ID number)"),
    ("ecards.number", "Số thẻ", "Card number"),
    ("ecards.status", "Trạng thái", "Status"),
    ("ecards.active", "Đang dùng", "Active"),
    ("ecards.revoked", "Đã thu hồi", "Revoked"),
    ("ecards.issued_at", "Ngày cấp", "Issued"),
    ("ecards.revoke", "Thu hồi thẻ", "Revoke card"),
    ("ecards.reason", "Lý do", "Reason"),
    ("desk.title", "Nhận diện người dân bằng thẻ điện tử", "Identify a citizen by e-card"),
    ("desk.scan", "Quét mã QR hoặc nhập số thẻ", "Scan the QR code or type the card number"),
    ("desk.lookup", "Tra cứu", "Look up"),
    ("desk.found", "Người giữ thẻ", "Card holder"),
    ("desk.not_found", "Không có thẻ đang hoạt động với mã này.", "No active card matches this code."),
    ("audit.title", "Nhật ký kiểm toán", "Audit log"),
    ("audit.seq", "Số", "No."),
    ("audit.at", "Thời gian", "Time"),
    ("audit.actor", "Người thực hiện", "Actor"),
    ("audit.action", "Hành động", "Action"),
    ("audit.record", "Bản ghi", "Record"),
    ("audit.chain_ok", "Chuỗi băm toàn vẹn", "Hash chain intact"),
    ("audit.chain_broken", "Chuỗi băm bị phá vỡ", "Hash chain broken"),
    ("dossiers.actions", "Thao tác", "Actions"),
    ("dossiers.agency", "Cơ quan thực hiện", "Handled by"),
    ("dossiers.applicant", "Người nộp", "Applicant"),
    (
        "dossiers.applicant_scan",
        "Số định danh hoặc mã thẻ điện tử của người nộp",
        "Applicant's ID number or e-card code",
    ),
    ("dossiers.catalogue", "Thủ tục hành chính", "Administrative procedures"),
    ("dossiers.channel", "Hình thức nộp", "Channel"),
    ("dossiers.code", "Mã hồ sơ", "Dossier code"),
    ("dossiers.comment", "Góp ý", "Comment"),
    (
        "dossiers.counter_pick",
        "Chọn thủ tục để tiếp nhận hồ sơ tại quầy.",
        "Choose the procedure of the dossier received at the counter.",
    ),
    ("dossiers.counter_title", "Tiếp nhận hồ sơ tại quầy", "Receive a dossier at the counter"),
    ("dossiers.delivery", "Hình thức trả kết quả", "Delivery of the result"),
    ("dossiers.delivery_in_person", "Trực tiếp tại quầy", "In person at the desk"),
    ("dossiers.delivery_online", "Trực tuyến", "Online"),
    ("dossiers.delivery_post", "Qua bưu chính", "By post"),
    ("dossiers.documents", "Thành phần hồ sơ", "Documents"),
    ("dossiers.dossier_count", "Số hồ sơ trong kỳ", "Dossiers in the period"),
    ("dossiers.due", "Hẹn trả kết quả", "Result due"),
    ("dossiers.fee", "Phí, lệ phí", "Fees"),
    ("dossiers.field", "Lĩnh vực", "Field"),
    (
        "dossiers.file_rules",
        "Tệp PDF, JPEG, PNG hoặc WebP, tối đa 10 MB mỗi tệp.",
        "PDF, JPEG, PNG or WebP files, up to 10 MB each.",
    ),
    ("dossiers.form", "Tờ khai", "Declaration"),
    ("dossiers.forms", "Biểu mẫu", "Forms"),
    ("dossiers.forward_to", "Chuyển đến đơn vị", "Forward to unit"),
    ("dossiers.free", "Miễn phí", "Free"),
    ("dossiers.from", "Từ ngày", "From"),
    ("dossiers.history", "Quá trình xử lý", "Processing history"),
    ("dossiers.indicator", "Chỉ số", "Indicator"),
    ("dossiers.indices", "Chỉ số phục vụ người dân, doanh nghiệp (QĐ 766)", "Service quality indices (QĐ 766)"),
    (
        "dossiers.indices_help",
        "Tính theo công thức của Cổng Dịch vụ công quốc gia; N/A khi chưa có hồ sơ.",
        "Computed with the National Public Service Portal's formulas; N/A when there are no dossiers.",
    ),
    ("dossiers.legal_basis", "Căn cứ pháp lý", "Legal basis"),
    ("dossiers.lookup", "Tra cứu hồ sơ", "Follow a dossier"),
    ("dossiers.mine", "Hồ sơ của tôi", "My dossiers"),
    ("dossiers.new_due", "Ngày hẹn mới", "New due date"),
    ("dossiers.none_found", "Không có thủ tục phù hợp.", "No matching procedure."),
    ("dossiers.none_yet", "Bạn chưa nộp hồ sơ nào.", "You have not submitted any dossier yet."),
    ("dossiers.note", "Ghi chú", "Note"),
    ("dossiers.online_full", "Toàn trình", "Fully online"),
    ("dossiers.online_level", "Dịch vụ công trực tuyến", "Online service"),
    ("dossiers.online_partial", "Một phần", "Partly online"),
    ("dossiers.optional", "nếu có", "if any"),
    ("dossiers.overdue", "Quá hạn", "Overdue"),
    ("dossiers.personal_store", "Kho dữ liệu cá nhân", "Personal document store"),
    (
        "dossiers.personal_store_help",
        "Giấy tờ đã số hóa và kết quả của bạn; dùng lại khi nộp hồ sơ sau mà không phải tải lên lần nữa.",
        "Your digitised papers and results; reuse them in a later dossier instead of uploading again.",
    ),
    ("dossiers.points", "Điểm", "Points"),
    ("dossiers.print", "In", "Print"),
    ("dossiers.procedure", "Thủ tục", "Procedure"),
    ("dossiers.queue", "Hồ sơ cần xử lý", "Work queue"),
    ("dossiers.queue_empty", "Không có hồ sơ nào đang chờ.", "No dossier is waiting."),
    (
        "dossiers.rate_question",
        "Bạn có hài lòng với việc giải quyết hồ sơ?",
        "Are you satisfied with how your dossier was handled?",
    ),
    ("dossiers.rating", "Đánh giá", "Rating"),
    ("dossiers.rating_acceptable", "Chấp nhận", "Acceptable"),
    ("dossiers.rating_dissatisfied", "Không hài lòng", "Dissatisfied"),
    ("dossiers.rating_satisfied", "Hài lòng", "Satisfied"),
    ("dossiers.reason", "Lý do", "Reason"),
    ("dossiers.received", "Ngày nộp", "Submitted"),
    ("dossiers.result_file", "Tệp kết quả (bản điện tử)", "Result file (electronic)"),
    ("dossiers.reuse", "Dùng lại từ kho dữ liệu", "Reuse from my store"),
    ("dossiers.reused", "dùng lại", "reused"),
    ("dossiers.same_day", "Trong ngày", "Same day"),
    ("dossiers.search", "Tìm thủ tục (không cần dấu)", "Search procedures (diacritics optional)"),
    ("dossiers.send", "Nộp hồ sơ", "Submit dossier"),
    ("dossiers.status", "Trạng thái", "Status"),
    ("dossiers.step", "Bước hiện tại", "Current step"),
    ("dossiers.submit_online", "Nộp hồ sơ trực tuyến", "Submit online"),
    ("dossiers.supplement_due", "Hạn bổ sung", "Supplement due"),
    ("dossiers.supplement_items", "Giấy tờ cần bổ sung (mỗi dòng một mục)", "Documents to add (one per line)"),
    ("dossiers.time", "Thời hạn giải quyết", "Processing time"),
    ("dossiers.to", "Đến ngày", "To"),
    ("dossiers.value", "Giá trị", "Value"),
    ("dossiers.ward", "Phường, xã giải quyết", "Ward or commune handling it"),
    ("dossiers.working_days", "ngày làm việc", "working days"),
    ("nav.procedures", "Dịch vụ công", "Public services"),
    ("nav.queue", "Hồ sơ cần xử lý", "Work queue"),
    ("dossiers.new_procedure", "Thêm thủ tục", "New procedure"),
    ("dossiers.calendar", "Lịch làm việc và ngày nghỉ", "Working calendar and holidays"),
    ("dossiers.version", "Phiên bản", "Version"),
    ("dossiers.new_version", "Phiên bản mới", "New version"),
    (
        "dossiers.new_version_help",
        "Phiên bản mới có hiệu lực từ ngày chọn; hồ sơ đã tiếp nhận giữ phiên bản cũ.",
        "The new version applies from the chosen date; dossiers already received keep their version.",
    ),
    ("dossiers.level", "Cấp thực hiện", "Level"),
    ("dossiers.level_commune", "Cấp xã", "Commune level"),
    ("dossiers.level_city", "Cấp thành phố", "City level"),
    ("dossiers.handling_unit", "Đơn vị giải quyết (thủ tục cấp thành phố)", "Handling unit (city-level procedures)"),
    ("dossiers.fee_note", "Ghi chú về phí", "Fee note"),
    (
        "dossiers.documents_help",
        "Mỗi dòng một giấy tờ: tên | tên tiếng Anh | 0 bản chính, 1 bản sao, 2 bản điện tử | yes/no (bắt buộc).",
        "One document per line: name | English name | 0 original, 1 copy, 2 electronic | yes/no (required).",
    ),
    ("dossiers.form_fields", "Biểu mẫu (JSON)", "Form definition (JSON)"),
    ("dossiers.date", "Ngày", "Date"),
    ("dossiers.holiday", "Ngày nghỉ", "Day off"),
    ("dossiers.adjustments", "Điều chỉnh trong năm", "Adjustments for the year"),
    ("dossiers.day_off", "Nghỉ bù / nghỉ thêm", "Day off"),
    ("dossiers.working_day", "Làm việc bù", "Working day"),
    ("admin.procedures", "Thủ tục hành chính", "Procedures"),
    ("admin.mail", "Thư đi (hộp thư gửi)", "Outgoing mail"),
    (
        "admin.mail_help",
        "Thư và tin nhắn gửi người dân khi hồ sơ thay đổi. Khi chưa cấu hình máy chủ thư, thư được lưu tại đây.",
        "Mails and messages sent to citizens when their dossier changes. Without a mail relay configured they are kept here.",
    ),
    ("admin.mail_to", "Gửi tới", "To"),
    ("admin.mail_none", "Chưa có thư nào.", "No mail yet."),
    ("admin.mail_sent", "Đã gửi qua máy chủ thư lúc", "Handed to the mail relay at"),
    ("admin.mail_failed", "Máy chủ thư từ chối lúc", "Refused by the mail relay at"),
    (
        "admin.mail_waiting",
        "Chưa gửi (chưa cấu hình máy chủ thư hoặc đang chờ)",
        "Not sent yet (no mail relay configured, or waiting)",
    ),
    ("error.title", "Có lỗi xảy ra", "Something went wrong"),
    ("error.back_home", "Về trang chủ", "Back to the home page"),
    // transparency (minh bạch): public QĐ 766 figures of every unit
    ("nav.transparency", "Minh bạch", "Transparency"),
    (
        "transparency.title",
        "Minh bạch: chính quyền phục vụ người dân thế nào",
        "Transparency: how well the government serves you",
    ),
    (
        "transparency.intro",
        "Các chỉ số theo Quyết định 766/QĐ-TTg của thành phố, từng phường, xã và từng cơ quan, tính từ hồ sơ thực tế. Mỗi con số có cách tính và số liệu gốc.",
        "The QĐ 766/QĐ-TTg indicators of the city, every ward and commune and every agency, computed from real dossiers. Every figure comes with its formula and the counts behind it.",
    ),
    ("transparency.show", "Xem", "Show"),
    ("transparency.compare", "So sánh hai đơn vị", "Compare two units"),
    ("transparency.compare_button", "So sánh", "Compare"),
    ("transparency.unit_a", "Đơn vị thứ nhất", "First unit"),
    ("transparency.unit_b", "Đơn vị thứ hai", "Second unit"),
    ("transparency.pick_two", "Chọn hai đơn vị để so sánh.", "Choose two units to compare."),
    ("transparency.download_csv", "Tải về CSV", "Download CSV"),
    ("transparency.download_json", "Dữ liệu JSON", "JSON data"),
    ("transparency.how_computed", "Cách tính", "How it is computed"),
    (
        "transparency.formulas_intro",
        "Cách tính từng chỉ số theo Quyết định 766/QĐ-TTg và mô tả công thức của Cổng Dịch vụ công quốc gia.",
        "How each indicator is computed, following Decision 766/QĐ-TTg and the National Public Service Portal's formula description.",
    ),
    ("transparency.ranking", "Xếp hạng đơn vị", "Ranking of units"),
    (
        "transparency.ranking_help",
        "Phường, xã xếp hạng với nhau; cơ quan xếp hạng với nhau. Điểm = điểm đạt ÷ điểm tối đa của các chỉ số có số liệu × 100.",
        "Wards and communes are ranked together, agencies together. Score = points earned ÷ points possible on the indicators with data × 100.",
    ),
    ("transparency.rank", "Hạng", "Rank"),
    ("transparency.group", "Cấp", "Level"),
    ("transparency.group_city", "Thành phố", "City"),
    ("transparency.group_commune", "Phường, xã", "Ward or commune"),
    ("transparency.group_agency", "Cơ quan", "Agency"),
    ("transparency.score", "Điểm (trên 100)", "Score (out of 100)"),
    ("transparency.counts", "số liệu", "counts"),
    ("transparency.threshold", "đạt điểm tối đa từ", "full points from"),
    ("transparency.by_month", "Theo tháng", "By month"),
    ("transparency.month", "Tháng", "Month"),
    // operations (IOC): the operations-centre dashboard
    ("nav.ioc", "Điều hành IOC", "IOC"),
    ("ioc.title", "Trung tâm giám sát, điều hành đô thị thông minh", "Smart city operations centre"),
    ("ioc.connecting", "Đang kết nối luồng trực tiếp…", "Connecting to the live feed…"),
    ("ioc.live", "Trực tiếp: số liệu tự cập nhật.", "Live: figures update by themselves."),
    (
        "ioc.lost",
        "Mất kết nối — đang kết nối lại; các thay đổi bị lỡ sẽ được bổ sung.",
        "Connection lost — reconnecting; missed changes will be caught up.",
    ),
    ("ioc.dossiers", "Hồ sơ thủ tục hành chính", "Administrative dossiers"),
    ("ioc.received_today", "tiếp nhận hôm nay", "received today"),
    ("ioc.open", "đang giải quyết", "in progress"),
    ("ioc.overdue", "quá hạn", "overdue"),
    ("ioc.on_time_month", "đúng hạn tháng này", "on time this month"),
    ("ioc.changes", "Thay đổi mới nhất", "Latest changes"),
    ("ioc.no_changes", "Chưa có thay đổi nào từ khi mở trang.", "No change since the page opened."),
    // payments: fees, the gateway and its sandbox, e-receipts
    ("payments.fees", "Phí, lệ phí", "Fees and charges"),
    ("payments.fee", "Khoản thu", "Fee"),
    ("payments.amount", "Số tiền", "Amount"),
    ("payments.collect_at", "Thời điểm thu", "Collected"),
    ("payments.status", "Trạng thái", "Status"),
    ("payments.exempted", "Được miễn", "Waived"),
    ("payments.due", "Chưa nộp", "Due"),
    ("payments.pay_online", "Thanh toán trực tuyến", "Pay online"),
    ("payments.method", "Hình thức", "Method"),
    ("payments.cash", "Tiền mặt", "Cash"),
    ("payments.bank_transfer", "Chuyển khoản", "Bank transfer"),
    ("payments.collect", "Thu tiền và lập biên lai", "Take the money and issue the receipt"),
    ("payments.receipts", "Biên lai", "Receipts"),
    ("payments.receipt", "Biên lai", "Receipt"),
    ("payments.sandbox_title", "Cổng thanh toán thử nghiệm (VNPay sandbox)", "Test payment gateway (VNPay sandbox)"),
    (
        "payments.sandbox_notice",
        "Đây là cổng thanh toán thử nghiệm tích hợp sẵn: không có tiền thật. Chọn ngân hàng và kết quả giao dịch.",
        "This is the built-in test gateway: no real money moves. Choose a bank and how the payment ends.",
    ),
    ("payments.merchant", "Mã đơn vị (TmnCode)", "Merchant code (TmnCode)"),
    ("payments.order", "Mã giao dịch", "Order reference"),
    ("payments.order_info", "Nội dung thanh toán", "Description"),
    ("payments.choose_bank", "Chọn ngân hàng", "Choose a bank"),
    ("payments.sandbox_success", "Thanh toán thành công", "Pay (success)"),
    ("payments.sandbox_fail", "Giao dịch thất bại", "Fail the payment"),
    ("payments.sandbox_cancel", "Hủy giao dịch", "Cancel the payment"),
    (
        "payments.sandbox_expired",
        "Yêu cầu thanh toán đã quá thời gian chờ; hãy quay lại hồ sơ và thanh toán lại.",
        "The payment request has expired; go back to the dossier and pay again.",
    ),
    ("payments.result_title", "Kết quả thanh toán", "Payment result"),
    (
        "payments.result_invalid",
        "Kết quả trả về không hợp lệ (sai chữ ký). Trạng thái khoản thanh toán không thay đổi.",
        "The result sent back is not valid (wrong signature). The payment has not changed.",
    ),
    (
        "payments.result_paid",
        "Thanh toán thành công. Biên lai điện tử đã được lập.",
        "Paid. The e-receipt has been issued.",
    ),
    (
        "payments.result_pending",
        "Đang chờ xác nhận từ cổng thanh toán. Hãy tải lại trang sau ít phút.",
        "Waiting for the gateway's confirmation. Reload this page in a few minutes.",
    ),
    ("payments.result_not_paid", "Thanh toán chưa thành công.", "The payment did not go through."),
    ("payments.result_unknown", "Không tìm thấy giao dịch.", "The payment was not found."),
    ("payments.view_receipt", "Xem và in biên lai", "View and print the receipt"),
    ("payments.back_to_dossier", "Về hồ sơ", "Back to dossier"),
    ("payments.verify_title", "Tra cứu biên lai điện tử", "Check an e-receipt"),
    ("payments.verification_code", "Mã tra cứu", "Verification code"),
    ("payments.verify", "Tra cứu", "Check"),
    ("payments.verify_genuine", "Biên lai hợp lệ, do hệ thống phát hành.", "A genuine receipt issued by this system."),
    ("payments.receipt_type", "Loại biên lai", "Receipt type"),
    ("payments.template", "Mẫu số", "Template"),
    ("payments.series", "Ký hiệu", "Series"),
    ("payments.number", "Số", "Number"),
    ("payments.collector", "Đơn vị thu", "Collecting unit"),
    ("payments.payer", "Người nộp", "Payer"),
    ("payments.issued_at", "Ngày lập", "Issued"),
    ("payments.print", "In biên lai", "Print"),
    ("payments.format_a4", "Khổ A4", "A4 layout"),
    ("payments.format_thermal", "Khổ 80 mm (máy in nhiệt)", "80 mm (thermal printer)"),
    ("payments.related_receipts", "Biên lai liên quan", "Related receipts"),
    ("payments.refund", "Hoàn tiền (lập biên lai điều chỉnh)", "Refund (issue an adjusting receipt)"),
    ("payments.approved_by", "Người phê duyệt", "Approved by"),
    // reports (Open311 partner keys, /admin/open311-keys)
    ("admin.open311_keys", "Khóa API Open311", "Open311 API keys"),
    ("open311keys.title", "Khóa API đối tác Open311", "Open311 partner API keys"),
    (
        "open311keys.help",
        "Hệ thống đối tác (ứng dụng phản ánh, FixMyStreet…) gửi và theo dõi phản ánh qua Open311 GeoReport v2 bằng khóa API.",
        "Partner systems (reporting apps, FixMyStreet…) file and follow reports over Open311 GeoReport v2 with an API key.",
    ),
    ("open311keys.create", "Tạo khóa", "Create key"),
    ("open311keys.name", "Tên đối tác", "Partner name"),
    ("open311keys.created", "Đã tạo khóa cho", "Key created for"),
    ("open311keys.secret", "Khóa API", "API key"),
    (
        "open311keys.shown_once",
        "Khóa chỉ hiển thị một lần: hãy chuyển cho đối tác ngay. Hệ thống chỉ lưu mã băm của khóa.",
        "The key is shown only once: hand it to the partner now. Only its hash is stored.",
    ),
    ("open311keys.created_at", "Ngày tạo", "Created"),
    ("open311keys.last_used", "Dùng lần cuối", "Last used"),
    ("open311keys.status", "Trạng thái", "Status"),
    ("open311keys.active", "Đang dùng", "Active"),
    ("open311keys.revoked", "Đã thu hồi", "Revoked"),
    ("open311keys.revoke", "Thu hồi", "Revoke"),
    // ---- reports (field reports, phản ánh hiện trường): pages ----
    ("nav.reports", "Phản ánh hiện trường", "Report a problem"),
    ("nav.ioc_reports", "Điều hành phản ánh", "Report desk (IOC)"),
    ("reports.new_title", "Gửi phản ánh hiện trường", "Report a problem in the street"),
    (
        "reports.new_intro",
        "Đèn hỏng, rác thải, ngập nước, lấn chiếm vỉa hè…: chụp ảnh, ghim vị trí và gửi. Xem phản ánh của mọi người trên",
        "Broken light, rubbish, flooding, blocked pavement…: take a photo, pin the place and send it. See everyone's reports on the",
    ),
    ("reports.category", "Lĩnh vực", "Category"),
    ("reports.choose_category", "— Chọn lĩnh vực —", "— Choose a category —"),
    ("reports.description", "Mô tả sự việc", "What is the problem?"),
    ("reports.photos", "Ảnh chụp (tối đa 4 ảnh)", "Photos (up to 4)"),
    (
        "reports.photos_hint",
        "JPEG, PNG hoặc WebP, tối đa 10 MB mỗi ảnh. Ảnh được xoay đúng chiều và xoá thông tin vị trí, thiết bị trước khi lưu.",
        "JPEG, PNG or WebP, up to 10 MB each. Photos are turned upright and stripped of location and device data before they are stored.",
    ),
    ("reports.location", "Vị trí", "Place"),
    (
        "reports.location_hint",
        "Chạm vào bản đồ để đặt ghim, bấm “Dùng vị trí của tôi”, hoặc nhập địa chỉ và chọn phường, xã.",
        "Tap the map to drop a pin, press “Use my location”, or type the address and choose the ward.",
    ),
    ("reports.map_label", "Bản đồ chọn vị trí phản ánh", "Map to choose the place of the report"),
    ("reports.use_location", "Dùng vị trí của tôi", "Use my location"),
    ("reports.lat", "Vĩ độ", "Latitude"),
    ("reports.lon", "Kinh độ", "Longitude"),
    ("reports.address", "Địa chỉ", "Address"),
    ("reports.ward", "Phường, xã", "Ward or commune"),
    ("reports.ward_from_pin", "— Theo ghim trên bản đồ —", "— From the map pin —"),
    (
        "reports.identified",
        "Bạn gửi phản ánh với tài khoản đã đăng nhập. Chỉ Trung tâm IOC thấy danh tính của bạn.",
        "You are reporting with your account. Only the operations centre (IOC) sees who you are.",
    ),
    ("reports.contact", "Thông tin liên hệ", "Your contact"),
    (
        "reports.contact_hint",
        "Chỉ Trung tâm IOC thấy thông tin này; đơn vị xử lý và công chúng không thấy. Hoặc",
        "Only the operations centre (IOC) sees this; the handling unit and the public never do. Or",
    ),
    ("reports.name", "Họ và tên", "Name"),
    ("reports.phone", "Số điện thoại", "Phone number"),
    ("reports.email", "Email", "Email"),
    ("reports.send", "Gửi phản ánh", "Send the report"),
    (
        "reports.offline_saved",
        "Đang mất kết nối: phản ánh đã được lưu trên máy và sẽ tự gửi khi có mạng.",
        "You are offline: the report is kept on this phone and will be sent when the connection returns.",
    ),
    ("reports.offline_sent", "Đã gửi phản ánh lưu khi mất mạng:", "A report kept offline has been sent:"),
    ("reports.pin_outside", "Ghim nằm ngoài địa bàn thành phố Huế.", "The pin is outside Huế City."),
    (
        "reports.geo_failed",
        "Không lấy được vị trí của bạn; hãy chạm vào bản đồ hoặc nhập địa chỉ.",
        "Your location is not available; tap the map or type the address.",
    ),
    ("reports.nearby", "Phản ánh tương tự gần đây", "Similar reports nearby"),
    (
        "reports.nearby_none",
        "Chưa có phản ánh cùng lĩnh vực gần vị trí này.",
        "No report of this category near this place yet.",
    ),
    (
        "reports.nearby_hint",
        "Nếu đúng là sự việc bạn thấy, hãy ủng hộ phản ánh đó thay vì gửi trùng.",
        "If one of these is your problem, support it instead of sending it again.",
    ),
    ("reports.support", "Ủng hộ phản ánh này (+1)", "Support this report (+1)"),
    ("reports.support_done", "Cảm ơn bạn đã ủng hộ phản ánh.", "Thank you for supporting this report."),
    ("reports.supports", "Lượt ủng hộ", "Supporters"),
    ("reports.report_title", "Phản ánh", "Report"),
    ("reports.status", "Trạng thái", "Status"),
    ("reports.overdue", "Quá hạn", "Overdue"),
    ("reports.near_deadline", "Sắp đến hạn", "Due soon"),
    ("reports.sent_at", "Thời gian gửi", "Sent"),
    ("reports.place", "Vị trí (gần đúng)", "Place (approximate)"),
    ("reports.handling_unit", "Đơn vị xử lý", "Handling unit"),
    ("reports.due", "Hạn xử lý", "Deadline"),
    ("reports.answered_at", "Thời gian trả lời", "Answered"),
    ("reports.on_time", "Đúng hạn", "On time"),
    ("reports.late", "Trễ hạn", "Late"),
    ("reports.rating", "Đánh giá của người phản ánh", "Reporter's rating"),
    ("reports.duplicate_of", "Trùng với phản ánh", "Duplicate of report"),
    ("reports.photo_alt", "Ảnh phản ánh", "Report photo"),
    ("reports.answer", "Trả lời của đơn vị xử lý", "The unit's answer"),
    ("reports.answer_photo_alt", "Ảnh kết quả xử lý", "Photo of the result"),
    ("reports.timeline", "Quá trình xử lý", "Timeline"),
    ("reports.action_submit", "Gửi phản ánh", "Report sent"),
    ("reports.action_recategorise", "Đổi lĩnh vực", "Category changed"),
    ("reports.staff_view", "Trang xử lý", "Handling page"),
    ("reports.public_view", "Trang công khai", "Public page"),
    ("reports.rate_title", "Đánh giá kết quả xử lý", "Rate the answer"),
    ("reports.rate_question", "Bạn đánh giá thế nào về kết quả xử lý?", "How do you rate the answer?"),
    ("reports.rating_satisfied", "Hài lòng", "Satisfied"),
    ("reports.rating_acceptable", "Chấp nhận", "Acceptable"),
    ("reports.rating_dissatisfied", "Không hài lòng", "Not satisfied"),
    ("reports.comment", "Nhận xét (không bắt buộc)", "Comment (optional)"),
    ("reports.rate_send", "Gửi đánh giá", "Send the rating"),
    ("reports.ioc_title", "Phản ánh chờ IOC xử lý", "Reports waiting for the IOC"),
    (
        "reports.ioc_intro",
        "Phản ánh mới cần xác minh và chuyển xử lý, và phản ánh bị đánh giá không hài lòng. Danh tính người phản ánh chỉ hiển thị cho IOC; mỗi lần xem được ghi nhật ký.",
        "New reports to verify and route, and answers rated not satisfied. The reporter's identity is shown to the IOC only; every view is logged.",
    ),
    ("reports.code", "Mã", "Code"),
    ("reports.reporter", "Người phản ánh", "Reporter"),
    (
        "reports.reporter_private",
        "Thông tin cá nhân: chỉ IOC được xem; không chuyển cho đơn vị xử lý.",
        "Personal data: for the IOC only; never passed to the handling unit.",
    ),
    ("reports.account", "Tài khoản", "Account"),
    ("reports.identified_yes", "Đã định danh (đăng nhập)", "Identified (logged in)"),
    ("reports.identified_no", "Không đăng nhập", "Not logged in"),
    ("reports.exact_place", "Toạ độ chính xác", "Exact coordinates"),
    ("reports.flags", "Lưu ý", "Flags"),
    ("reports.urgent", "Khẩn cấp", "Urgent"),
    ("reports.likely_duplicates", "Có thể trùng", "Possible duplicates"),
    ("reports.queue_empty", "Không có phản ánh nào.", "No reports."),
    ("reports.overdue_title", "Phản ánh quá hạn", "Overdue reports"),
    ("reports.overdue_none", "Không có phản ánh quá hạn.", "No overdue reports."),
    ("reports.actions", "Xử lý", "Actions"),
    ("reports.proposal", "Đề xuất đơn vị xử lý", "Proposed handling unit"),
    ("reports.proposal_none", "Chưa xác định, IOC tự chọn", "None: the IOC chooses"),
    ("reports.accept", "Tiếp nhận (xác minh hợp lệ)", "Accept (verified)"),
    ("reports.change_category", "Lĩnh vực đúng", "Correct category"),
    ("reports.save_category", "Lưu lĩnh vực", "Save the category"),
    ("reports.route_to", "Chuyển cho đơn vị", "Route to unit"),
    ("reports.route", "Chuyển đơn vị xử lý", "Route"),
    ("reports.reject_reason", "Lý do không tiếp nhận", "Reason for rejecting"),
    ("reports.reject_invalid", "Không hợp lệ", "Invalid"),
    ("reports.reject_duplicate", "Trùng lặp", "Duplicate"),
    ("reports.reject_not_ours", "Không thuộc thẩm quyền xử lý", "Not our responsibility"),
    ("reports.note", "Giải thích cho người phản ánh", "Explanation for the reporter"),
    ("reports.reject", "Không tiếp nhận", "Reject"),
    ("reports.reason", "Lý do", "Reason"),
    ("reports.reopen", "Mở lại phản ánh", "Reopen the report"),
    ("reports.close", "Đóng phản ánh", "Close the report"),
    ("reports.unit_title", "Phản ánh đơn vị đang xử lý", "Reports for my unit"),
    (
        "reports.unit_intro",
        "Phản ánh được giao cho đơn vị, sắp xếp theo hạn xử lý.",
        "Reports routed to your unit, by deadline.",
    ),
    ("reports.start", "Bắt đầu xử lý", "Start handling"),
    ("reports.answer_text", "Nội dung trả lời (công khai)", "Answer (published)"),
    ("reports.answer_photos", "Ảnh kết quả xử lý", "Photos of the result"),
    ("reports.answer_send", "Trả lời phản ánh", "Publish the answer"),
    ("reports.new_due", "Hạn xử lý mới", "New deadline"),
    ("reports.extend", "Gia hạn xử lý", "Ask for more time"),
    ("reports.transfer_to", "Chuyển cho đơn vị", "Transfer to unit"),
    ("reports.transfer", "Chuyển đơn vị khác", "Transfer"),
    ("reports.map_title", "Bản đồ phản ánh", "Map of reports"),
    ("reports.all", "Tất cả", "All"),
    ("reports.open", "Đang chờ xử lý", "Open"),
    ("reports.from", "Từ ngày", "From"),
    ("reports.to", "Đến ngày", "To"),
    ("reports.filter", "Lọc", "Filter"),
    ("reports.list_title", "Danh sách phản ánh", "List of reports"),
    ("reports.list_empty", "Không có phản ánh nào trong khoảng này.", "No reports in this period."),
    ("reports.stats_title", "Thống kê theo đơn vị xử lý", "Statistics by handling unit"),
    ("reports.received", "Đã nhận", "Received"),
    ("reports.processed", "Đã xử lý", "Processed"),
    ("reports.average_hours", "Thời gian trung bình (giờ)", "Average time (hours)"),
    ("reports.satisfaction", "Hài lòng", "Satisfaction"),
    ("reports.app_name", "Phản ánh hiện trường Huế", "Huế street reports"),
    ("reports.app_short_name", "Phản ánh Huế", "Huế reports"),
];
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_translated_both_ways() {
        let mut seen = std::collections::HashSet::new();
        for (key, vi, en) in STRINGS {
            assert!(seen.insert(*key), "duplicate key {key}");
            assert!(!vi.trim().is_empty(), "{key} has no Vietnamese");
            assert!(!en.trim().is_empty(), "{key} has no English");
        }
    }

    /// Every `ctx.t("…")` in every template must name a key of [`STRINGS`].
    #[test]
    fn templates_use_only_known_keys() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        let mut checked = 0;
        let mut stack = vec![dir];
        while let Some(path) = stack.pop() {
            for entry in std::fs::read_dir(&path).expect("templates dir") {
                let entry = entry.expect("entry").path();
                if entry.is_dir() {
                    stack.push(entry);
                    continue;
                }
                let text = std::fs::read_to_string(&entry).expect("template");
                for piece in text.split("ctx.t(\"").skip(1) {
                    let key = piece.split('"').next().unwrap_or_default();
                    checked += 1;
                    if !STRING_INDEX.contains_key(key) {
                        missing.push(format!("{}: {key}", entry.display()));
                    }
                }
            }
        }
        assert!(checked > 50, "expected the templates to use many keys, saw {checked}");
        assert!(missing.is_empty(), "keys missing from STRINGS: {missing:#?}");
    }

    #[test]
    fn unknown_language_codes_fall_back_to_vietnamese() {
        assert_eq!(Lang::from_code("fr"), Lang::Vi);
        assert_eq!(Lang::from_code("EN"), Lang::En);
        assert_eq!(Lang::Vi.t("nav.login"), "Đăng nhập");
        assert_eq!(Lang::En.t("nav.login"), "Log in");
    }
}
