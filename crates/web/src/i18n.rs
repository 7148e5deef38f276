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
    ("error.title", "Có lỗi xảy ra", "Something went wrong"),
    ("error.back_home", "Về trang chủ", "Back to the home page"),
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
    ("payments.reconciliation", "Đối soát thanh toán trong ngày", "Daily payment reconciliation"),
    ("payments.day", "Ngày", "Day"),
    ("payments.show", "Xem", "Show"),
    ("payments.expected_confirmed", "Phải thu và đã xác nhận", "Expected and confirmed"),
    ("payments.unit", "Đơn vị", "Unit"),
    ("payments.expected", "Đơn hàng tạo", "Orders opened"),
    ("payments.confirmed", "Đã xác nhận", "Confirmed"),
    ("payments.gap", "Chênh lệch", "Difference"),
    ("payments.mismatches", "Đơn hàng chưa thành công", "Orders not confirmed"),
    ("payments.exempt", "Miễn thu (ghi lý do và người phê duyệt)", "Waive the fee (reason and approver)"),
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
