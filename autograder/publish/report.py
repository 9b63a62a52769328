"""Self-contained HTML: one feedback report per student, and the class summary.

Reports carry only what the checks said (messages, scores, pictures as data
URIs); never the code of a check. Everything a student's code produced is
escaped, and pictures are only ever PNG data URIs.
"""
from __future__ import annotations

import base64
from collections import Counter

from autograder.grading.results import SubmissionResult
from autograder.grading.neutral import for_html, for_url

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%} td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;
text-align:left;vertical-align:top} .passed{color:#1a7f37} .failed,.error,.timeout{color:#cf222e}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;margin:.3rem 0;font-size:.85rem}
img{max-width:100%;border:1px solid #eee;margin:.3rem 0} .hidden{color:#888;font-size:.8rem}
/* a phone: a wide table scrolls inside its own box, never the page; long names and lines wrap */
@media (max-width:700px){table{display:block;overflow-x:auto} td,th{overflow-wrap:break-word}}
pre,h1,h2,h3{overflow-wrap:anywhere}
.bar{display:inline-block;height:.7rem;background:#cf222e;vertical-align:middle;margin-right:.4rem}
.bar.ok{background:#1a7f37} .rate{white-space:nowrap}
"""


def _page(title: str, body: str) -> str:
    # The viewport line: a phone lays the page out at its own width, not at a desktop's 980 px.
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{for_html(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>\n")


def _image(uri: str) -> str:
    if not uri.startswith("data:image/png;base64,"):
        return ""
    return f"<img alt='figure' src='{for_html(uri)}'>"


def render_report(result: SubmissionResult, course_title: str) -> str:
    name = for_html(result.submission)
    parts = [f"<h1>{for_html(course_title)}: feedback for {name}</h1>",
             f"<p><strong>Total: {result.score:g} / {result.max_score:g}</strong></p>"]
    for e in result.exercises:
        parts.append(f"<h2>{for_html(e.id)}: {for_html(e.title)} ({e.score:g} / {e.max_score:g})</h2>")
        parts += [f"<p class='note'>{for_html(n)}</p>" for n in e.notes]
        if e.tampering:
            parts.append(f"<p class='failed'><strong>Flagged for review</strong>: {for_html('; '.join(e.tampering))}</p>")
        # A reason several checks failed for (no file, a syntax error, a notebook that cannot be read)
        # is said once, above the table, not on every row.
        reasons = Counter(t.output for t in e.tests if t.status != "passed" and t.output.strip())
        shared = {why for why, n in reasons.items() if n >= 2}
        for why in sorted(shared, key=lambda w: -reasons[w]):
            every = reasons[why] == len(e.tests)
            parts.append(f"<p class='failed'>{'Every check' if every else f'{reasons[why]} checks'} of this "
                         f"exercise failed for this reason:</p><pre>{for_html(why)}</pre>")
        parts.append("<table><tr><th>check</th><th>points</th><th>result</th></tr>")
        for t in e.tests:
            hidden = " <span class='hidden'>(hidden check)</span>" if t.visibility == "hidden" else ""
            detail = "" if t.status == "passed" else (" (the reason above)" if t.output in shared
                                                      else f"<pre>{for_html(t.output)}</pre>")
            images = "".join(_image(u) for u in t.images)
            parts.append(f"<tr><td>{for_html(t.name)}{hidden}</td><td>{t.score:g} / {t.max_score:g}</td>"
                         f"<td class='{t.status}'>{t.status}{detail}</td></tr>")
            if images:  # a row of its own, the table's full width: the figure at the size it was drawn
                parts.append(f"<tr><td colspan='3'>{images}</td></tr>")
        parts.append("</table>")
    return _page(f"Feedback: {result.submission}", "".join(parts))


def _pass_rates(rates: dict) -> str:
    """Pass rate per check, grouped by exercise: the exercise the class found hardest first, and
    within it its hardest check first, each with a bar (what to re-teach, at a glance)."""
    by_exercise: dict[str, list] = {}
    for (ex, name), (passed, total) in rates.items():
        by_exercise.setdefault(ex, []).append((name, passed, total))
    def share(checks):
        return sum(p for _, p, _ in checks) / max(sum(t for _, _, t in checks), 1)
    parts = ["<h2>Pass rate per check (hardest exercise first, its hardest check first)</h2>"]
    for ex, checks in sorted(by_exercise.items(), key=lambda kv: (share(kv[1]), kv[0])):
        parts.append(f"<h3>{for_html(ex)}: {share(checks):.0%} of its checks passed</h3>"
                     "<table><tr><th>check</th><th>passed</th><th>rate</th></tr>")
        for name, passed, total in sorted(checks, key=lambda c: (c[1] / max(c[2], 1), c[0])):
            rate = passed / max(total, 1)
            bar = f"<span class='bar{' ok' if rate >= 0.8 else ''}' style='width:{rate * 8:.2f}rem'></span>"
            parts.append(f"<tr><td>{for_html(name)}</td><td>{passed} / {total}</td>"
                         f"<td class='rate'>{bar}{rate:.0%}</td></tr>")
        parts.append("</table>")
    return "".join(parts)


def render_summary(course_title: str, students: dict[str, SubmissionResult], rates: dict, histogram_png: bytes,
                   max_score: float, mistakes_html: str = "", similarity_page: bool = False) -> str:
    """The class page: histogram, one row per student (linked to their report), pass rate per check,
    and the mistakes the class shares (``mistakes_html``, from publish/mistakes.py; already escaped)."""
    scores = sorted(r.score for r in students.values())
    mean = sum(scores) / len(scores) if scores else 0.0
    exercise_ids = list(dict.fromkeys(e.id for r in students.values() for e in r.exercises))
    head = "".join(f"<th>{for_html(e)}</th>" for e in exercise_ids)
    people = []
    for name, result in sorted(students.items()):
        per = {e.id: f"{e.score:g} / {e.max_score:g}" for e in result.exercises}
        link = f"<a href='reports/{for_url(name)}.html'>{for_html(name)}</a>"
        people.append(f"<tr><td>{link}</td>" + "".join(f"<td>{per.get(e, '')}</td>" for e in exercise_ids)
                      + f"<td>{result.score:g} / {result.max_score:g}</td><td>{for_html(result.status)}</td></tr>")
    rates_html = _pass_rates(rates)
    uri = "data:image/png;base64," + base64.b64encode(histogram_png).decode()
    body = (f"<h1>{for_html(course_title)}: class summary</h1>"
            f"<p>{len(scores)} submissions; mean score {mean:.1f} of {max_score:g}</p>{_image(uri)}"
            "<h2>Students</h2>"
            f"<table><tr><th>student</th>{head}<th>total</th><th>status</th></tr>{''.join(people)}</table>"
            f"{rates_html}"
            f"{mistakes_html}")
    if similarity_page:
        body += "<h2>Similarity</h2><p>Who handed in whose code: <a href='similarity.html'>similarity.html</a>.</p>"
    return _page("Class summary", body)
