"""The agents' audio endpoint: a small WSGI app the daemon serves on `agent_api_host:port`,
apart from the staff pages. `GET /agent/audio/<sha256>` with `Authorization: Bearer <token>`
returns the MP3 — only to an enabled cluster, and only audio the station sent that cluster."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from broadcaster.store.db import Cluster, Dispatch, Rendering

PATH = re.compile(r"/agent/audio/([0-9a-f]{64})")
CHUNK = 64 * 1024
StartResponse = Callable[..., Any]


def token_hash(token: str) -> str:
    """How a cluster's audio token is kept (and looked up) on the station."""
    return hashlib.sha256(token.encode()).hexdigest()


def make_agent_app(
    sessions: sessionmaker[Session], var_path: Path
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI app over the station's database and its var/ folder (where audio lives)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def answer(status: str, text: str) -> list[bytes]:
            body = (text + "\n").encode()
            start_response(
                status, [("Content-Type", "text/plain; charset=utf-8"),
                         ("Content-Length", str(len(body)))],
            )  # fmt: skip
            return [body]

        match = PATH.fullmatch(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "GET" or match is None:
            return answer("404 Not Found", "No such address.")
        sha256 = match[1]
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme != "Bearer" or not token:
            return answer("401 Unauthorized", "A cluster's token is needed.")
        with sessions() as session:
            cluster = session.scalar(
                select(Cluster).where(Cluster.token_sha256 == token_hash(token.strip()))
            )
            if cluster is None or cluster.disabled:
                return answer("403 Forbidden", "This token belongs to no enabled cluster.")
            sent = session.scalar(
                select(Dispatch.id)
                .where(Dispatch.cluster_id == cluster.id, Dispatch.sha256 == sha256)
                .limit(1)
            )
            path = session.scalar(
                select(Rendering.audio_path).where(Rendering.sha256 == sha256).limit(1)
            )
        if sent is None or path is None:
            return answer("404 Not Found", "That audio was not sent to this cluster.")
        file = (var_path / path).resolve()
        if not file.is_relative_to(var_path.resolve()) or not file.is_file():
            return answer("404 Not Found", "That audio is not on the station now.")
        start_response(
            "200 OK", [("Content-Type", "audio/mpeg"), ("Content-Length", str(file.stat().st_size))]
        )
        return _chunks(file)

    return app


def _chunks(file: Path) -> Iterable[bytes]:
    with file.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk
