"""Settings: read once from `broadcaster.toml` and `BROADCASTER_*` variables, then passed down."""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import logging
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from broadcaster.errors import Code, DetailError

logger = logging.getLogger(__name__)

CONFIG_FILE = "broadcaster.toml"
ENV_PREFIX = "BROADCASTER_"


class ConfigError(DetailError):
    """The configuration file or an environment variable holds a value we cannot use."""

    code = Code.CONFIG


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the stages need to know about this installation."""

    base_dir: Path
    database_url: str = ""
    var_dir: str = "var"
    schedules_dir: str = "schedules"
    timezone: str = "Asia/Ho_Chi_Minh"
    town: str = ""  # the commune, e.g. "xã Yên Mỹ"; `init --town` writes it (broadcaster/town.py)
    province: str = ""
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
    render_ahead_hours: int = 48
    misfire_grace_minutes: int = 10
    lease_seconds: int = 30
    witness: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_secure_cookie: str = "off"
    web_idle_hours: int = 8
    web_trusted_proxies: str = ""  # proxies whose X-Forwarded-For names the client
    # "on" lets one person write and approve the same bulletin (a one-person commune);
    # the evidence names them as both author and approver.
    self_approval: str = "off"
    # The day reporting periods start on (CCHC reports: 15 Dec – 14 Mar is the first quarter);
    # 1 gives calendar quarters. Provinces differ.
    report_cutoff_day: int = 15
    # Loudspeaker clusters over MQTT (docs/installation.md "Loudspeaker clusters"). With mqtt_host empty the
    # station plays through its own output only, as on one machine, and needs no broker.
    mqtt_host: str = ""
    mqtt_port: int = 8883
    mqtt_tls: str = "on"
    mqtt_prefix: str = "broadcaster"
    mqtt_user: str = "station"
    mqtt_password: str = ""
    broker_dir: str = "broker"  # under var/: the CA, the broker's password and ACL files
    agent_api_host: str = "127.0.0.1"  # the agents' audio endpoint, apart from the staff pages
    agent_api_port: int = 8090
    emergency_expiry_minutes: int = 30
    # Relays at the clusters (docs/installation.md "Relays at the clusters"): the station's own
    # Icecast, where the daemon re-publishes each relay slot for the clusters in its zones, as
    # http://source:PASSWORD@127.0.0.1:8000 (empty: the clusters are sent no relays), and the
    # address the clusters open it at, e.g. http://192.168.1.10:8000 (empty: the same address).
    relay_icecast: str = ""
    relay_icecast_public: str = ""

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
    def broker_path(self) -> Path:
        """The broker's files: the installation's CA, password and ACL files, its config."""
        return self.var_path / self.broker_dir

    @property
    def clusters_on(self) -> bool:
        """Whether the station sends its programme to loudspeaker clusters over MQTT."""
        return bool(self.mqtt_host.strip())

    def trusted_proxies(self) -> frozenset[str]:
        """The addresses in `web_trusted_proxies`, normalised; ConfigError for anything else."""
        names = self.web_trusted_proxies.replace(",", " ").split()
        try:
            return frozenset(str(ipaddress.ip_address(name)) for name in names)
        except ValueError:
            raise ConfigError("Setting 'web_trusted_proxies' must list IP addresses.") from None

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
        from sqlalchemy import make_url  # only where a database is used (issue 25: light --help)

        return make_url(self.db_url).render_as_string(hide_password=True)


# Settings whose value is never printed, not even in the sentence that refuses it.
SECRET_KEYS = frozenset({"database_url", "mqtt_password", "relay_icecast"})


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
    got = f"a {type(raw).__name__}" if name in SECRET_KEYS else repr(raw)
    raise ConfigError(f"Setting '{name}' must be a {kinds.get(kind, kind.__name__)}, got {got}.")


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
    "report_cutoff_day": (1, 28),
    "mqtt_port": (1, 65535),
    "agent_api_port": (1, 65535),
    "emergency_expiry_minutes": (1, 24 * 60),
}


# Settings that take one of a few words. The voice lists match the engines' own
# (tests/services/test_refusals.py checks that they agree).
ENGINES = ("auto", "gtts", "edge", "espeak")
ESPEAK_VOICES = ("vi", "vi-VN-x-central", "vi-VN-x-south")
EDGE_VOICES = ("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural")
SOUND_BACKENDS = (
    "wasapi", "dsound", "winmm", "coreaudio", "sndio", "audio4", "oss", "pulseaudio", "alsa",
    "jack", "aaudio", "opensl", "webaudio", "custom", "null",
)  # fmt: skip
CHOICES: dict[str, tuple[str, ...]] = {
    "engine": ENGINES,
    "reading": ("north", "south"),
    "letterhead": ("skip", "read"),
    "mong_days": ("on", "off"),
    "espeak_voice": ESPEAK_VOICES,
    "edge_voice": EDGE_VOICES,
    "gtts_lang": ("vi",),  # the spoken form is Vietnamese; another language would misread it
    "web_secure_cookie": ("on", "off"),
    "self_approval": ("on", "off"),
    "mqtt_tls": ("on", "off"),
}
# The sample rates an MP3 can have, and the bit rates LAME encodes at.
SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
MP3_BITRATES = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)
COMMAND_KEYS = ("output_before", "output_after", "witness")


def _refuse_unknown(unknown: list[str], known: list[str], source: Path) -> None:
    """Name every unknown key, and the known key it was probably meant to be."""
    if not unknown:
        return
    named = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        named.append(f"{key} (did you mean {close[0]}?)" if close else key)
    raise ConfigError(f"Unknown setting(s) in {source}: {', '.join(named)}.")


def _check_words(settings: Settings) -> None:
    """Refuse a word setting that is not one of its choices, and a malformed format or command."""
    for name, allowed in CHOICES.items():
        value = getattr(settings, name)
        if value not in allowed:
            raise ConfigError(
                f"Setting '{name}' must be one of {', '.join(allowed)}, got {value!r}."
            )
    voices = [v.strip() for v in settings.auto_voices.split(",")]
    wrong = [v for v in voices if v not in ENGINES[1:]]
    if wrong or not voices:
        raise ConfigError(
            f"Setting 'auto_voices' must list voices from {', '.join(ENGINES[1:])} separated by "
            f"commas, got {settings.auto_voices!r}."
        )
    if settings.sound_backend and settings.sound_backend not in SOUND_BACKENDS:
        raise ConfigError(
            f"Setting 'sound_backend' must be one of {', '.join(SOUND_BACKENDS)}, "
            f"got {settings.sound_backend!r}."
        )
    if settings.sample_rate not in SAMPLE_RATES:
        raise ConfigError(
            f"Setting 'sample_rate' must be one of {', '.join(map(str, SAMPLE_RATES))}, "
            f"got {settings.sample_rate}."
        )
    bitrate = re.fullmatch(r"(\d+)k", settings.mp3_bitrate)
    if bitrate is None or int(bitrate[1]) not in MP3_BITRATES:
        raise ConfigError(
            f"Setting 'mp3_bitrate' must be a bit rate such as 64k (from 8k to 320k), "
            f"got {settings.mp3_bitrate!r}."
        )
    if not re.fullmatch(r"[a-z]{2,}(\.[a-z]{2,})*", settings.gtts_tld):
        raise ConfigError(
            f"Setting 'gtts_tld' must be a Google domain ending such as com or com.vn, "
            f"got {settings.gtts_tld!r}."
        )
    for name in COMMAND_KEYS:
        try:
            shlex.split(getattr(settings, name))
        except ValueError as exc:
            raise ConfigError(f"Setting '{name}' is not a command line: {exc}.") from None
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", settings.mqtt_prefix):
        raise ConfigError(
            f"Setting 'mqtt_prefix' must be one word of letters, digits, - or _, "
            f"got {settings.mqtt_prefix!r}."
        )
    if not settings.web_host.strip():
        raise ConfigError("Setting 'web_host' must name an address such as 127.0.0.1.")
    settings.trusted_proxies()  # ConfigError for anything but addresses


def _check_ranges(settings: Settings) -> None:
    """Refuse a number outside its sensible range, naming the setting and the range."""
    for name, (low, high) in RANGES.items():
        value = getattr(settings, name)
        if not low <= value <= high:
            raise ConfigError(f"Setting '{name}' must be from {low:g} to {high:g}, got {value!r}.")


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
    named = f"{ENV_PREFIX}CONFIG" in environ
    if named and not config_path.exists():
        raise ConfigError(
            f"The settings file {config_path} named by {ENV_PREFIX}CONFIG does not exist."
        )
    if config_path.is_dir():
        raise ConfigError(f"The settings file {config_path} is a folder, not a file.")
    if config_path.exists():
        try:
            values.update(tomllib.loads(config_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path} is not valid TOML: {exc}.") from exc
    _rename_deprecated(values, environ, config_path)
    fields = {f.name: f for f in dataclasses.fields(Settings) if f.name != "base_dir"}
    _refuse_unknown(sorted(set(values) - set(fields)), sorted(fields), config_path)
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
    _check_words(settings)
    from broadcaster.config_checks import check_database_url, check_paths, check_relay_icecast

    check_database_url(settings.database_url)
    check_relay_icecast(settings)
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"Unknown time zone '{settings.timezone}'.") from exc
    check_paths(settings)
    return settings
