"""Where a refused form goes back to: its own page, chosen from the route (never the Referer)."""

from __future__ import annotations

from flask import g, redirect, request, url_for
from werkzeug.wrappers import Response

from broadcaster.errors import BroadcasterError
from broadcaster.services.scripts import clean_week


def form_page(week: str | None = None) -> Response:
    """A redirect to the page that holds the form this request was sent from.

    It reads nothing from the body: it also answers a body refused as too large."""
    endpoint = request.endpoint or ""
    script_id = (request.view_args or {}).get("script_id")
    if endpoint == "auth.login":
        return redirect(url_for("auth.login"))
    if script_id is not None:
        return redirect(url_for("scripts.detail", script_id=script_id))
    if endpoint in ("programme.plan", "programme.arrange", "programme.emergency"):
        return redirect(url_for("programme.week", week=week))
    if endpoint.startswith("slots."):
        return redirect(url_for("slots.index"))
    return redirect(url_for("scripts.index"))


def form_again() -> tuple[str | Response, int]:
    """The page of a form refused for its CSRF token, with the text that was typed kept.

    The page is rendered here (400), not redirected to, so a long bulletin typed into it
    survives; nothing the form asked for was done.
    """
    from . import auth, scripts, slots

    endpoint = request.endpoint or ""
    if endpoint == "auth.login":
        return auth.login_page(request.form.get("name", "")), 400
    if g.get("user") is None:
        return redirect(url_for("auth.login")), 303
    if endpoint == "scripts.create":
        return scripts.index_page(kept=request.form), 400
    if endpoint in ("slots.add", "slots.change"):
        return slots.form_again(), 400
    if endpoint == "scripts.edit":
        page = scripts.detail_page((request.view_args or {})["script_id"], kept=request.form)
        if page is not None:
            return page, 400
    try:
        week = clean_week(request.form.get("week"))
    except BroadcasterError:
        week = None
    return form_page(week), 303
