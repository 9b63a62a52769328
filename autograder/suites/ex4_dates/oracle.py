"""Exercise 4: reading any human date back, independently of any list of formats.

Ships with the student release: the public data check judges a student's pairs
with it. It parses; it does not generate. The grader's own held-out pairs are
made in reference.py, which stays with the instructor.
"""
from __future__ import annotations

import datetime
import re

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _name_index(word: str, names: list[str]) -> int | None:
    """Index of a full or abbreviated (3+ letters, e.g. "Sep", "Sept", "Thu", "Thurs") English name."""
    for i, name in enumerate(names):
        if len(word) >= 3 and name.startswith(word):
            return i
    return None


def _year(token: str) -> int | None:
    if len(token) == 4:
        return int(token)
    if len(token) == 2:  # the contract's pivot (date_formats.py): 50..99 -> 1950.., 00..49 -> 2000..
        return 1900 + int(token) if int(token) >= 50 else 2000 + int(token)
    return None


def read_human_date(text: str, check_weekday: bool = True) -> set[datetime.date]:
    """Every date ``text`` can denote as people write dates in English, found without the kit's formats.

    A month name fixes the month (then one number is the day, one the year);
    otherwise three numbers are read as year/month/day when the year comes first,
    else month first with slashes (the course's convention: 1/15/23), day first
    with dots (the given dd.MM.yyyy), and either way with any other separator
    (15-01-2023: a format the kit does not give, where every real reading counts). A weekday name must be that date's weekday.
    Two-digit years follow the contract's pivot. Empty when nothing fits.
    """
    words = re.findall(r"[a-z]+", text.lower())
    numbers = re.findall(r"\d+", text)
    month_names = [m for m in (_name_index(w, MONTHS) for w in words) if m is not None]
    weekdays = [d for d in (_name_index(w, WEEKDAYS) for w in words) if d is not None]
    unknown = [w for w in words if _name_index(w, MONTHS) is None and _name_index(w, WEEKDAYS) is None
               and w not in ("the", "of", "st", "nd", "rd", "th")]
    if unknown or len(month_names) > 1 or len(weekdays) > 1:
        return set()
    readings = []  # (year, month, day)
    if month_names and len(numbers) == 2:
        a, b = numbers
        for day, year in ((a, b), (b, a)):
            if len(day) <= 2 and _year(year) is not None:
                readings.append((_year(year), month_names[0] + 1, int(day)))
    elif not month_names and len(numbers) == 3:
        a, b, c = numbers
        if len(a) == 4:
            readings.append((int(a), int(b), int(c)))
        elif len(a) <= 2 and len(b) <= 2 and _year(c) is not None:
            # Slashes are the course's month-first convention (M/d/yy, MM/dd/yyyy: "1/15/23"), dots the given
            # day-first one (dd.MM.yyyy); other separators, which no given format uses, are read either way.
            separators = set(re.findall(r"\d+(\D+)\d+", text)) | set(re.findall(r"\d(\D+)\d", text))
            if any("/" in sep for sep in separators):
                readings.append((_year(c), int(a), int(b)))
            elif any("." in sep for sep in separators):
                readings.append((_year(c), int(b), int(a)))
            else:
                readings += [(_year(c), int(a), int(b)), (_year(c), int(b), int(a))]
    dates = set()
    for y, m, d in readings:
        try:
            date = datetime.date(y, m, d)
        except ValueError:
            continue
        if not weekdays or date.weekday() == weekdays[0] or not check_weekday:
            dates.add(date)
    return dates


def pair_problem(human: str, iso: str) -> str | None:
    """Why (human, iso) is not a correct pair, in words; None when human denotes iso."""
    try:
        want = datetime.date.fromisoformat(iso)
    except ValueError:
        return f"{iso!r} is not an ISO date (YYYY-MM-DD)"
    if iso != want.isoformat():
        return f"{iso!r} is not written as YYYY-MM-DD"
    read = read_human_date(human)
    if want in read:
        return None
    if "/" in human and want in read_human_date(human.replace("/", "-")):
        return (f"{human!r} is written day first, but a date with slashes is read month first (the course's "
                f"M/d/yy, as in 1/15/23): {iso} is {want.month}/{want.day}/{human.rsplit('/', 1)[-1]}")
    if not read:
        if want in read_human_date(human, check_weekday=False):
            return f"{human!r} names the wrong weekday: {iso} is a {WEEKDAYS[want.weekday()].title()}"
        return f"{human!r} cannot be read as a date (English month or weekday names, or numbers)"
    got = sorted(read)[0]
    if got.month == want.month and got.day == want.day and abs(got.year - want.year) == 1:
        return (f"{human!r} says {got.year} but the date is {iso}: near New Year that is CLDR's week-based "
                "year (YYYY); use yyyy")
    return f"{human!r} denotes {', '.join(d.isoformat() for d in sorted(read))}, not {iso}"


def layout(text: str) -> str | None:
    """How a human date is written, found without any list of formats: "Sunday, 15 Jan 2023" ->
    "weekday, n mon yyyy". Month and weekday names as full or abbreviated, numbers as yyyy (four
    digits) or n (one or two: padding is not told apart), separators as written, case ignored.
    None when the text does not read as a date, or names May (full and short at once)."""
    if not read_human_date(text, check_weekday=False):
        return None
    out = []
    for token in re.findall(r"[A-Za-z]+|\d+|[^A-Za-z\d]", text.lower()):
        if token.isdigit():
            out.append("yyyy" if len(token) == 4 else "n")
        elif token.isalpha():
            month, weekday = _name_index(token, MONTHS), _name_index(token, WEEKDAYS)
            kind = "month" if month is not None else "weekday" if weekday is not None else token
            full = MONTHS[month] if month is not None else WEEKDAYS[weekday] if weekday is not None else token
            if token == "may":  # the one month whose full and short names are the same: no evidence
                return None
            short = {"month": "mon", "weekday": "wkd"}
            out.append(kind if token == full else short.get(kind, token))
        else:
            out.append(token)
    return "".join(out)
