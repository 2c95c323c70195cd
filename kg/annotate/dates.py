"""Dates as the text states them, resolved against the publication date when one is given.

Each date says its value and precision, whether the text states it whole (``stated``) or the value is
``inferred``, and on what basis. A date without a year takes the latest such date on or before publication;
"last month" counts back from the publication month; "a day earlier" from the date stated just before; a
weekday needs a publication *day*, and without one gets no value and says why.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_M = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"  # noqa: E501
DATE_RE = re.compile(
    rf"\b{_M}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?\b"
    rf"|\b(?P<day2>\d{{1,2}})\s+{_M.replace('month', 'month2')}(?:\s+(?P<year2>\d{{4}}))?\b"
    rf"|\b(?:in|of|since|until|by|from|during|early|late|mid-?)\s+{_M.replace('month', 'month3')}"
    r"(?:\s+(?P<year3>\d{4}))?\b"
    r"|\b(?:[Oo]n|[Ll]ast|[Tt]his|[Nn]ext|[Ss]ince|[Bb]y|[Uu]ntil)\s+(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    r"|\b(?P<rel>[Ll]ast|[Tt]his|[Nn]ext|[Ee]arlier this|[Ll]ater this)\s+(?P<unit>month|year|week)\b"
    r"|\b(?:(?P<hedge>[Nn]early|[Aa]lmost|[Aa]bout|[Aa]round|[Ss]ome|[Oo]ver|[Mm]ore than) )?"
    r"(?P<back>[Aa]|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even)\s+(?P<bunit>day|days|week|weeks|month|months|year|years)\s+(?P<dir>earlier|before|ago|later)\b"
    r"|\b(?P<yest>[Yy]esterday|[Tt]oday)\b"
    r"|\b(?:in|since|by|until|during)\s+(?P<yearonly>(?:19|20)\d{2})\b"
)
_NUM = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


@dataclass(frozen=True)
class Published:
    """The publication date given on the command line: a day, or only a month."""

    year: int
    month: int
    day: int | None = None

    @classmethod
    def parse(cls, value: str) -> Published:
        """``YYYY-MM`` or ``YYYY-MM-DD``.

        >>> Published.parse("2025-06")
        Published(year=2025, month=6, day=None)

        Raises:
            ValueError: not one of those forms, or not a real date.
        """
        m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value)
        if not m:
            raise ValueError(f"--published must be YYYY-MM or YYYY-MM-DD, not {value!r}")
        year, month, day = int(m[1]), int(m[2]), int(m[3]) if m[3] else None
        dt.date(year, month, day or 1)
        return cls(year, month, day)

    @property
    def text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    value: str | None
    precision: str
    status: str  # stated | inferred
    basis: str
    stated: str | None = None
    confidence: float = 0.8
    word: str | None = None  # a relative word ("today") whose date is one of its own beside the publication date


def _month_back(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - n
    return index // 12, index % 12 + 1


def find_dates(text: str, published: Published | None) -> list[FoundDate]:
    """Every date expression of ``text``, in order, resolved as far as ``published`` allows.

    >>> [(d.value, d.precision, d.status) for d in find_dates("on May 30 and in April 2022", Published(2025, 6))]
    [('2025-05-30', 'day', 'inferred'), ('2022-04', 'month', 'stated')]
    """
    out: list[FoundDate] = []
    pub = f"the publication date {published.text}" if published else ""
    for m in DATE_RE.finditer(text):
        g = m.groupdict()
        start, end = m.start(), m.end()
        if g["month"] or g["month2"]:
            month = MONTHS[(g["month"] or g["month2"]).lower().rstrip(".")]
            day, year = int(g["day"] or g["day2"]), g["year"] or g["year2"]
            key = "month" if g["month"] else "month2"
            start = m.start(key) if g["month"] else m.start("day2")
            if not 1 <= day <= 31:
                continue
            if year:
                out.append(
                    FoundDate(
                        start,
                        end,
                        f"{int(year):04d}-{month:02d}-{day:02d}",
                        "day",
                        "stated",
                        "The text states the full date.",
                        confidence=0.95,
                    )
                )
            elif published:
                y = published.year if (month, day) <= (published.month, published.day or 31) else published.year - 1
                out.append(
                    FoundDate(
                        start,
                        end,
                        f"{y:04d}-{month:02d}-{day:02d}",
                        "day",
                        "inferred",
                        f"The text states {text[start:end]} without a year; the year {y} is inferred from "
                        f"{pub}: the latest such date on or before publication.",
                        f"--{month:02d}-{day:02d}",
                    )
                )
            else:
                out.append(
                    FoundDate(
                        start,
                        end,
                        None,
                        "day",
                        "inferred",
                        f"{text[start:end]} has no year and no publication date was given (--published).",
                        f"--{month:02d}-{day:02d}",
                        0.3,
                    )
                )
        elif g["month3"]:
            month, year = MONTHS[g["month3"].lower().rstrip(".")], g["year3"]
            start = m.start("month3")
            if year:
                out.append(
                    FoundDate(
                        start,
                        end,
                        f"{int(year):04d}-{month:02d}",
                        "month",
                        "stated",
                        "The text states the month and year.",
                        confidence=0.9,
                    )
                )
            elif published:
                y = published.year if month <= published.month else published.year - 1
                out.append(
                    FoundDate(
                        start,
                        end,
                        f"{y:04d}-{month:02d}",
                        "month",
                        "inferred",
                        f"{text[start:end]} without a year: the latest such month up to {pub}.",
                    )
                )
        elif g["weekday"]:
            start = m.start("weekday")
            name = g["weekday"]
            if published and published.day:
                pub_day = dt.date(published.year, published.month, published.day)
                back = (pub_day.weekday() - WEEKDAYS[name.lower()]) % 7 or 7
                value = (pub_day - dt.timedelta(days=back)).isoformat()
                out.append(
                    FoundDate(
                        start, end, value, "day", "inferred", f"{name}: the latest {name} before {pub}.", confidence=0.7
                    )
                )
            else:
                why = "no publication date was given" if not published else "the publication date has no day"
                out.append(
                    FoundDate(
                        start,
                        end,
                        None,
                        "day",
                        "inferred",
                        f"{name} cannot be resolved: {why} (--published YYYY-MM-DD).",
                        confidence=0.2,
                    )
                )
        elif g["rel"]:
            out.append(_relative(start, end, g["rel"], g["unit"], published, text, pub))
        elif g["back"]:
            found = _counted(start, end, g, out, published, text)
            if found:
                out.append(found)
        elif g["yest"] and published and published.day:
            d = dt.date(published.year, published.month, published.day)
            word = g["yest"].lower()
            d -= dt.timedelta(days=1 if word == "yesterday" else 0)
            out.append(
                FoundDate(start, end, d.isoformat(), "day", "inferred", f"“{g['yest']}” counted from {pub}.", word=word)
            )
        elif g["yearonly"]:
            start = m.start("yearonly")
            out.append(
                FoundDate(start, end, g["yearonly"], "year", "stated", "The text states the year.", confidence=0.9)
            )
    return [d for d in out if d.value is not None or d.confidence <= 0.3]


def _relative(start: int, end: int, rel: str, unit: str, published: Published | None, text: str, pub: str) -> FoundDate:
    if not published:
        return FoundDate(
            start, end, None, unit, "inferred", f"“{text[start:end]}” needs a publication date.", None, 0.2
        )
    shift = {"last": -1, "next": 1}.get(rel.lower(), 0)
    if unit == "month":
        y, mo = _month_back(published.year, published.month, -shift)
        return FoundDate(
            start,
            end,
            f"{y:04d}-{mo:02d}",
            "month",
            "inferred",
            f"“{text[start:end]}” counted from the publication month ({pub}).",
        )
    if unit == "year":
        return FoundDate(
            start, end, f"{published.year + shift:04d}", "year", "inferred", f"“{text[start:end]}” counted from {pub}."
        )
    return FoundDate(
        start, end, None, "day", "inferred", f"“{text[start:end]}”: a week is not a date precision.", None, 0.2
    )


def _counted(
    start: int, end: int, g: dict[str, str], before: list[FoundDate], published: Published | None, text: str
) -> FoundDate | None:
    """ "A day earlier" (from the date stated just before) or "two weeks ago" (from publication)."""
    n = _NUM[g["back"].lower()]
    unit = g["bunit"].rstrip("s")
    sign = 1 if g["dir"] == "later" else -1
    if g["dir"] == "ago":
        if not (published and published.day):
            return FoundDate(
                start, end, None, "day", "inferred", f"“{text[start:end]}” needs a publication day.", None, 0.2
            )
        anchor, basis = (
            dt.date(published.year, published.month, published.day),
            f"the publication date {published.text}",
        )
    else:
        prior = next((d for d in reversed(before) if d.value and d.precision == "day"), None)
        if prior is None:
            return None
        anchor, basis = dt.date.fromisoformat(prior.value), f"{prior.value} (“{text[prior.start : prior.end]}”)"  # type: ignore[arg-type]
    days = {"day": 1, "week": 7}.get(unit)
    if days is None:  # months and years: only as precise as the unit ("nearly three years ago" fixes no month)
        back = n * (12 if unit == "year" else 1) * sign
        y, mo = _month_back(anchor.year, anchor.month, -back)
        hedge = f" (“{g['hedge']}”: no finer precision)" if g.get("hedge") else ""
        if unit == "year":
            return FoundDate(
                start, end, f"{y:04d}", "year", "inferred", f"“{text[start:end]}” counted from {basis}{hedge}."
            )
        return FoundDate(
            start, end, f"{y:04d}-{mo:02d}", "month", "inferred", f"“{text[start:end]}” counted from {basis}{hedge}."
        )
    value = anchor + sign * dt.timedelta(days=n * days)
    return FoundDate(start, end, value.isoformat(), "day", "inferred", f"“{text[start:end]}” counted from {basis}.")
