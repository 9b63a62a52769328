"""Self-contained HTML: one feedback report per student, and the class summary.

Reports carry only what the checks said (messages, scores, pictures as data
URIs); never the code of a check. Everything a student's code produced is
escaped, and pictures are only ever PNG data URIs.
"""
from __future__ import annotations

import base64
import hashlib
from collections import Counter

from autograder.grading.marks import pending_count
from autograder.grading.results import MARKED, PENDING, SubmissionResult, out_of
from autograder.grading.neutral import for_html, for_url

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%} td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;
text-align:left;vertical-align:top} .passed{color:#1a7f37} .failed,.error,.timeout{color:#cf222e}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;margin:.3rem 0;font-size:.85rem}
img{max-width:100%;border:1px solid #eee;margin:.3rem 0} .hidden{color:#595959;font-size:.8rem}
figure{margin:.3rem 0} figcaption{font-size:.85rem;color:#333}
.bar{display:inline-block;height:.7rem;background:#cf222e;vertical-align:middle;margin-right:.4rem}
.bar.ok{background:#1a7f37} .rate{white-space:nowrap}
"""

# What every page the kit writes needs, whatever its own style (page() adds it): tables with their caption
# shown; a wide table scrolls inside its own box (focusable: the keyboard scrolls it too), never the page;
# long names and lines wrap on a phone; printing shows what scrolls.
ACCESSIBLE_STYLE = """
caption{text-align:left;font-weight:600;padding:.3rem 0}
.scroll{overflow-x:auto;max-width:100%} .scroll:focus{outline:2px solid #0969da;outline-offset:2px}
@media (max-width:700px){td,th{overflow-wrap:break-word}}
@media print{.scroll{overflow:visible}}
pre,h1,h2,h3{overflow-wrap:anywhere}
"""

# Printing opens every <details> (evidence, shared code): a printed page shows what the screen can unfold.
# The page's only script. Its policy (CSP) allows that one script by its hash and no other: whatever a
# student's text smuggled past the escaping could not run.
_PRINT_SCRIPT = ("addEventListener('beforeprint',function(){document.querySelectorAll('details')"
                 ".forEach(function(d){d.open=true})})")
PRINT_OPEN = f"<script>{_PRINT_SCRIPT}</script>"
POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-"
          + base64.b64encode(hashlib.sha256(_PRINT_SCRIPT.encode()).digest()).decode() + "'")


def page(title: str, body: str, style: str = "") -> str:
    """A whole page: its language, the viewport line (a phone lays the page out at its own width, not at a
    desktop's 980 px), one main landmark around everything, and details opened for print."""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{POLICY}\">"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{for_html(title)}</title>"
            f"<style>{style or STYLE}{ACCESSIBLE_STYLE}</style></head><body><main>{body}</main>{PRINT_OPEN}</body></html>\n")


def table(caption: str, head: list[str], rows: list[str]) -> str:
    """A table a screen reader can read: its caption, a header row of column headers, and a scroll box the
    keyboard can reach (a region named by the caption) when it is wider than the screen. ``caption`` and
    ``head`` are plain text; ``rows`` are ``<tr>`` elements, already escaped."""
    cols = "".join(f"<th scope='col'>{for_html(h)}</th>" for h in head)
    return (f"<div class='scroll' role='region' tabindex='0' aria-label='{for_html(caption)}'>"
            f"<table><caption>{for_html(caption)}</caption><thead><tr>{cols}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _image(uri: str, text: str = "") -> str:
    """A picture with its text alternative (written from its numbers by the check that drew it), shown
    under it as well; screen readers read it once (the caption is hidden from them)."""
    if not uri.startswith("data:image/png;base64,"):
        return ""
    said = text.strip() or "A picture the check drew; it came with no description."
    return (f"<figure><img alt='{for_html(said)}' src='{for_html(uri)}'>"
            f"<figcaption aria-hidden='true'>{for_html(said)}</figcaption></figure>")


def render_report(result: SubmissionResult, course_title: str) -> str:
    name = for_html(result.submission)
    parts = [f"<h1>{for_html(course_title)}: feedback for {name}</h1>",
             f"<p><strong>Total: {out_of(result.score, result.max_score, result.pending_points)}</strong></p>"]
    for e in result.exercises:
        parts.append(f"<h2>{for_html(e.id)}: {for_html(e.title)} ({out_of(e.score, e.max_score, e.pending_points)})"
                     "</h2>")
        parts += [f"<p class='note'>{for_html(n)}</p>" for n in e.notes]
        if e.tampering:
            parts.append(f"<p class='failed'><strong>Flagged for review</strong>: {for_html('; '.join(e.tampering))}</p>")
        # A reason several checks failed for (no file, a syntax error, a notebook that cannot be read)
        # is said once, above the table, not on every row.
        # Several such reasons are numbered, and each row names its own.
        reasons = Counter(t.output for t in e.tests if t.status not in ("passed", PENDING, MARKED) and t.output.strip())
        shared = sorted((why for why, n in reasons.items() if n >= 2), key=lambda w: -reasons[w])
        label = {why: (f"reason {i + 1}" if len(shared) > 1 else "the reason") for i, why in enumerate(shared)}
        for why in shared:
            every = reasons[why] == len(e.tests)
            parts.append(f"<p class='failed'>{'Every check' if every else f'{reasons[why]} checks'} of this "
                         f"exercise failed for {'this reason' if len(shared) == 1 else label[why]}:</p>"
                         f"<pre>{for_html(why)}</pre>")
        rows = []
        for t in e.tests:
            hidden = " <span class='hidden'>(hidden check)</span>" if t.visibility == "hidden" else ""
            detail = "" if t.status == "passed" else (f" ({label[t.output]} above)" if t.output in label
                                                      else f"<pre>{for_html(t.output)}</pre>")
            texts = list(t.image_texts) + [""] * (len(t.images) - len(t.image_texts))
            images = "".join(_image(u, x) for u, x in zip(t.images, texts))
            rows.append(f"<tr><th scope='row'>{for_html(t.name)}{hidden}</th><td>{t.score:g} / {t.max_score:g}</td>"
                        f"<td class='{t.status}'>{t.status}{detail}</td></tr>")
            if images:  # a row of its own, the table's full width: the figure at the size it was drawn
                rows.append(f"<tr><td colspan='3'>{images}</td></tr>")
        parts.append(table(f"{e.id}: each check", ["check", "points", "result"], rows))
    return page(f"Feedback: {result.submission}", "".join(parts))


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
        parts.append(f"<h3>{for_html(ex)}: {share(checks):.0%} of its checks passed</h3>")
        rows = []
        for name, passed, total in sorted(checks, key=lambda c: (c[1] / max(c[2], 1), c[0])):
            rate = passed / max(total, 1)
            bar = f"<span class='bar{' ok' if rate >= 0.8 else ''}' style='width:{rate * 8:.2f}rem'></span>"
            rows.append(f"<tr><th scope='row'>{for_html(name)}</th><td>{passed} / {total}</td>"
                        f"<td class='rate'>{bar}{rate:.0%}</td></tr>")
        parts.append(table(f"{ex}: pass rate per check, hardest first", ["check", "passed", "rate"], rows))
    return "".join(parts)


HISTOGRAM_BINS = 20   # classbook.histogram_figure draws these; the table and the text give the same ones


def score_counts(scores: list[float], max_score: float, bins: int = 10) -> list[tuple[float, float, int]]:
    """(low, high, students) for ``bins`` equal ranges of the total score: numpy's binning, which the histogram's
    ax.hist uses too, so the table and the picture count alike (the last range includes its top)."""
    import numpy as np

    counts, edges = np.histogram(scores, bins=bins, range=(0, max_score or 1.0))
    return [(round(float(edges[i]), 2), round(float(edges[i + 1]), 2), int(counts[i])) for i in range(bins)]


def render_summary(course_title: str, students: dict[str, SubmissionResult], rates: dict, histogram_png: bytes,
                   max_score: float, mistakes_html: str = "", similarity: str | None = None) -> str:
    """The class page: histogram, one row per student (linked to their report), pass rate per check,
    and the mistakes the class shares (``mistakes_html``, from publish/mistakes.py; already escaped)."""
    scores = sorted(r.score for r in students.values())
    mean = sum(scores) / len(scores) if scores else 0.0
    exercise_ids = list(dict.fromkeys(e.id for r in students.values() for e in r.exercises))
    people = []
    for name, result in sorted(students.items()):
        per = {e.id: out_of(e.score, e.max_score, e.pending_points) for e in result.exercises}
        link = f"<a href='reports/{for_url(name)}.html'>{for_html(name)}</a>"
        people.append(f"<tr><th scope='row'>{link}</th>" + "".join(f"<td>{per.get(e, '')}</td>" for e in exercise_ids)
                      + f"<td>{out_of(result.score, result.max_score, result.pending_points)}</td>"
                      f"<td>{for_html(result.status)}</td></tr>")
    rates_html = _pass_rates(rates)
    uri = "data:image/png;base64," + base64.b64encode(histogram_png).decode()
    counts = score_counts(scores, max_score, bins=HISTOGRAM_BINS)
    described = (f"Histogram of the total scores of {len(scores)} submissions, out of {max_score:g}"
                 + (f": lowest {scores[0]:g}, median {scores[len(scores) // 2]:g}, highest {scores[-1]:g}; "
                    + "; ".join(f"{n} scored {lo:g} to {hi:g}" for lo, hi, n in counts if n) if scores else "")
                 + ". The table below gives every range.")
    distribution = table("Scores: students per range", ["score range", "students"],
                         [f"<tr><th scope='row'>{lo:g} to {hi:g}</th><td>{n}</td></tr>" for lo, hi, n in counts])
    waiting, points = pending_count(students)
    by_hand = (f"<p>{waiting} of them have written answers awaiting a person ({points:g} points in all, "
               "status to_grade_by_hand; their scores do not count them yet): enter the marks in the marks folder "
               "beside the gradebook and run batch again.</p>") if waiting else ""
    body = (f"<h1>{for_html(course_title)}: class summary</h1>"
            f"<p>{len(scores)} submissions; mean score {mean:.1f} of {max_score:g}</p>{by_hand}{_image(uri, described)}"
            f"<details><summary>The histogram as a table</summary>{distribution}</details>"
            "<h2>Students</h2>"
            + table("Students: score per exercise, total and status", ["student", *exercise_ids, "total", "status"],
                    people)
            + f"{rates_html}"
            f"{mistakes_html}")
    if similarity is not None:   # what the page found, in words, so the reader knows whether to open it
        body += (f"<h2>Similarity</h2><p>Who handed in whose code: {for_html(similarity)}. Every pair, the clusters and "
                 "the shared code side by side: <a href='similarity.html'>the similarity report</a>.</p>")
    return page("Class summary", body)
