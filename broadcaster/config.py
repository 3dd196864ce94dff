"""Settings: read once from `broadcaster.toml` and `BROADCASTER_*` variables, then passed down."""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from broadcaster.errors import Code, DetailError

logger = logging.getLogger(__name__)

CONFIG_FILE = "broadcaster.toml"
ENV_PREFIX = "BROADCASTER_"


class ConfigError(DetailError):
    """The configuration file or an environment variable holds a value we cannot use."""

    code = Code.CONFIG


@dataclass(frozen=True)
class Settings:
    """Everything the stages need to know about this installation."""

    base_dir: Path
    database_url: str = ""
    var_dir: str = "var"
    schedules_dir: str = "schedules"
    timezone: str = "Asia/Ho_Chi_Minh"
    town: str = "thị trấn Yên Mỹ"
    reading: str = "north"
    abbreviations_file: str = ""
    letterhead: str = "skip"
    mong_days: str = "on"
    engine: str = "auto"
    auto_voices: str = "gtts,espeak"
    edge_voice: str = "vi-VN-HoaiMyNeural"
    espeak_voice: str = "vi"
    espeak_rate: int = 150
    espeak_pitch: int = 50
    gtts_lang: str = "vi"
    gtts_tld: str = "com"
    gtts_timeout: float = 10.0
    sentence_pause_ms: int = 350
    paragraph_pause_ms: int = 800
    jingle_pause_ms: int = 600
    intro: str = "chime"
    outro: str = "chime"
    intro_text: str = ""
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    gtts_retries: int = 3
    gtts_budget_seconds: float = 120.0
    mp3_bitrate: str = "64k"
    sample_rate: int = 44100
    output: str = "auto"
    output_before: str = ""
    output_after: str = ""
    sound_backend: str = ""
    render_ahead_hours: int = 24
    misfire_grace_minutes: int = 10
    lease_seconds: int = 30
    witness: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_secure_cookie: str = "off"
    web_idle_hours: int = 8
    # "on" lets one person write and approve the same bulletin (a one-person commune);
    # the evidence names them as both author and approver.
    self_approval: str = "off"

    @property
    def var_path(self) -> Path:
        """The folder for runtime data (database, audio, logs)."""
        return (self.base_dir / self.var_dir).resolve()

    @property
    def audio_dir(self) -> Path:
        """Where rendered MP3 files live."""
        return self.var_path / "audio"

    @property
    def schedules_path(self) -> Path:
        """The folder of slot definition files."""
        return (self.base_dir / self.schedules_dir).resolve()

    @property
    def abbreviations_path(self) -> Path | None:
        """The town's own abbreviation list, if one is configured."""
        return (
            (self.base_dir / self.abbreviations_file).resolve() if self.abbreviations_file else None
        )

    @property
    def tz(self) -> ZoneInfo:
        """The radio's local time zone, for people; storage is UTC."""
        return ZoneInfo(self.timezone)

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to a SQLite file under var/."""
        return self.database_url or f"sqlite:///{self.var_path / 'broadcaster.db'}"

    @property
    def db_url_shown(self) -> str:
        """The database URL fit to print: its password masked."""
        return make_url(self.db_url).render_as_string(hide_password=True)


def _coerce(name: str, kind: type, raw: object) -> object:
    """Turn a file or environment value into the field's type, or say what is wrong."""
    try:
        if kind is int and isinstance(raw, (str, int)) and not isinstance(raw, bool):
            return int(raw)  # a float such as 1.7 is refused, never cut to 1
        if kind is float and isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
            return float(raw)
        if kind is str and isinstance(raw, (str, int, float)):
            return str(raw)
    except ValueError:
        pass
    kinds = {int: "whole number", float: "number", str: "text"}
    raise ConfigError(f"Setting '{name}' must be a {kinds.get(kind, kind.__name__)}, got {raw!r}.")


