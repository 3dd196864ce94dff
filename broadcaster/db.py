"""Records (SQLAlchemy 2.x): scripts, renderings, slots, programme, airings, users."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import (
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

TOPICS = {
    "a": "Tầm quan trọng và kết quả CCHC",
    "b": "Chủ trương, chính sách của Đảng và Nhà nước về CCHC",
    "c": "Cải cách thể chế, TTHC, một cửa, bộ máy, công vụ, tài chính công, chính quyền điện tử",
    "d": "Chỉ số PAR INDEX, SIPAS",
    "đ": "Biểu dương gương điển hình",
}
STATUSES = ("draft", "approved", "retired")
ROLES = ("officer", "leader", "office", "admin")
OUTCOMES = ("started", "aired", "failed", "missed", "interrupted", "preempted")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC and hands them back aware, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every Broadcaster record."""


class Script(Base):
    """A bulletin script as the officer wrote it."""

    __tablename__ = "script"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    source_name: Mapped[Optional[str]] = mapped_column(String(300))
    encoding: Mapped[Optional[str]] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(String(2))
    week: Mapped[Optional[str]] = mapped_column(String(8))
    author: Mapped[Optional[str]] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    approved_by: Mapped[Optional[str]] = mapped_column(String(100))
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    renderings: Mapped[list["Rendering"]] = relationship(back_populates="script")


class Rendering(Base):
    """One script's text turned into a broadcast MP3 by one engine and voice."""

    __tablename__ = "rendering"
    __table_args__ = (UniqueConstraint("script_id", "cache_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    engine: Mapped[str] = mapped_column(String(20))
    voice: Mapped[str] = mapped_column(String(40))
    spoken_text: Mapped[str] = mapped_column(Text)
    audio_path: Mapped[str] = mapped_column(String(500))
    duration_s: Mapped[float]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    script: Mapped[Script] = relationship(back_populates="renderings")


class Slot(Base):
    """A recurring broadcast window, copied from schedules/*.toml for the web page."""

    __tablename__ = "slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    days: Mapped[str] = mapped_column(String(40))
    start: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int]
    output: Mapped[Optional[str]] = mapped_column(String(300))


class ProgrammeEntry(Base):
    """Which rendering airs in which slot occurrence, and in what order."""

    __tablename__ = "programme_entry"
    __table_args__ = (UniqueConstraint("slot_name", "starts_at", "script_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    position: Mapped[int] = mapped_column(Integer)
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id"))
    rendering_id: Mapped[int] = mapped_column(ForeignKey("rendering.id"))

    script: Mapped[Script] = relationship()
    rendering: Mapped[Rendering] = relationship()


class Airing(Base):
    """Evidence that a bulletin went (or failed to go) to the loudspeakers."""

    __tablename__ = "airing"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: the database itself refuses a second airing of one programme entry.
    programme_entry_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("programme_entry.id"), unique=True
    )
    script_id: Mapped[int] = mapped_column(ForeignKey("script.id"))
    rendering_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rendering.id"))
    slot_name: Mapped[Optional[str]] = mapped_column(String(100))
    audio_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    duration_s: Mapped[Optional[float]]
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(12))
    error: Mapped[Optional[str]] = mapped_column(Text)
    output: Mapped[Optional[str]] = mapped_column(String(300))
    host: Mapped[Optional[str]] = mapped_column(String(100))

    script: Mapped[Script] = relationship()


class User(Base):
    """A person who may log in to the web page."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10))


class DaemonLease(Base):
    """Which daemon holds the database; one row, renewed by the holder's heartbeat."""

    __tablename__ = "daemon_lease"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL and a busy timeout so daemon and web can share it."""
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30} if is_sqlite else {}
    )
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    """Create any missing tables."""
    Base.metadata.create_all(engine)
