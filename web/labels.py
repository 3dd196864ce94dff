"""Vietnamese names of the voices and of the spoken-form rules the script page explains."""

from __future__ import annotations

from broadcaster.enums import VOICE_LABELS_VI as VOICE_LABELS_VI

RULE_LABELS_VI = {
    "url": "địa chỉ trang web",
    "email": "địa chỉ thư điện tử",
    "page furniture": "số trang, dòng kẻ",
    "list marker": "đánh số mục",
    "document symbol": "số, ký hiệu văn bản",
    "phone number": "số điện thoại",
    "quarter": "quý",
    "date": "ngày tháng",
    "date or share": "ngày tháng hoặc tỷ lệ",
    "time": "giờ",
    "range": "khoảng (từ … đến …)",
    "per": "đơn vị tính",
    "ordinal": "thứ, tháng",
    "Roman numeral": "số La Mã",
    "abbreviation echo": "chữ viết tắt lặp lại",
    "abbreviation": "chữ viết tắt",
    "number": "số",
    "letter names": "đánh vần chữ cái",
    "symbol": "ký hiệu",
    "punctuation": "dấu câu",
    "letterhead": "phần đầu văn bản (quốc hiệu, số, nơi gửi)",
    "table header": "dòng tiêu đề của bảng",
    "joined abbreviations": "chữ viết tắt ghép",
    "alarm level": "mức báo động lũ",
    "loanword": "từ nước ngoài",
    "byline": "tên báo đầu bài",
    "step": "mũi tên, bước",
    "officer's reading": "lời đọc do cán bộ ghi",
    "footnote": "chú thích",
    "coordinate": "tọa độ (kinh độ, vĩ độ)",
    "unit": "đơn vị đo",
    "sentence end": "hết câu (thiếu dấu cách)",
    "capitals as words": "chữ in hoa đọc thành từ",
    "or more": "trở lên (dấu +)",
    "table column": "cột của bảng (đọc kèm tên cột)",
}
