"""Given (not to edit): the human date formats of Exercise 4, as CLDR patterns for Babel.

Render a date with ``babel.dates.format_date(date, pattern, locale="en_US")``,
then apply one of CASES. Years use ``yyyy``/``yy``, never ``YYYY``: in CLDR,
``Y`` is the *week-based* year, so 2018-12-31 would render as 2019.

DATE_RANGE spans under 100 years, so a two-digit year names exactly one date:
yy 50..99 are 1950..1999, yy 00..49 are 2000..2049.
"""
import datetime

FORMATS = [
    "MMMM d, yyyy",           # January 15, 2023
    "MMMM d yyyy",            # January 15 2023
    "d MMM yyyy",             # 15 Jan 2023
    "d MMMM yyyy",            # 15 January 2023
    "MMM d, yyyy",            # Jan 15, 2023
    "MMM d yyyy",             # Jan 15 2023
    "M/d/yy",                 # 1/15/23
    "M/d/yyyy",               # 1/15/2023
    "MM/dd/yyyy",             # 01/15/2023
    "dd.MM.yyyy",             # 15.01.2023
    "EEEE, MMMM d, yyyy",     # Sunday, January 15, 2023
    "EEEE MMMM d yyyy",       # Sunday January 15 2023
    "EEE, d MMM yyyy",        # Sun, 15 Jan 2023
    "EEE MMM d yyyy",         # Sun Jan 15 2023
    "EEEE, d MMMM yyyy",      # Sunday, 15 January 2023
    "MMMM d, yy",             # January 15, 23
]
CASES = ["as is", "lower", "upper", "title"]
DATE_RANGE = (datetime.date(1950, 1, 1), datetime.date(2049, 12, 31))
LOCALE = "en_US"


def apply_case(text: str, case: str) -> str:
    return {"as is": text, "lower": text.lower(), "upper": text.upper(), "title": text.title()}[case]
