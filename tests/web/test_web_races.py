"""Two people at one bulletin through the page (issue 23): the approval binds to what the
leader read, an edit made on text someone else changed is not lost unseen."""

from __future__ import annotations

import re
import threading

from flask import Flask

from broadcaster.enums import Status
from broadcaster.services import scripts as service
from tests.conftest import FIXED_NOW
from tests.helpers import services
from tests.web.test_web import BULLETIN, approval_form, login, page, token
from tests.web.test_web import app as app  # noqa: F401  (the fixture)

WEB_RACES = 10  # the service layer's test races 200 times; the page adds its own words


def _seen(html: str) -> str:
    found = re.search(r'name="seen" value="([0-9a-f]{64})"', html)
    assert found, html
    return found.group(1)


def _flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash [^"]*"[^>]*>([^<]*)<', html)


def _draft(app: Flask) -> int:
    station = app.extensions["broadcaster"]
    with services(station, FIXED_NOW) as ctx:
        item = service.parse_script(BULLETIN.encode(), "tin.txt", topic="c")
        (script,) = service.add_scripts(ctx, [item], "vhxh")
        return script.id


def test_an_edit_on_text_changed_meanwhile_comes_back_with_what_was_typed(app: Flask) -> None:
    script_id = _draft(app)
    first, second = app.test_client(), app.test_client()
    login(first, "vhxh")
    login(second, "admin", "test-admin-pass")
    html = first.get(f"/scripts/{script_id}").get_data(as_text=True)
    form = {"csrf_token": token(first, f"/scripts/{script_id}"), "seen": _seen(html)}
    other = {"csrf_token": token(second, f"/scripts/{script_id}"), "seen": _seen(html)}
    saved = second.post(f"/scripts/{script_id}/edit", data=other | {"body": "Bản của quản trị."})
    assert saved.status_code == 303
    refused = first.post(f"/scripts/{script_id}/edit", data=form | {"body": "Bản của cán bộ."})
    shown = page(refused)
    assert refused.status_code == 409
    assert "vừa được người khác sửa" in shown and "Bản của cán bộ." in shown
    with services(app.extensions["broadcaster"], FIXED_NOW) as ctx:
        assert service.get_script(ctx, script_id).body == "Bản của quản trị."


def test_approve_and_edit_sent_together_never_approve_unread_words(app: Flask) -> None:
    leader, officer = app.test_client(), app.test_client()
    login(leader, "chutich")
    login(officer, "vhxh")
    outcomes = []
    for i in range(WEB_RACES):
        script_id = _draft(app)
        approve = approval_form(leader, script_id)
        edit = {"csrf_token": token(officer), "body": f"{BULLETIN} Sửa lần {i}."}
        barrier = threading.Barrier(2)
        answers: dict[str, str] = {}

        def send(name: str, client, path: str, form: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
            barrier.wait()  # noqa: B023  (the threads end inside this iteration)
            answer = client.post(path, data=form, follow_redirects=True)
            answers[name] = answer.get_data(as_text=True)  # noqa: B023

        threads = [
            threading.Thread(target=send, args=("approve", leader, f"/scripts/{script_id}/approve", approve)),
            threading.Thread(target=send, args=("edit", officer, f"/scripts/{script_id}/edit", edit)),
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with services(app.extensions["broadcaster"], FIXED_NOW) as ctx:
            script = service.get_script(ctx, script_id)
            said = {name: _flashes(html) for name, html in answers.items()}
            assert script.status == Status.DRAFT, said
            assert script.body.endswith(f"Sửa lần {i}."), said
        refused = "Bản tin đã được sửa sau khi anh/chị mở trang" in answers["approve"]
        assert refused or "trở lại bản nháp" in answers["edit"]
        outcomes.append("approval refused" if refused else "edit second")
    print(f"\nthrough the page, {WEB_RACES} races: {outcomes.count('approval refused')} refused")
