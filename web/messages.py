"""The web page's words for every refusal the core can make, chosen by its code (never by text).

Each sentence says what happened and what to do next. Technical details from slot
files, settings and players stay in English inside the sentence: the technician
who fixes them reads the English README.
"""

from __future__ import annotations

from broadcaster import notes
from broadcaster.errors import BroadcasterError, Code

VIETNAMESE: dict[Code, str] = {
    Code.FILE_TOO_LARGE: "Tệp {name} quá lớn (tối đa {megabytes} MB). Hãy chia nhỏ bản tin.",
    Code.FILE_EMPTY: "Tệp {name} trống. Hãy chọn đúng tệp bản tin.",
    Code.FILE_NO_TEXT: "Tệp {name} không có chữ. Hãy chọn đúng tệp bản tin.",
    Code.FILE_BINARY: (
        "Tệp {name} không phải văn bản (có thể là tệp nhị phân). Hãy chọn tệp .txt, .md hoặc .docx."
    ),
    Code.FILE_ENCODING: (
        "Không đọc được bảng mã của tệp {name} (hỗ trợ UTF-8, UTF-16, Windows-1258). "
        "Hãy lưu lại tệp dạng UTF-8 rồi tải lên."
    ),
    Code.FILE_TYPE: "Chỉ nhận tệp .txt, .md hoặc .docx ({name}).",
    Code.FILE_OLD_WORD: (
        "Tệp {name} là tệp Word 97–2003 (.doc). Lưu lại dưới dạng .docx rồi tải lên."
    ),
    Code.FILE_MISSING: "Không tìm thấy tệp {name}.",
    Code.FILE_FOLDER: "{name} là một thư mục, không phải một tệp.",
    Code.DOCX_UNREADABLE: (
        "Tệp Word {name} bị hỏng hoặc không đọc được. Hãy mở bằng Word, lưu lại rồi tải lên."
    ),
    Code.DOCX_TOO_LARGE: (
        "Tệp Word {name} khi giải nén lớn hơn {megabytes} MB hoặc có hơn {members} thành phần, "
        "không phải tệp Word thông thường. Hãy chép phần chữ sang tệp mới hoặc chia nhỏ bản tin."
    ),
    Code.DOCX_TOO_COMPLEX: (
        "Tệp {name} có quá nhiều thành phần (hơn {elements}) hoặc quá nhiều chữ (hơn "
        "{characters} ký tự) so với một bản tin. Hãy chép nội dung sang một tệp Word mới "
        "hoặc chia nhỏ bản tin."
    ),
    Code.TEXT_TOO_LONG: (
        "Bản tin dài {characters} ký tự, vượt quá giới hạn {limit} ký tự. "
        "Hãy tách thành nhiều bản tin."
    ),
    Code.FRONT_MATTER_OPEN: "Phần thông tin đầu tệp mở bằng '---' nhưng không có '---' đóng lại.",
    Code.NOTHING_GIVEN: "Chưa chọn tệp hoặc dán nội dung bản tin.",
    Code.TOPIC_MISSING: (
        "Bản tin tuyên truyền CCHC cần chọn chủ đề theo kế hoạch (a, b, c, d, đ); bản tin khẩn "
        "cấp, thông báo và loại khác thì không cần."
    ),
    Code.TOPIC_UNKNOWN: "Chủ đề “{topic}” không thuộc kế hoạch (a, b, c, d, đ).",
    Code.WEEK_INVALID: "Tuần không hợp lệ: “{week}” (ví dụ đúng: 2024-W10).",
    Code.DATE_INVALID: "Ngày không hợp lệ: “{value}” (dạng đúng: ngày/tháng/năm, ví dụ 31/03/2024).",
    Code.DATES_REVERSED: "Ngày kết thúc đứng trước ngày bắt đầu. Hãy chọn lại.",
    Code.YEAR_OUT_OF_RANGE: "“{value}” nằm ngoài khoảng năm {first}–{last}. Hãy chọn lại.",
    Code.PERIOD_UNKNOWN: "“{value}” không phải kỳ báo cáo (ví dụ đúng: 2024-Q1, 2024-H1, 2024, 2024-03).",
    Code.PERIOD_MISSING: "Hãy chọn kỳ báo cáo hoặc khoảng ngày (từ ngày – đến ngày).",
    Code.PLAN_INVALID: "Không dùng được tệp kế hoạch {name}: {detail}",
    Code.PRIORITY_UNKNOWN: "Mức ưu tiên “{priority}” không hợp lệ.",
    Code.KIND_UNKNOWN: "Loại bản tin “{kind}” không hợp lệ.",
    Code.TOWN_UNSET: (
        "Chưa đặt tên xã và tỉnh nên chưa lập được báo cáo; kỹ thuật viên chạy lệnh "
        'broadcaster init --town "xã …" --province "…".'
    ),
    Code.PLAN_EXISTS: "Tệp kế hoạch {name} đã có; hãy sửa tệp đó.",
    Code.PLAN_NO_SOURCE: "Chưa có tệp kế hoạch năm {year} để sao chép ({name}).",
    Code.SCRIPT_NOT_FOUND: "Không có bản tin số {script_id}.",
    Code.SCRIPT_EMPTY: "Nội dung bản tin đang trống. Hãy nhập nội dung rồi lưu lại.",
    Code.SCRIPT_RETIRED: "Bản tin số {script_id} đã ngừng phát nên không thể sửa, duyệt hay phát.",
    Code.SCRIPT_ALREADY_APPROVED: "Bản tin số {script_id} đã được {approver} duyệt rồi.",
    Code.SCRIPT_NOT_APPROVED: (
        "Bản tin số {script_id} chưa được duyệt. Cần lãnh đạo duyệt trước khi phát."
    ),
    Code.SCRIPT_TOO_LONG: (
        "Bản tin dài khoảng {minutes} phút {seconds} giây, dài hơn khung giờ dài nhất "
        "({longest} phút). Hãy rút gọn hoặc tách thành nhiều bản tin."
    ),
    Code.SCRIPT_CHANGED: "Bản tin đã được sửa sau khi anh/chị mở trang; hãy xem lại rồi mới duyệt.",
    Code.SCRIPT_EDIT_CONFLICT: (
        "Bản tin vừa được người khác sửa sau khi anh/chị mở trang nên nội dung của anh/chị "
        "chưa được lưu. Nội dung anh/chị nhập vẫn còn trong ô sửa; hãy đối chiếu với bản mới "
        "rồi lưu lại."
    ),
    Code.APPROVER_MISSING: "Cần ghi tên người duyệt.",
    Code.NO_AUDIO: (
        "Bản tin số {script_id} chưa có âm thanh cho nội dung hiện tại. "
        "Hãy bấm “Tạo âm thanh” rồi thử lại."
    ),
    Code.RENDER_NOTHING_TO_SAY: (
        "Bản tin số {script_id} không còn gì để đọc sau khi chuẩn hóa. Hãy kiểm tra nội dung."
    ),
    Code.RENDER_MASTERING: (
        "Chưa tạo được âm thanh cho bản tin số {script_id}: lỗi xử lý âm thanh ({detail}). "
        "Báo kỹ thuật viên."
    ),
    Code.RENDER_NO_VOICE: (
        "Chưa tạo được âm thanh cho bản tin số {script_id}: không giọng đọc nào hoạt động "
        "({detail}). Hãy thử lại sau hoặc báo kỹ thuật viên."
    ),
    Code.RECORDING_MISSING: "Chưa có bản ghi âm hay tệp âm thanh nào được gửi lên.",
    Code.RECORDING_UNREADABLE: "Tệp {name} không phải âm thanh đọc được; hãy gửi tệp khác.",
    Code.RECORDING_TOO_LONG: (
        "Bản ghi âm dài hơn {minutes} phút, dài hơn khung giờ dài nhất; hãy ghi ngắn lại hoặc "
        "tách thành nhiều bản tin."
    ),
    Code.RECORDING_TOO_SLOW: (
        "Đọc tệp {name} mất quá {seconds} giây; hãy gửi tệp ngắn hơn hoặc nhỏ hơn."
    ),
    Code.RECORDING_SILENT: "Bản ghi âm {name} không có tiếng; hãy kiểm tra micrô rồi ghi lại.",
    Code.RECORDING_LOST: (
        "Bản ghi âm của bản tin số {script_id} bị thiếu hoặc đã thay đổi; giọng máy không đọc "
        "thay bản ghi âm: hãy ghi âm hoặc tải tệp lên lại."
    ),
    Code.SLOT_NO_OCCURRENCE: "Khung giờ {slot} không phát vào lúc {when}.",
    Code.SLOT_BEGUN: "Khung giờ {slot} lúc {when} đã bắt đầu, không thể thay đổi nữa.",
    Code.SLOT_OVERFULL: (
        "Các bản tin đã chọn dài {seconds} giây, vượt quá {minutes} phút của khung giờ {slot}."
    ),
    Code.SLOT_EMERGENCY: (
        "Bản tin số {script_id} là bản tin khẩn cấp: bản tin khẩn cấp được phát bằng “Phát ngay”, "
        "không xếp vào khung giờ phát thường xuyên {slot}. Chỉ lãnh đạo mới đưa được bản tin khẩn "
        "cấp vào khung giờ thường, sau khi xác nhận."
    ),
    Code.SLOT_EMERGENCY_LEADER: (
        "“{name}” không phải tài khoản lãnh đạo đang hoạt động: chỉ lãnh đạo mới đưa được bản tin "
        "khẩn cấp vào khung giờ phát thường xuyên."
    ),
    Code.SLOT_IS_RELAY: (
        "Khung giờ {slot} là buổi tiếp sóng đài cấp trên, không xếp bản tin vào được; hãy chọn "
        "một khung giờ phát bản tin."
    ),
    Code.SLOT_NAME_INVALID: "Tên khung giờ dài 1 đến {maximum} ký tự, không có dấu phẩy.",
    Code.SLOT_DAYS_INVALID: (
        "Hãy chọn các ngày trong tuần hoặc một ngày cụ thể cho khung giờ (chỉ một trong hai)."
    ),
    Code.SLOT_DATE_INVALID: "Ngày “{value}” không hợp lệ (dạng đúng: ngày/tháng/năm, ví dụ 29/01/2025).",
    Code.SLOT_DATE_PASSED: "Ngày {value} đã qua; khung giờ một lần phải từ hôm nay trở đi.",
    Code.SLOT_START_INVALID: "Giờ bắt đầu “{value}” không hợp lệ (dạng đúng: giờ:phút, ví dụ 06:00).",
    Code.SLOT_MINUTES_INVALID: "Thời lượng khung giờ là số phút nguyên từ 1 đến {maximum}.",
    Code.SLOT_KIND_UNKNOWN: "Loại khung giờ “{kind}” không hợp lệ.",
    Code.SLOT_EXISTS: "Đã có khung giờ tên “{name}”; hãy đặt tên khác.",
    Code.SLOT_NOT_FOUND: "Không có khung giờ “{slot}”.",
    Code.SLOT_URL_MISSING: "Khung giờ tiếp sóng cần địa chỉ luồng phát của đài cấp trên.",
    Code.SLOT_URL_INVALID: (
        "“{url}” không phải địa chỉ luồng phát: địa chỉ phải bắt đầu bằng http:// hoặc https://."
    ),
    Code.SLOT_URL_UNREACHABLE: (
        "Luồng phát {url} không trả lời trong {seconds} giây; hãy kiểm tra địa chỉ và đường Internet."
    ),
    Code.SLOT_URL_NOT_AUDIO: "Địa chỉ {url} có trả lời nhưng không phải luồng âm thanh.",
    Code.SLOT_RELAY_TOO_LONG: "Khung giờ tiếp sóng dài tối đa {maximum} phút (6 giờ).",
    Code.SLOT_FALLBACK_INVALID: (
        "Tệp dự phòng “{file}” không phải tệp âm thanh trên máy của đài; hãy ghi đường dẫn tệp "
        "MP3 hoặc WAV (hoặc để trống)."
    ),
    Code.SLOT_OVERLAP: (
        "Khung giờ “{name}” ({start}, {minutes} phút) trùng với khung giờ “{other}” ({other_start}, "
        "{other_minutes} phút) vào {when} ở cùng vùng loa; hãy dời giờ hoặc rút ngắn một khung."
    ),
    Code.SLOT_STALE: (
        "Khung giờ “{slot}” vừa được người khác thay đổi sau khi anh/chị mở trang; chưa có gì "
        "thay đổi. Hãy tải lại trang rồi làm lại."
    ),
    Code.SLOT_EDITOR: "Chỉ lãnh đạo và quản trị viên mới được thay đổi khung giờ phát.",
    Code.RULE_SLOT_MISSING: "Hãy chọn khung giờ mà ngoại lệ này áp dụng.",
    Code.RULE_DATE_MISSING: "Hãy nhập ngày áp dụng (ngày/tháng/năm).",
    Code.RULE_DATE_PASSED: "Ngày {value} đã qua; ngoại lệ chỉ áp dụng từ hôm nay trở đi.",
    Code.RULE_NOT_ON_DATE: "Khung giờ “{slot}” không phát vào ngày {date}; không có gì để đổi.",
    Code.RULE_DAY_INVALID: "Ngày hoán đổi phải phát như một thứ trong tuần, hoặc là ngày nghỉ.",
    Code.RULE_EXISTS: "Đã có một ngoại lệ cho {what}; hãy xóa ngoại lệ đó trước.",
    Code.RULE_NOT_FOUND: "Không có ngoại lệ số {rule}; có thể người khác vừa xóa.",
    Code.RULE_STALE: (
        "Ngoại lệ số {rule} vừa được người khác thay đổi hoặc xóa; chưa có gì thay đổi. Hãy tải "
        "lại trang rồi làm lại."
    ),
    Code.DAEMON_BUSY: "Một chương trình phát tự động khác ({holder}) đang chạy.",
    Code.LEASE_LOST: (
        "Một chương trình phát tự động khác ({holder}) đã tiếp quản; chương trình này đã dừng."
    ),
    Code.DAEMON_NOT_RUNNING: (
        "Chương trình phát tự động đang không chạy nên chưa phát ngay được. "
        "Báo kỹ thuật viên khởi động lại."
    ),
    Code.DAEMON_OWNS_OUTPUT: "Chương trình phát tự động đang giữ loa; không chọn đầu ra khác.",
    Code.AIR_REQUEST_TIMEOUT: (
        "Chương trình phát tự động chưa phát sau {seconds} giây; yêu cầu vẫn chờ. "
        "Xem trang Tình trạng."
    ),
    Code.AIR_REQUEST_FAILED: "Không phát được bản tin. Xem lý do ở trang Tình trạng.",
    Code.AIRING_FAILED: "Lượt phát số {airing_id} không thành công: {detail}",
    Code.WITNESS_UNREADABLE: "Tệp bản sao đối chứng không đúng dạng; hãy dùng tệp do lệnh lưu bản sao ghi ra.",
    Code.OUTPUT: "Không phát ra loa được: {detail}",
    Code.CONFIG: "Tệp cấu hình có lỗi: {detail} Báo kỹ thuật viên.",
    Code.SLOTS: "Lịch phát sóng có lỗi: {detail} Báo kỹ thuật viên sửa tệp lịch.",
    Code.LEXICON: "Tệp từ viết tắt có lỗi: {detail} Báo kỹ thuật viên sửa tệp.",
    Code.NOT_INITIALISED: "Chưa có cơ sở dữ liệu. Báo kỹ thuật viên chạy lệnh broadcaster init.",
    Code.DATABASE_UNREACHABLE: "Không mở được cơ sở dữ liệu. Báo kỹ thuật viên.",
    Code.SCHEMA_OUTDATED: (
        "Cơ sở dữ liệu thuộc phiên bản cũ. Báo kỹ thuật viên chạy lệnh broadcaster init để nâng cấp."
    ),
    Code.SCHEMA_NEWER: "Cơ sở dữ liệu thuộc phiên bản mới hơn phần mềm. Báo kỹ thuật viên.",
    Code.SCHEMA_UNKNOWN: "Cơ sở dữ liệu không đúng dạng của phần mềm. Báo kỹ thuật viên.",
    Code.SCHEMA_DOWNGRADE_REFUSED: "Không thể hạ phiên bản vì sẽ mất dữ liệu bằng chứng phát sóng.",
    Code.USER_NAME_MISSING: "Cần nhập tên đăng nhập.",
    Code.USER_ROLE_UNKNOWN: "Vai trò “{role}” không hợp lệ.",
    Code.USER_PASSWORD_SHORT: "Mật khẩu cần ít nhất {minimum} ký tự.",
    Code.USER_EXISTS: "Tên đăng nhập “{name}” đã có người dùng.",
    Code.USER_NAME_TOO_LONG: "Tên đăng nhập dài tối đa {maximum} ký tự.",
    Code.ZONE_NAME_INVALID: "Tên vùng dài 1 đến {maximum} ký tự, không có dấu phẩy, ví dụ “Thôn 1”.",
    Code.ZONE_EXISTS: "Vùng “{name}” đã có.",
    Code.ZONE_NOT_FOUND: "Không có vùng “{name}”; xem danh sách vùng ở trang Tình trạng.",
    Code.CLUSTER_NAME_INVALID: (
        "Tên cụm loa gồm 2 đến {maximum} chữ thường không dấu, chữ số hoặc “-”, ví dụ “thon-1”."
    ),
    Code.CLUSTER_EXISTS: "Cụm loa “{name}” đã có.",
    Code.CLUSTER_NOT_FOUND: "Không có cụm loa “{name}”; xem danh sách ở trang Tình trạng.",
    Code.CLUSTERS_OFF: (
        "Đài chưa nối với cụm loa nào: kỹ thuật viên cần đặt mqtt_host trong broadcaster.toml."
    ),
    Code.USER_NAME_RESERVED: (
        "Tên “{name}” được dành riêng cho nhật ký phát (demo, system, cli:…); hãy chọn tên khác."
    ),
    Code.USER_PASSWORD_COMMON: (
        "Mật khẩu này nằm trong danh sách mật khẩu phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."
    ),
    Code.USER_PASSWORD_IS_NAME: "Mật khẩu không được trùng với tên đăng nhập; hãy chọn mật khẩu khác.",
    Code.USER_PASSWORD_WRONG: "Mật khẩu hiện tại không đúng; chưa có gì thay đổi.",
    Code.USER_PASSWORD_SAME: "Mật khẩu mới trùng với mật khẩu cũ; hãy chọn mật khẩu khác.",
    Code.USER_NOT_FOUND: "Không có tài khoản “{name}”.",
    Code.LOGIN_FAILED: "Tên đăng nhập hoặc mật khẩu không đúng. Vui lòng nhập lại.",
    Code.LOGIN_SLOWED: (
        "Tài khoản này vừa bị nhập sai mật khẩu nhiều lần: hãy đợi {seconds} giây rồi thử lại."
    ),
    Code.LOGIN_ADDRESS_BLOCKED: (
        "Máy này đã nhập sai mật khẩu quá nhiều lần: hãy thử lại sau {minutes} phút."
    ),
    Code.APPROVER_UNKNOWN: "“{name}” không phải tài khoản lãnh đạo đang hoạt động.",
    Code.SELF_APPROVAL: (
        "{name} là người soạn hoặc ghi âm bản tin {script_id}; cần một lãnh đạo khác duyệt bản tin này."
    ),
    Code.USER_LAST_ADMIN: (
        "“{name}” là quản trị viên cuối cùng còn hoạt động; hãy tạo quản trị viên khác trước."
    ),
}


DAYS_VI = {"mon": "Thứ Hai", "tue": "Thứ Ba", "wed": "Thứ Tư", "thu": "Thứ Năm",
           "fri": "Thứ Sáu", "sat": "Thứ Bảy", "sun": "Chủ Nhật"}  # fmt: skip


def when_vi(when: str) -> str:
    """Days ("mon, sat") or a date ("2025-01-29") of a refusal, in Vietnamese words."""
    parts = [part.strip() for part in when.split(",")]
    if all(part in DAYS_VI for part in parts):
        return ", ".join(DAYS_VI[part] for part in parts)
    return "ngày " + ", ".join("/".join(reversed(part.split("-"))) for part in parts)


def vietnamese(error: BroadcasterError) -> str:
    """The Vietnamese sentence for a refusal, by its code; a note it carries (what a player or
    an airing said) is worded in Vietnamese too."""
    data = dict(error.data)
    if data.get("note"):
        data["detail"] = notes.vietnamese(data["note"])
    if error.code == Code.SLOT_OVERLAP:
        data["when"] = when_vi(str(data["when"]))
    return VIETNAMESE[error.code].format(**data)
