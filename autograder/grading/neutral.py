"""Text from student code, made harmless for where it is shown: one function per medium, used everywhere.

A student's messages, printed output, file and folder names reach the instructor's terminal, the
class's CSV files and HTML pages. Each medium has characters that act instead of showing:

- ``for_terminal``: escape sequences (ESC, CSI), other C0/C1 controls, DEL and the bidirectional
  overrides could clear the screen, move the cursor and draw a fake "30 / 30" table, or reorder what
  is shown. They are written as visible escapes (``\\x1b``); newlines and tabs stay.
- ``for_csv``: a spreadsheet takes a cell that starts with ``= + - @`` (or a tab or carriage return
  before one) as a formula. Such a cell gets a leading apostrophe, as OWASP advises, and controls
  are made visible as in the terminal.
- ``for_html``: markup escaped (``html.escape``, quotes included), controls visible as in the
  terminal (a bidirectional override would reorder the page's text too); ``for_url`` for a name in a link.
"""
from __future__ import annotations

import html
import re
import urllib.parse

# C0 controls but tab and newline, DEL, C1 controls, and Unicode's bidirectional controls.
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FORMULA = re.compile(r"^[\s]*[=+\-@]|^[\t\r]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    return ACTIVE.sub(_visible, str(text))


def for_csv(cell) -> str:
    text = for_terminal(cell)
    return "'" + text if _FORMULA.match(text) else text


def for_html(text) -> str:
    return html.escape(for_terminal(text), quote=True)


def for_url(name: str) -> str:
    return urllib.parse.quote(str(name), safe="")
