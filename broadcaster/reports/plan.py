"""The propaganda plan's figures (schedules/plans/plan-YYYY.toml) and coverage: expected vs aired.

A plan file lists targets: at least N airings of a topic per week or per month. The
expected count over a period is N times the period's length in weeks or months (30.44 days),
rounded; during a period the count expected so far is the same over the days gone by,
rounded down, so a topic is "behind" only once a whole airing is missing.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from broadcaster.enums import Topic
from broadcaster.errors import BroadcasterError, Code
from broadcaster.programme.periods import Period, name_vi

UNIT_DAYS = {"week": 7.0, "month": 365.25 / 12}
PER_VI = {"week": "tuần", "month": "tháng"}
TARGET_KEYS = ("topic", "airings", "per", "what")


@dataclass(frozen=True)
class Target:
    """At least `airings` airings of `topic` per `per` (week or month)."""

    topic: Topic
    airings: int
    per: str
    what: str

    def expected(self, days: int) -> int:
        """Airings expected over `days` days, rounded."""
        return round(self.airings * days / UNIT_DAYS[self.per])

    def expected_by(self, days_gone: int) -> int:
        """Airings that should have aired after `days_gone` days of a period (rounded down)."""
        return math.floor(self.airings * days_gone / UNIT_DAYS[self.per])


@dataclass(frozen=True)
class Plan:
    """The year's targets; `example` says the figures are an example, not the town's."""

    title: str
    targets: tuple[Target, ...]
    example: bool
    source: str


@dataclass(frozen=True)
class Coverage:
    """One target over a period: what was expected and what aired."""

    target: Target
    expected: int
    aired: int
    bulletins: int
    minutes: float

    @property
    def shortfall(self) -> int:
        """Airings missing (0 when the target was met)."""
        return max(0, self.expected - self.aired)


def plan_path(plans_dir: Path, year: int) -> Path:
    """Where the plan of `year` lives."""
    return plans_dir / f"plan-{year}.toml"


TEMPLATE = Path(__file__).resolve().parent.parent / "assets" / "plan-template.toml"


def write_from_template(plans_dir: Path, year: int) -> Path | None:
    """Make the plan file of `year` from the template (example figures) unless there is one;
    the path made, or None."""
    path = plan_path(plans_dir, year)
    if path.exists():
        return None
    plans_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.read_text(encoding="utf-8").replace("{year}", str(year)), "utf-8")
    return path


def copy_last_year(plans_dir: Path, year: int) -> Path:
    """Make the plan file of `year` from the one of the year before, its year changed
    (PLAN_EXISTS when there is one already, PLAN_NO_SOURCE without last year's)."""
    path, source = plan_path(plans_dir, year), plan_path(plans_dir, year - 1)
    if path.exists():
        raise BroadcasterError(Code.PLAN_EXISTS, name=path.name)
    if not source.is_file():
        raise BroadcasterError(Code.PLAN_NO_SOURCE, year=year - 1, name=source.name)
    text = source.read_text(encoding="utf-8").replace(str(year - 1), str(year))
    path.write_text(text, encoding="utf-8")
    load_plan(path)  # the copy reads as a plan, or PLAN_INVALID names it
    return path


def load_plan(path: Path) -> Plan | None:
    """The plan in `path`, None when there is no such file; PLAN_INVALID when it is wrong."""
    if not path.is_file():
        return None

    def refuse(detail: str) -> BroadcasterError:
        return BroadcasterError(Code.PLAN_INVALID, name=path.name, detail=detail)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise refuse(f"it is not UTF-8 TOML ({exc}).") from None
    targets = []
    for index, raw in enumerate(data.get("target", []), start=1):
        if not isinstance(raw, dict) or set(raw) - set(TARGET_KEYS):
            raise refuse(f"target {index} may only have the keys {', '.join(TARGET_KEYS)}.")
        topic = str(raw.get("topic", "")).replace("dd", "đ")
        if topic not in set(Topic):
            raise refuse(f"target {index} has topic {topic!r}, not one of a, b, c, d, đ.")
        airings = raw.get("airings")
        if not isinstance(airings, int) or isinstance(airings, bool) or not 1 <= airings <= 500:
            raise refuse(f"target {index} needs airings = a whole number from 1 to 500.")
        if raw.get("per") not in UNIT_DAYS:
            raise refuse(f'target {index} needs per = "week" or "month".')
        targets.append(Target(Topic(topic), airings, raw["per"], str(raw.get("what", ""))))
    if not targets:
        raise refuse("it has no [[target]].")
    return Plan(
        str(data.get("title", path.stem)), tuple(targets), bool(data.get("example")), path.name
    )


def coverage(
    plan: Plan, period: Period, by_topic: Mapping[str, tuple[int, int, float]]
) -> list[Coverage]:
    """Each target over `period`, from (airings aired, bulletins, minutes) per topic."""
    return [
        Coverage(target, target.expected(period.days), *by_topic.get(target.topic, (0, 0, 0.0)))
        for target in plan.targets
    ]


@dataclass(frozen=True)
class Lag:
    """A target falling behind in the current period: `aired` of the `due` airings so far."""

    topic: str
    what: str
    period: str
    due: int
    aired: int

    def sentence(self) -> str:
        """One line for the command line."""
        return (
            f"Plan: topic {self.topic} is behind in {self.period}: {self.aired} of {self.due} "
            f"airing(s) expected so far have aired."
        )

    def vietnamese(self) -> str:
        """One line for the web page."""
        return (
            f"Chủ đề {self.topic} đang chậm so với kế hoạch kỳ {name_vi(self.period)}: mới phát "
            f"{self.aired}/{self.due} lượt cần có đến hôm nay."
        )


def behind(plan: Plan, period: Period, today: date, aired: Mapping[str, int]) -> list[Lag]:
    """Targets falling behind on `today` within `period`, from the airings aired so far."""
    days_gone = (min(today, period.end) - period.start).days + 1
    late = []
    for target in plan.targets:
        due = target.expected_by(days_gone)
        if aired.get(target.topic, 0) < due:
            late.append(
                Lag(target.topic.value, target.what, period.name, due, aired.get(target.topic, 0))
            )
    return late
