"""Spoken form: what a trained announcer would say, checked on a reviewed corpus and by properties."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadcaster.spoken import LexiconError, Normaliser, normalise
from broadcaster.spoken.numbers import number_words, roman_value
from broadcaster.spoken.syllables import is_syllable

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "ke-hoach-tuyen-truyen-cchc-2024.txt"  # the town's 2024 plan
NORMALISERS = {"north": Normaliser("north"), "south": Normaliser("south")}


def _corpus() -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / "spoken_cases.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        dialect, written, spoken = line.split("\t")
        rows.append((dialect, written.replace("\\n", "\n"), spoken.replace("\\n", "\n")))
    return rows


CORPUS = _corpus()


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 250


@pytest.mark.parametrize(("dialect", "written", "spoken"), CORPUS, ids=[c[1][:40] for c in CORPUS])
def test_corpus(dialect: str, written: str, spoken: str) -> None:
    assert NORMALISERS[dialect](written).text == spoken


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"), (5, "năm"), (10, "mười"), (14, "mười bốn"), (15, "mười lăm"),
        (21, "hai mươi mốt"), (24, "hai mươi tư"), (25, "hai mươi lăm"), (104, "một trăm linh bốn"),
        (2023, "hai nghìn không trăm hai mươi ba"), (1_000_000, "một triệu"),
        (2_500_000_000, "hai tỷ năm trăm triệu"), (1_000_000_000_000, "một nghìn tỷ"),
    ],
)  # fmt: skip
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


@pytest.mark.parametrize(
    ("text", "value"),
    [("I", 1), ("IV", 4), ("XIX", 19), ("XXI", 21), ("IIII", None), ("IC", None), ("", None)],
)
def test_roman_numerals(text: str, value: int | None) -> None:
    assert roman_value(text) == value


WORDS = [
    "cải cách",
    "hành chính",
    "thị trấn",
    "người dân",
    "hồ sơ",
    "Ủy ban",
    "năm",
    "ngày",
    "tháng",
    "thứ",
    "quý",
    "số",
    "đạt",
    "lúc",
    "từ",
    "đến",
    "và",
]
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["CCHC", "UBND", "HĐND", "TTHC", "KT-XH", "đ/c", "v/v", "TP.", "ABC", "XYZ", "PAR INDEX", "I.", "IV", "a)", "-", "(CCHC)"]),
    st.integers(0, 10**12).map(str),
    st.builds(lambda d, m, y: f"{d}/{m}/{y}", st.integers(1, 31), st.integers(1, 12), st.integers(1990, 2040)),
    st.builds(lambda d, m: f"{d:02d}/{m}", st.integers(1, 31), st.integers(1, 12)),
    st.builds(lambda h, m: f"{h}h{m:02d}", st.integers(0, 23), st.integers(0, 59)),
    st.builds(lambda a, b: f"{a},{b}%", st.integers(0, 100), st.integers(0, 99)),
    st.builds(lambda a: f"{a:,}".replace(",", "."), st.integers(1000, 10**9)),
    st.builds(lambda n, y, t: f"{n}/{y}/{t}-UBND", st.integers(1, 9999), st.integers(2000, 2030), st.sampled_from(["QĐ", "KH", "NĐ"])),
    st.builds(lambda a, b: f"{a}-{b}", st.integers(1990, 2040), st.integers(1990, 2040)),
    st.just("https://dichvucong.gov.vn/p/home"),
    st.just("0912.345.678"),
    st.sampled_from([".", ",", ";", ":", "\n", "\n\n"]),
)  # fmt: skip


# Bulletin-like text: each special token (number, date, symbol…) comes with a few words
# around it, as in real scripts. A bare "39882521" cannot meet the 4× bound (eight digits
# take sixty letters to say), so that bound is a property of text, not of lone numbers.
PHRASES = st.tuples(st.lists(st.sampled_from(WORDS), min_size=3, max_size=6), TOKENS).map(
    lambda pair: " ".join(pair[0]) + " " + pair[1]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PHRASES, min_size=1, max_size=12), st.sampled_from(["north", "south"]))
def test_properties_of_every_output(tokens: list[str], dialect: str) -> None:
    written = "Thông báo " + " ".join(tokens) + "."
    spoken = NORMALISERS[dialect](written).text
    assert unicodedata.is_normalized("NFC", spoken)
    assert not re.search(r"\d", spoken), spoken
    assert "/" not in spoken
    assert "http" not in spoken and "www" not in spoken and ".gov" not in spoken
    assert len(spoken) <= 4 * len(written)


def test_seed_plan_reads_cleanly() -> None:
    text = SEED.read_text(encoding="utf-8")
    spoken = normalise(text)
    assert not re.search(r"\d|/|http|www", spoken.text)
    assert unicodedata.is_normalized("NFC", spoken.text)
    for short in ("CCHC", "UBND", "HĐND", "TTHC", "KH", "QĐ"):
        assert short not in spoken.text.split()
    assert (
        "Kế hoạch số một trăm chín mươi ba ngày hai mươi sáu tháng mười hai năm hai nghìn không trăm hai mươi ba của Ủy ban nhân dân tỉnh Hưng Yên"
        in spoken.text
    )
    assert len(spoken.sentences) > 50
    assert len(spoken.text) <= 4 * len(text)


def test_explain_lists_each_replacement() -> None:
    spoken = normalise(
        "UBND thị trấn thông báo: họp lúc 6h30 ngày 15/4. Xem https://x.gov.vn. Dự án ABC.",
        explain=True,
    )
    rules = {(c.rule, c.before, c.after) for c in spoken.changes}
    assert ("abbreviation", "UBND", "Ủy ban nhân dân") in rules
    assert ("time", "6h30", "sáu giờ ba mươi phút") in rules
    assert ("date or share", "15/4", "mười lăm tháng tư") in rules
    assert ("url", "https://x.gov.vn", "ích chấm gốp chấm vê nờ") in rules
    assert ("letter names", "ABC", "a bê xê") in rules
    assert spoken.unknown == ("ABC",)
    assert normalise("UBND").changes == ()  # explain is off by default


def test_a_town_can_extend_the_dictionary(tmp_path: Path) -> None:
    extra = tmp_path / "viet-tat.tsv"
    extra.write_text(
        "# our own\nTTVH\ttrung tâm văn hóa\nUBND\tỦy ban nhân dân thị trấn\n", encoding="utf-8"
    )
    spoken = Normaliser(abbreviations_file=extra)("TTVH và UBND.")
    assert spoken.text == "Trung tâm văn hóa và Ủy ban nhân dân thị trấn."
    # the town's file also wins over the built-in loanwords
    extra.write_text("Zalo\tZa-lô\n", encoding="utf-8")
    assert Normaliser(abbreviations_file=extra)("Nhóm Zalo của thôn.").text == (
        "Nhóm Za-lô của thôn."
    )
    extra.write_text("TTVH trung tâm\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="line 1: expected ABBREVIATION<TAB>spoken form"):
        Normaliser(abbreviations_file=extra)
    with pytest.raises(LexiconError, match="Cannot read"):
        Normaliser(abbreviations_file=tmp_path / "missing.tsv")
    with pytest.raises(LexiconError, match="Reading 'west'"):
        Normaliser("west")


def test_dictionary_is_reviewed_and_large() -> None:
    from broadcaster.spoken.lexicon import builtin_abbreviations

    entries = builtin_abbreviations()
    assert len(entries) >= 80
    for short in (
        "CCHC",
        "UBND",
        "HĐND",
        "TTHC",
        "CBCCVC",
        "MTTQ",
        "KT-XH",
        "TP.",
        "Tp.",
        "đ/c",
        "v/v",
        "TDP",
        "BCĐ",
    ):
        assert short in entries


def test_sourced_rows_name_an_address_and_grouped_forms_take_every_spelling() -> None:
    from broadcaster.spoken.lexicon import HERE, builtin_abbreviations, separator_variants

    rows = [r.split("\t") for r in (HERE / "abbreviations.tsv").read_text("utf-8").splitlines()]
    sourced = [r for r in rows if len(r) == 3]
    assert len(sourced) >= 35
    assert all(r[2].startswith("http") for r in sourced)
    entries = builtin_abbreviations()
    for spelling in ("GD-ĐT", "GD - ĐT", "GD và ĐT", "LĐ-TB-XH", "VH-TT&DL", "EVN NPC"):
        assert spelling in entries, spelling
    assert entries["NN-PTNT"] == entries["NN&PTNT"]
    assert separator_variants("UBND") == []


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # a title, a time slot and a heading end their own sentence, whatever their punctuation
        ("Tin bão khẩn cấp\nBão số 7 đi nhanh.", "Tin bão khẩn cấp\n\nBão số bảy đi nhanh."),
        (
            "Buổi sáng: Từ 08h00 đến 11h00\nBuổi chiều: Từ 14h00 đến 16h30",
            "Buổi sáng:\nTừ tám giờ đến mười một giờ\n\nBuổi chiều:\nTừ mười bốn giờ đến mười sáu giờ ba mươi phút",
        ),
        ("1. Tiếp công dân định kỳ\nChủ tịch tiếp dân.", "Một, Tiếp công dân định kỳ\n\nChủ tịch tiếp dân."),
        # a line broken mid-phrase still goes on
        ("Ý kiến gửi về trụ sở của\nỦy ban nhân dân xã.", "Ý kiến gửi về trụ sở của Ủy ban nhân dân xã."),
        # a table: the header row left out, each row its own sentence, cells apart
        (
            "Tháng | Người tiếp | Chức vụ |\nTháng 7 | Nguyễn Văn A | Chủ tịch |\nTháng 8 | Trần Văn B | Phó Chủ tịch |",
            "Tháng bảy, Nguyễn Văn A, Chủ tịch.\n\nTháng tám, Trần Văn B, Phó Chủ tịch.",
        ),
        ("| Ngày | Nơi |\n| --- | --- |\n| 5/3 | Thôn Đông |", "Ngày mồng năm tháng ba, Thôn Đông."),
        # under a ruled header a bare number is read with its column's title (and unit)
        (
            "| Thôn | Số hộ | Số khẩu |\n| --- | --- | --- |\n| Thôn Đông | 120 | 450 |\n| Thôn Tây | 98 | |",
            "Thôn Đông, số hộ một trăm hai mươi, số khẩu bốn trăm năm mươi.\n\nThôn Tây, số hộ chín mươi tám.",
        ),
        (
            "| Trạm | Lượng mưa (mm) |\n| --- | --- |\n| Hương Khê | 320,5 |",
            "Hương Khê, lượng mưa ba trăm hai mươi phẩy năm mi li mét.",
        ),
        (
            "| STT | Đơn vị | Tỷ lệ (%) |\n| --- | --- | --- |\n| 1 | Xã A | 88% |",
            "Một, Xã A, tỷ lệ tám mươi tám phần trăm.",
        ),
        (
            "| Tháng | Người tiếp | Chức vụ |\n| --- | --- | --- |\n| Tháng 7 | Nguyễn Văn A | Chủ tịch |",
            "Tháng bảy, Nguyễn Văn A, Chủ tịch.",
        ),
    ],
)  # fmt: skip
def test_lines_end_their_own_sentence(written: str, spoken: str) -> None:
    assert normalise(written).text == spoken


LETTERHEAD = (
    "ỦY BAN NHÂN DÂN\nXÃ ĐỨC HỢP\n––––––\nSố: 12/TB-UBND\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc\n"
    "Đức Hợp, ngày 05 tháng 12 năm 2021\nTHÔNG BÁO\nVề việc tạm dừng tiếp công dân\n"
    "Ủy ban nhân dân xã thông báo."
)


def test_letterhead_left_out_unless_kept() -> None:
    assert normalise(LETTERHEAD).text == (
        "Thông báo\n\nVề việc tạm dừng tiếp công dân\n\nỦy ban nhân dân xã thông báo."
    )
    kept = Normaliser(letterhead="read")(LETTERHEAD).text
    assert kept.startswith("Ủy ban nhân dân\n\nXã đức hợp") and "Độc lập" in kept
    with pytest.raises(LexiconError, match="Letterhead 'maybe'"):
        Normaliser(letterhead="maybe")
    with pytest.raises(LexiconError, match="mong_days 'yes'"):
        Normaliser(mong_days="yes")
    closing = "Mức thu 40.000đ/con.\nNơi nhận:\n- Như trên;\n- Lưu: VT.\nTM. ỦY BAN NHÂN DÂN\n(Đã ký)\nNguyễn Văn An"
    assert normalise(closing).text == (
        "Mức thu bốn mươi nghìn đồng mỗi con.\n\nThay mặt ủy ban nhân dân\n\nNguyễn Văn An"
    )
    assert "Như trên" in Normaliser(letterhead="read")(closing).text
    # "V/v" in running text, without the motto or a number line, is read
    assert normalise("V/v tổ chức họp thôn.").text == "Về việc tổ chức họp thôn."


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Bão đi 10-15 km/h, gió 50-61km/h.", "Bão đi mười đến mười lăm ki lô mét một giờ, gió năm mươi đến sáu mươi mốt ki lô mét một giờ."),
        ("Gió 12 m/s, nhiệt độ 38°C, có nơi 40oC.", "Gió mười hai mét một giây, nhiệt độ ba mươi tám độ xê, có nơi bốn mươi độ xê."),
        ("Mưa 200-350mm.", "Mưa hai trăm đến ba trăm năm mươi mi li mét."),
        ("Có nơi dưới 3 độ C.", "Có nơi dưới ba độ xê."),
        ("Cơn bão số 4 (bão SONCA).Hồi 16 giờ, dịch SXH tại TP.HCM.", "Cơn bão số bốn, bão Sơn Ca.\nHồi mười sáu giờ, dịch sốt xuất huyết tại Thành phố Hồ Chí Minh."),
        ("Trên mức BĐ2 0,12m.", "Trên mức báo động hai không phẩy mười hai mét."),
        ("Lúc 14/10/2020 21:04.", "Lúc ngày mười bốn tháng mười năm hai nghìn không trăm hai mươi, hai mươi mốt giờ bốn phút."),
        ("Lúc 09:27:31.", "Lúc chín giờ hai mươi bảy phút ba mươi mốt giây."),
        ("Buổi sáng: 08 giờ 00 phút.", "Buổi sáng:\nTám giờ."),
        ("Bầu cử ngày 23 – 5 – 2021.", "Bầu cử ngày hai mươi ba tháng năm năm hai nghìn không trăm hai mươi mốt."),
        ("Luật số 42/2013/QH13.", "Luật số bốn mươi hai năm hai nghìn không trăm mười ba của Quốc hội khóa mười ba."),
        ("Thông tư 16/2016/TTLT-BYT-BQP.", "Thông tư mười sáu năm hai nghìn không trăm mười sáu của Bộ Y tế và Bộ Quốc phòng."),
        ("Văn phòng HĐND-UBND, trụ sở HĐND&UBND, UBND/HĐND.", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân, trụ sở Hội đồng nhân dân và Ủy ban nhân dân, Ủy ban nhân dân và Hội đồng nhân dân."),
        ("Phòng, chống HIV/AIDS.", "Phòng, chống hát i vê ết."),
        ("Tiêm vaccine COVID-19, CoVid-19.", "Tiêm vắc-xin cô-vít mười chín, cô-vít mười chín."),
        ("Bão YAGI đổ bộ vào Philippines.", "Bão Ya-gi đổ bộ vào Phi-líp-pin."),
        ("Khám NVQS, tham gia CAND, độ tuổi SSNN.", "Khám nghĩa vụ quân sự, tham gia Công an nhân dân, độ tuổi sẵn sàng nhập ngũ."),
        ("Ngày 26-11 trao lệnh, từ ngày 20-25 khám.", "Ngày hai mươi sáu tháng mười một trao lệnh, từ ngày hai mươi đến hai mươi lăm khám."),
        ("Lịch tháng 7-2021 tạm hoãn.", "Lịch tháng bảy năm hai nghìn không trăm hai mươi mốt tạm hoãn."),
        ("Lên mức BĐ2-BĐ3, trên báo động (BĐ)1 0,5m.", "Lên mức báo động hai đến báo động ba, trên báo động một không phẩy năm mét."),
        ("UBND tỉnh có Thông báo số 364/TB-UBND về việc đổi lịch.", "Ủy ban nhân dân tỉnh có Thông báo số ba trăm sáu mươi tư về việc đổi lịch."),
        ("Hướng dẫn 688/HD – BCH ngày 10/10/2018.", "Hướng dẫn sáu trăm tám mươi tám của Ban Chấp hành ngày mồng mười tháng mười năm hai nghìn không trăm mười tám."),
        ("Đăng lúc 07:54 16/04/2021 (GMT+7).", "Đăng lúc bảy giờ năm mươi tư phút ngày mười sáu tháng tư năm hai nghìn không trăm hai mươi mốt."),
        ("Trường có dấu * bắt buộc, trụ sở UB MTTQ TP Hà Tĩnh.", "Trường có dấu sao bắt buộc, trụ sở Ủy ban Mặt trận Tổ quốc thành phố Hà Tĩnh."),
    ],
)  # fmt: skip
def test_real_notice_tokens(written: str, spoken: str) -> None:
    assert normalise(written).text == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Mở ứng dụng → Thủ tục → Tạo mới.", "Mở ứng dụng.\nThủ tục.\nTạo mới."),
        ("Chọn Cài đặt -> Bảo mật", "Chọn Cài đặt.\nBảo mật"),
        ("Tại địa chỉ: https://luquetsatlo.nchmf.gov.vn và bản tin.", "Tại địa chỉ:\nLũ quét sạt lở chấm nờ xê hát mờ ép chấm gốp chấm vê nờ và bản tin."),
        ("Liên hệ bbt@gmail.com.", "Liên hệ bê bê tê a còng gờ meo chấm com."),
        ("(BVPL) - Người dân cần biết.", "Người dân cần biết."),
        ("Tiêm [[COVID-19|cô-vít mười chín]] tại [[EA Tiêu|Ê-a Tiêu]].", "Tiêm cô-vít mười chín tại Ê-a Tiêu."),
        ("Đại hội lần thứ XIV (19 - 23/01/2026).", "Đại hội lần thứ mười bốn, từ ngày mười chín đến ngày hai mươi ba tháng một năm hai nghìn không trăm hai mươi sáu."),
        ("Đăng 23/12/2025 20:46:00.", "Đăng ngày hai mươi ba tháng mười hai năm hai nghìn không trăm hai mươi lăm, hai mươi giờ bốn mươi sáu phút."),
        ("Nhiều bệnh khác. (1)", "Nhiều bệnh khác."),
        ("Khối ASEAN, bão KROSA, UBND và HIV.", "Khối Asean, bão Krosa, Ủy ban nhân dân và hát i vê."),
        ("Phạt từ 800.000 đồng - 1,2 triệu đồng, từ 18 tuổi - 25 tuổi.", "Phạt từ tám trăm nghìn đồng đến một phẩy hai triệu đồng, từ mười tám tuổi đến hai mươi lăm tuổi."),
        ("Quyết định số 168a/QĐ-UBND tại TP.HCM.", "Quyết định số một trăm sáu mươi tám a của Ủy ban nhân dân tại Thành phố Hồ Chí Minh."),
        ("Tâm bão ở 17,5N-108,2E, khoảng 17.5N - 108.2E.", "Tâm bão ở mười bảy phẩy năm độ vĩ bắc, một trăm linh tám phẩy hai độ kinh đông, khoảng mười bảy phẩy năm độ vĩ bắc, một trăm linh tám phẩy hai độ kinh đông."),
        ("Ở vĩ độ 17,5N – kinh độ 108,2E.", "Ở vĩ độ mười bảy phẩy năm độ bắc, kinh độ một trăm linh tám phẩy hai độ đông."),
        ("Vùng biển từ 15,0-18,5N, phía Tây kinh tuyến 112E.", "Vùng biển từ mười lăm đến mười tám phẩy năm độ vĩ bắc, phía Tây kinh tuyến một trăm mười hai độ kinh đông."),
        ("Ông Đặng Thanh Minh- Chủ tịch UBND huyện.", "Ông Đặng Thanh Minh, Chủ tịch Ủy ban nhân dân huyện."),
        ("Lúc 18h40p, giật trên cấp 17+, giật cấp 15+, phim 18+.", "Lúc mười tám giờ bốn mươi phút, giật trên cấp mười bảy, giật cấp mười lăm trở lên, phim mười tám cộng."),
        ("Khoảng ngày 5-6/9.", "Khoảng ngày mồng năm đến ngày mồng sáu tháng chín."),
    ],
)  # fmt: skip
def test_steps_addresses_and_the_officers_reading(written: str, spoken: str) -> None:
    assert normalise(written).text == spoken


def test_the_officers_reading_is_listed() -> None:
    first = normalise("Xã [[EA|Ê-a]] Tiêu.", explain=True).changes[0]
    assert (first.rule, first.before, first.after) == ("officer's reading", "EA", "Ê-a")


def test_first_ten_days_take_mong_unless_off() -> None:
    text = "Họp ngày 05/3, ngày 4 tháng 3 và mồng 6/3; hạn 15/3."
    assert normalise(text).text == (
        "Họp ngày mồng năm tháng ba, ngày mồng bốn tháng ba và mồng sáu tháng ba\n"
        "Hạn ngày mười lăm tháng ba."
    )
    assert NORMALISERS["south"]("Ngày 05/3.").text == "Ngày mùng năm tháng ba."
    assert Normaliser(mong_days="off")(text).text.startswith("Họp ngày năm tháng ba, ngày bốn")


@pytest.mark.parametrize(
    ("word", "valid"),
    [
        *((w, True) for w in "KHẨN THÔNG BÁO NGHĨA QUÂN QUYẾT QUỲNH GIÊNG GÌ GIỮ KHUYA YÊN ƯƠNG KỲ HOẠCH NHẬP".split()),
        # abbreviations and names; "ĐẮK" ends in k; stop codas take only sắc or nặng
        *((w, False) for w in "UBND KROSA ASEAN TP VN HIV ĐẮK EA BOT BẢT GE NGI CI KA GHA".split()),
    ],
)  # fmt: skip
def test_vietnamese_syllables(word: str, valid: bool) -> None:
    assert is_syllable(word) is valid


@pytest.mark.parametrize(
    ("written", "spoken", "unknown"),
    [
        ("Đây là THÔNG BÁO KHẨN của UBND xã.", "Đây là thông báo khẩn của Ủy ban nhân dân xã.", ()),
        ("Trao LỆNH GỌI NHẬP NGŨ cho công dân.", "Trao lệnh gọi nhập ngũ cho công dân.", ()),
        ("Theo KẾ HOẠCH số 5, thực hiện NGHĨA VỤ QUÂN SỰ.", "Theo kế hoạch số năm, thực hiện nghĩa vụ quân sự.", ()),
        ("Cơn bão SƠN TINH và bão KROSA.", "Cơn bão sơn tinh và bão Krosa.", ("KROSA",)),
        # three letters or fewer without a mark stay as before, unless beside a plain word
        ("Trụ sở CA, TP và VN.", "Trụ sở xê a, thành phố và vê nờ.", ("CA", "VN")),
        ("Vì GIA ĐÌNH, vì VIỆT NAM.", "Vì gia đình, vì việt nam.", ()),
    ],
)  # fmt: skip
def test_capitals_read_as_words_when_they_are_vietnamese(
    written: str, spoken: str, unknown: tuple[str, ...]
) -> None:
    result = normalise(written)
    assert (result.text, result.unknown) == (spoken, unknown)