# Numbers a town can set, and the range that makes sense for each (both ends included).
RANGES: dict[str, tuple[float, float]] = {
    "misfire_grace_minutes": (1, 240),
    "lease_seconds": (6, 600),
    "render_ahead_hours": (1, 24 * 14),
    "espeak_rate": (80, 450),
    "espeak_pitch": (0, 99),
    "sentence_pause_ms": (0, 10_000),
    "paragraph_pause_ms": (0, 10_000),
    "jingle_pause_ms": (0, 10_000),
    "gtts_timeout": (1, 120),
    "gtts_retries": (0, 10),
    "gtts_budget_seconds": (5, 3600),
    "target_lufs": (-40, -5),
    "true_peak_dbtp": (-12, 0),
    "sample_rate": (8000, 48000),
    "web_port": (1, 65535),
    "web_idle_hours": (1, 24 * 30),
}


# Text settings that take one of a few words.
CHOICES: dict[str, tuple[str, ...]] = {
    "web_secure_cookie": ("on", "off"),
    "self_approval": ("on", "off"),
}


def _check_database_url(raw: str) -> None:
    """Refuse a database URL SQLAlchemy cannot read or has no driver for."""
    if not raw:
        return
    try:
        make_url(raw).get_dialect()
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise ConfigError(
            "Setting 'database_url' is not a database URL Broadcaster can use, such as "
            "postgresql+psycopg://radio:PASSWORD@localhost/radio or sqlite:///var/radio.db."
        ) from None


def _check_ranges(settings: Settings) -> None:
    """Refuse a number outside its sensible range, naming the setting and the range."""
    for name, (low, high) in RANGES.items():
        value = getattr(settings, name)
        if not low <= value <= high:
            raise ConfigError(f"Setting '{name}' must be from {low:g} to {high:g}, got {value!r}.")
    for name, words in CHOICES.items():
        if getattr(settings, name) not in words:
            raise ConfigError(
                f"Setting '{name}' must be one of {', '.join(words)}, got {getattr(settings, name)!r}."
            )


# Old key → new key. The old key still works and logs a warning naming the new one.
DEPRECATED_KEYS = {"edge_pause_ms": "jingle_pause_ms"}


def _rename_deprecated(values: dict[str, object], environ: Mapping[str, str], source: Path) -> None:
    """Move values given under a deprecated key to its new name (the new name wins)."""
    for old, new in DEPRECATED_KEYS.items():
        env_old = environ.get(ENV_PREFIX + old.upper())
        if old in values or env_old is not None:
            logger.warning("setting '%s' is deprecated; call it '%s' (in %s)", old, new, source)
        if old in values:
            values.setdefault(new, values.pop(old))
        if env_old is not None and ENV_PREFIX + new.upper() not in environ:
            values[new] = env_old


def load_settings(
    base_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Build Settings from the config file, then environment variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    base = Path(base_dir if base_dir is not None else Path.cwd()).resolve()
    config_path = Path(environ.get(f"{ENV_PREFIX}CONFIG", base / CONFIG_FILE))
    if not config_path.is_absolute():
        config_path = base / config_path
    values: dict[str, object] = {}
    if config_path.exists():
        try:
            values.update(tomllib.loads(config_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path} is not valid TOML: {exc}.") from exc
    _rename_deprecated(values, environ, config_path)
    fields = {f.name: f for f in dataclasses.fields(Settings) if f.name != "base_dir"}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"Unknown setting(s) in {config_path}: {', '.join(unknown)}.")
    for name in fields:
        env_value = environ.get(ENV_PREFIX + name.upper())
        if env_value is not None:
            values[name] = env_value
    values.update(overrides or {})
    kinds = {"int": int, "float": float, "str": str}
    # Any: each value was checked against its field's type by _coerce
    typed: dict[str, Any] = {
        name: _coerce(name, kinds[str(fields[name].type)], raw) for name, raw in values.items()
    }
    settings = Settings(base_dir=base, **typed)
    _check_ranges(settings)
    _check_database_url(settings.database_url)
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"Unknown time zone '{settings.timezone}'.") from exc
    return settings
