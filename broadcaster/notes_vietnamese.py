"""The Vietnamese words of each note (`notes.NoteCode`): the web page's and the Office's report
files' sentences. Apart from `notes` so each table has room; `Note.vietnamese` loads it."""

from __future__ import annotations

from broadcaster.notes import NoteCode

_SLOT_VI = "Không phát trong khung giờ {slot} lúc {at}: "
_LATE_VI = "Bắt đầu phát chậm {seconds} giây so với giờ của khung: "

VIETNAMESE: dict[NoteCode, str] = {
    NoteCode.PREEMPTED: "Dừng để phát bản tin khẩn.",
    NoteCode.DAEMON_STOPPED: "Chương trình phát tự động được tắt khi đang phát bản tin này.",
    NoteCode.FENCED: "Dừng ngay: một máy khác đã nhận quyền phát trên cùng cơ sở dữ liệu.",
    NoteCode.TAKEN_BACK: "Dừng: bản tin bị trả lại, thôi phát hoặc được sửa khi đang phát.",
    NoteCode.SLOT_WITHDRAWN: "Dừng: khung giờ bị tạm dừng, xoá hoặc thay đổi khi đang phát.",
    NoteCode.DAEMON_ENDED_DURING: (
        "Chương trình phát tự động ngừng đột ngột khi đang phát bản tin này; giờ kết thúc là "
        "ước tính (lần cuối chương trình còn hoạt động)."
    ),
    NoteCode.DAEMON_ENDED_BEFORE_SOUND: (
        "Chương trình phát tự động ngừng trước khi bản tin ra loa."
    ),
    NoteCode.AIRED_AGAIN: (
        "Đã phát khi cơ sở dữ liệu không trả lời; mục này cũng đã được phát ở một lượt khác."
    ),
    NoteCode.MISSED_NO_DAEMON: _SLOT_VI
    + "lúc đó chương trình phát tự động không chạy (chỉ chạy từ {since}).",
    NoteCode.MISSED_CUT_OFF: _SLOT_VI
    + "khung giờ bị ngắt trước lượt bản tin này (chương trình phát bị dừng hoặc mất quyền phát).",
    NoteCode.MISSED_SLOT_CHANGED: _SLOT_VI
    + "khung giờ được thay đổi, tạm dừng hoặc xóa khi đang phát; thay đổi áp dụng từ buổi phát "
    "sau.",
    NoteCode.LATE_DAEMON_STARTED: _LATE_VI + "chương trình phát tự động bắt đầu chạy lúc {since}.",
    NoteCode.LATE_DATABASE: _LATE_VI + "cơ sở dữ liệu không trả lời từ {since}.",
    NoteCode.LATE_CLOCK: _LATE_VI + "đồng hồ máy phát bị chỉnh lúc {at}.",
    NoteCode.LATE_BUSY: _LATE_VI + "đang phát bản tin khác, hoặc máy tính đang bận.",
    NoteCode.MISSED_LATE: _SLOT_VI + "khung giờ không bắt đầu được trong vòng {minutes} phút.",
    NoteCode.MISSED_CLOCK_JUMPED: _SLOT_VI
    + "đồng hồ máy phát bị nhảy tới {seconds} giây lúc {jumped_at}, vượt qua giờ của khung.",
    NoteCode.MISSED_DAEMON_STOPPED: _SLOT_VI + "chương trình phát tự động được tắt giữa khung giờ.",
    NoteCode.MISSED_TAKEN_BACK: _SLOT_VI + "bản tin bị trả lại, thôi phát hoặc được sửa.",
    NoteCode.MISSED_SLOT_FULL: _SLOT_VI
    + "hết khung giờ trước lượt bản tin này (các bản tin trước đã dùng hết thời lượng).",
    NoteCode.MISSED_NO_AUDIO: _SLOT_VI + "tệp âm thanh bị mất hoặc hỏng và không tạo lại được.",
    # Vietnamese notes name no audio file: the row beside them names the bulletin and its time.
    NoteCode.AUDIO_CHANGED: "Tệp âm thanh của bản tin bị mất hoặc đã bị thay đổi sau khi tạo.",
    NoteCode.AUDIO_MISSING: "Không tìm thấy tệp âm thanh của bản tin.",
    NoteCode.DROP_FOLDER_MISSING: (
        "Không có thư mục nhận âm thanh {folder}. Báo kỹ thuật viên tạo thư mục hoặc sửa cấu hình."
    ),
    NoteCode.DROP_COPY_FAILED: (
        "Không chép được âm thanh vào thư mục {folder} ({detail}). Báo kỹ thuật viên."
    ),
    NoteCode.COMMAND_INVALID: "Lệnh phát âm thanh viết sai ({detail}). Báo kỹ thuật viên.",
    NoteCode.COMMAND_NOT_FOUND: "Không tìm thấy lệnh “{command}”. Báo kỹ thuật viên.",
    NoteCode.COMMAND_TIMEOUT: (
        "Lệnh “{command}” không kết thúc sau {seconds} giây nên đã bị dừng. Báo kỹ thuật viên."
    ),
    NoteCode.PLAYER_EXIT: (
        "Lệnh phát âm thanh báo lỗi (mã {exit_code}). Báo kỹ thuật viên. Chi tiết: {detail}"
    ),
    NoteCode.HOOK_EXIT: (
        "Lệnh bật/tắt thiết bị ({hook}) “{command}” báo lỗi (mã {exit_code}). Báo kỹ thuật viên."
    ),
    NoteCode.AFTER_HOOK_FAILED: "{cause} Bản tin vẫn đã phát; hãy kiểm tra bộ khuếch đại.",
    NoteCode.SOUND_BACKEND_UNKNOWN: (
        "Hệ thống âm thanh “{backend}” không có trên máy (có: {names}). Báo kỹ thuật viên."
    ),
    NoteCode.SOUND_SYSTEM: "Không mở được hệ thống âm thanh ({detail}). Báo kỹ thuật viên.",
    NoteCode.NO_SOUND_CARD: (
        "Không tìm thấy card âm thanh. Hãy cắm card âm thanh hoặc báo kỹ thuật viên chọn cách phát khác."
    ),
    NoteCode.SOUND_CARD_MISSING: (
        "Không có card âm thanh tên “{device}” (máy có: {names}). Báo kỹ thuật viên."
    ),
    NoteCode.SOUND_CARD_STALLED: "Card âm thanh ngừng nhận âm thanh giữa chừng. Báo kỹ thuật viên.",
    NoteCode.STREAM_URL_BAD: "{url} không phải địa chỉ luồng phát: địa chỉ phải bắt đầu bằng http:// hoặc https://.",
    NoteCode.STREAM_LOST: (
        "Luồng tiếp sóng {url} không có âm thanh sau {tries} lần kết nối ({detail}). "
        "Kiểm tra đường Internet và địa chỉ luồng."
    ),
    NoteCode.RELAY_NOT_FOR_CLUSTERS: (
        "Khung tiếp sóng {slot} lúc {at} không được gửi tới các cụm loa: máy trạm chưa có máy chủ "
        "Icecast cho cụm loa (nhờ kỹ thuật viên đặt relay_icecast)."
    ),
    NoteCode.RELAY_LOST: "Tiếp sóng {slot} lúc {at}: mất luồng {url}; phát tệp dự phòng {fallback}.",
    NoteCode.RELAY_LOST_SILENT: "Tiếp sóng {slot} lúc {at}: mất luồng {url}, không có tệp dự phòng.",
    NoteCode.SOUND_CARD_FAILED: (
        "Card âm thanh không phát được tệp âm thanh của bản tin ({detail}). Báo kỹ thuật viên."
    ),
    NoteCode.OUTPUT_UNKNOWN: "Cấu hình đầu ra “{spec}” không hợp lệ. Báo kỹ thuật viên.",
    NoteCode.WITNESS_FAILED: (
        "Không gửi được mã đầu chuỗi cho bên đối chứng (lệnh “{command}”: {detail}). "
        "Báo kỹ thuật viên."
    ),
    NoteCode.WITNESS_EXIT: (
        "Lệnh gửi mã đầu chuỗi cho bên đối chứng “{command}” báo lỗi (mã {exit_code}). "
        "Báo kỹ thuật viên. Chi tiết: {detail}"
    ),
    NoteCode.AUDIO_NOT_REMADE: (
        "Âm thanh của bản tin số {script_id} ({title}) bị mất và không tạo lại được, nên bản tin "
        "không được phát. Hãy mở bản tin và tạo lại âm thanh, hoặc báo kỹ thuật viên. "
        "Chi tiết: {detail}"
    ),
    NoteCode.AIR_NOW_NOT_READY: (
        "Yêu cầu phát ngay số {request_id} không thực hiện được: bản tin số {script_id} chưa được "
        "duyệt hoặc chưa có âm thanh."
    ),
    NoteCode.JOURNAL_WRITTEN: (
        "Cơ sở dữ liệu không trả lời từ {since}: các bản tin vẫn được phát theo kế hoạch, bằng "
        "chứng được giữ tạm và nay đã ghi đầy đủ. Chi tiết: {detail}"
    ),
    NoteCode.CLUSTER_FROM_CACHE: (
        "Cụm loa phát từ bộ nhớ đệm của mình khi mất kết nối; liên lạc cuối lúc {last_contact}."
    ),
    NoteCode.CLUSTER_SAID: "Cụm loa báo: {detail}",
    NoteCode.CLUSTER_REPORT_REFUSED: "Đã từ chối một báo cáo của cụm loa {cluster}: {reason}.",
    NoteCode.CLUSTER_OFFLINE: "Cụm loa {cluster} ({zone}) mất kết nối; tín hiệu cuối lúc {since}.",
    NoteCode.CLOCK_STEPPED: (
        "Đồng hồ máy phát bị chỉnh {seconds} giây lúc {at}; chương trình phát tự động "
        "đã đặt lại các việc theo giờ. Nếu lặp lại, báo kỹ thuật viên kiểm tra đồng bộ giờ (NTP)."
    ),
    NoteCode.CLUSTER_CLOCK: (
        "Đồng hồ của cụm loa {cluster} lệch {offset} giây so với đài; kiểm tra đồng bộ giờ (NTP)."
    ),
    NoteCode.CLUSTER_AUDIO_MISSING: (
        "Cụm loa {cluster} thiếu âm thanh của {count} bản tin sắp phát; cụm sẽ không phát được."
    ),
    NoteCode.WEEK_WITHOUT_BULLETINS: (
        "Đã lưu, nhưng tuần {weeks} sẽ không có khung giờ phát bản tin nào; hãy thêm khung giờ "
        "một lần nếu xã cần thông tin trong tuần đó."
    ),
}
