"""The agent's settings: one agent.toml per cluster, read once at start (stdlib only)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from broadcaster.clusters import wire


class AgentError(Exception):
    """Something the agent cannot work with; the message is one English sentence for the log."""


@dataclass(frozen=True)
class AgentConfig:
    """Who the agent is, where its broker and station are, and where it keeps and plays audio."""

    cluster: str  # also its broker user name
    password: str
    broker_host: str
    station_url: str  # the station's agent endpoint, e.g. http://192.168.1.10:8090
    token: str
    folder: Path  # the cache: agent.db, audio/, and the output's relative folders
    broker_port: int = 8883
    tls: bool = True
    tls_ca: Path | None = None  # the installation's CA; None = the system's CAs
    prefix: str = wire.PREFIX
    output: str = "auto"
    output_before: str | None = None
    output_after: str | None = None
    heartbeat_seconds: float = 30.0
    grace_minutes: float = 10.0

    def topic(self, kind: str) -> str:
        """This cluster's topic of `kind` (programme, emergency, report, health)."""
        return wire.topic(kind, self.cluster, self.prefix)


_TEXTS = ("cluster", "password", "broker_host", "station_url", "token", "prefix", "output",
          "output_before", "output_after")  # fmt: skip
_REQUIRED = ("cluster", "password", "broker_host", "station_url", "token")


def _text(raw: dict[str, Any], name: str, where: Path) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise AgentError(f"{name} in {where} must be a text that is not empty.")
    return value.strip()


def _number(raw: dict[str, Any], name: str, default: float, where: Path, low: float) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
        raise AgentError(f"{name} in {where} must be a number of at least {low:g}.")
    return float(value)


def load_config(path: Path, workdir: Path) -> AgentConfig:
    """Read agent.toml; AgentError with one sentence when it cannot be used.

    Relative paths are read from the file's folder; without `folder` the agent keeps its
    cache in `workdir` (the folder it runs in: systemd's WorkingDirectory).
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgentError(f"The agent's settings file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentError(f"The agent's settings file {path} cannot be read: {exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise AgentError(f"The agent's settings file {path} is not valid TOML: {exc}.") from None
    known = set(_TEXTS) | {"folder", "broker_port", "tls", "tls_ca", "heartbeat_seconds",
                           "grace_minutes"}  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise AgentError(f"{path} has a setting the agent does not know: {unknown[0]}.")
    missing = [name for name in _REQUIRED if name not in raw]
    if missing:
        raise AgentError(f"{path} does not say the agent's {missing[0]}.")
    texts = {name: _text(raw, name, path) for name in _TEXTS if name in raw}
    if "/" in str(texts["cluster"]) or "+" in str(texts["cluster"]) or "#" in str(texts["cluster"]):
        raise AgentError(f"cluster in {path} must not hold '/', '+' or '#'.")
    url = urlsplit(str(texts["station_url"]))
    if url.scheme not in ("http", "https") or not url.netloc:
        raise AgentError(f"station_url in {path} must be an http:// or https:// address.")
    port = raw.get("broker_port", 8883)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise AgentError(f"broker_port in {path} must be a port number (1 to 65535).")
    tls = raw.get("tls", True)
    if not isinstance(tls, bool):
        raise AgentError(f"tls in {path} must be true or false.")
    base = path.resolve().parent
    folder = _path(raw, "folder", path, base) if "folder" in raw else workdir
    ca = _path(raw, "tls_ca", path, base) if "tls_ca" in raw else None
    if ca is not None and not ca.is_file():
        raise AgentError(f"The CA file {ca} named by tls_ca in {path} does not exist.")
    return AgentConfig(
        folder=folder, broker_port=port, tls=tls, tls_ca=ca,
        heartbeat_seconds=_number(raw, "heartbeat_seconds", 30.0, path, 1.0),
        grace_minutes=_number(raw, "grace_minutes", 10.0, path, 0.0),
        **texts,  # type: ignore[arg-type]
    )  # fmt: skip


def _path(raw: dict[str, Any], name: str, where: Path, base: Path) -> Path:
    value = raw[name]
    if not isinstance(value, str) or not value.strip():
        raise AgentError(f"{name} in {where} must be a path.")
    found = Path(value).expanduser()
    return found if found.is_absolute() else base / found
