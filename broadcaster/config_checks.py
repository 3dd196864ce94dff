"""Checks of settings that look outside the values themselves: folders and files on disk, the
database URL's driver, the relay Icecast's addresses (imported by `load_settings` when it runs)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from broadcaster.config import ConfigError, Settings


def check_paths(settings: Settings) -> None:
    """Refuse folders that are files, and files (dictionary, jingles) that are not there."""
    for name in ("var_dir", "schedules_dir"):
        value = getattr(settings, name)
        path = settings.base_dir / value
        if not value.strip() or (path.exists() and not path.is_dir()):
            raise ConfigError(f"Setting '{name}' must name a folder, got {value!r}.")
    if not settings.broker_dir.strip() or ".." in Path(settings.broker_dir).parts:
        raise ConfigError(
            f"Setting 'broker_dir' must name a folder inside var/, got {settings.broker_dir!r}."
        )
    files = {"abbreviations_file": settings.abbreviations_file}
    files |= {name: getattr(settings, name) for name in ("intro", "outro")}
    for name, value in files.items():
        if value and value != "chime" and not (settings.base_dir / value).is_file():
            what = (
                "'chime', nothing, or an audio file" if name != "abbreviations_file" else "a file"
            )
            raise ConfigError(
                f"Setting '{name}' must be {what}; {settings.base_dir / value} is not a file."
            )


def check_database_url(raw: str) -> None:
    """Refuse a database URL SQLAlchemy cannot read or has no driver for."""
    if not raw:
        return
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(raw).get_dialect()
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise ConfigError(
            "Setting 'database_url' is not a database URL Broadcaster can use, such as "
            "postgresql+psycopg://radio:PASSWORD@localhost/radio or sqlite:///var/radio.db."
        ) from None


def check_relay_icecast(settings: Settings) -> None:
    """Refuse a relay Icecast address that is not http(s) with a host; the one the station
    publishes to must carry the source password (never printed: it is a secret)."""
    for name in ("relay_icecast", "relay_icecast_public"):
        value = getattr(settings, name).strip()
        if not value:
            continue
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  (a port that is not a number raises ValueError)
        except ValueError:
            parts = None
        shown = "an address" if name == "relay_icecast" else repr(value)
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"Setting '{name}' must be an http address such as "
                f"{_EXAMPLES[name]}, got {shown} that is not one."
            )
        if name == "relay_icecast" and not parts.password:
            raise ConfigError(
                f"Setting 'relay_icecast' must carry Icecast's source password, as in "
                f"{_EXAMPLES[name]}."
            )
    if settings.relay_icecast_public.strip() and not settings.relay_icecast.strip():
        raise ConfigError(
            "Setting 'relay_icecast_public' needs 'relay_icecast', where the station publishes."
        )


_EXAMPLES = {
    "relay_icecast": "http://source:PASSWORD@127.0.0.1:8000",
    "relay_icecast_public": "http://192.168.1.10:8000",
}
