"""The similarity report's files: ``similarity.csv`` (every pair) and ``similarity.html`` (self-contained).

The page, per exercise: how the threshold was chosen, a histogram of the class's similarities
with the threshold drawn (inline SVG), the ranked pairs (similarity, longest shared fragment in
lines, how much of each is shared), clusters of students linked by flagged pairs (largest first),
matches with known sources, what could not be compared and why, and a side-by-side view of each
flagged pair with the shared code marked. Student names link to their reports when batch wrote
them (``reports/<student>.html`` beside the page). Everything a student wrote is escaped
(``neutral.for_html``; copydetect's highlighter escapes the code it marks).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from autograder.grading.neutral import for_csv, for_html, for_terminal, for_url
from autograder.grading.results import write_atomic
from autograder.publish.report import page, table
from autograder.similarity import ClassSimilarity, ExerciseSimilarity
from autograder.similarity.compare import MIN_PRINTS

CSV_COLUMNS = ["exercise", "student_a", "student_b", "similarity", "flagged", "kind", "shared_fingerprints",
               "longest_fragment_lines"]

STYLE = """
body{font-family:system-ui,sans-serif;max-width:80rem;margin:1.5rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem} h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:2px solid #ddd} h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%;font-size:.9rem} td,th{padding:.25rem .5rem;border-bottom:1px solid #eee;
text-align:left;vertical-align:top} .flag{color:#b3141f;font-weight:600} .note{color:#555}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.5rem} .pair>div{min-width:0}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:.5rem;font-size:.8rem;margin:.2rem 0;
max-height:40rem;overflow:auto} mark{background:#ffd8a8;text-decoration:underline} svg{max-width:100%;height:auto}
details{margin:.5rem 0} summary{cursor:pointer}
@media (max-width:700px){.pair{grid-template-columns:1fr}}
"""  # and report.ACCESSIBLE_STYLE, which page() adds


def _who(name: str, reports: set[str]) -> str:
    if name in reports:
        return f"<a href='reports/{for_url(name)}.html'>{for_html(name)}</a>"
    return for_html(name)


def histogram_text(values: np.ndarray, threshold: float) -> str:
    """What the histogram draws, in its numbers: the pairs per bin of 0.05 and the threshold (its text
    alternative)."""
    bins = np.histogram(values, bins=20, range=(0, 1))[0] if len(values) else np.zeros(20, dtype=int)
    above = int((values >= threshold).sum()) if len(values) else 0
    said = "; ".join(f"{i * 0.05:.2f} to {(i + 1) * 0.05:.2f}: {n}" for i, n in enumerate(bins) if n)
    return (f"Histogram of the similarities of {len(values)} pairs, in bins of 0.05 (log-scaled bars), with the "
            f"threshold {threshold:.2f} as a dashed line: {above} pair(s) at or above it. Pairs per bin: "
            f"{said or 'none'}.")


def _histogram(values: np.ndarray, threshold: float) -> str:
    """Counts of pair similarities in bins of 0.05 (log-scaled bars: the few copies stay visible)."""
    bins = np.histogram(values, bins=20, range=(0, 1))[0] if len(values) else np.zeros(20, dtype=int)
    # room on the right for the last tick's "1.0" and below for the axis title's descenders
    width, height, pad, top, right = 600, 200, 30, 15, 14
    peak = np.log1p(bins.max()) or 1.0
    bars = []
    for i, count in enumerate(bins):
        h = (height - pad - top) * np.log1p(count) / peak
        x = pad + i * (width - pad - right) / 20
        bars.append(f"<rect x='{x:.1f}' y='{height - pad - h:.1f}' width='{(width - pad - right) / 20 - 2:.1f}' "
                    f"height='{h:.1f}' fill='#4c78a8'><title>{i * 0.05:.2f}-{(i + 1) * 0.05:.2f}: "
                    f"{count} pairs</title></rect>")
        if count:
            bars.append(f"<text x='{x + 2:.1f}' y='{height - pad - h - 3:.1f}' font-size='10'>{count}</text>")
    tx = pad + threshold * (width - pad - right)
    axis = "".join(f"<text x='{pad + t * (width - pad - right):.1f}' y='{height - 17}' font-size='11' "
                   f"text-anchor='middle'>{t:.1f}</text>" for t in np.linspace(0, 1, 6))
    return (f"<svg viewBox='0 0 {width} {height}' width='{width}' role='img' "
            f"aria-label='{for_html(histogram_text(values, threshold))}'>"
            f"{''.join(bars)}<line x1='{pad}' y1='{height - pad}' x2='{width - right}' y2='{height - pad}' stroke='#333'/>"
            f"<line x1='{tx:.1f}' y1='0' x2='{tx:.1f}' y2='{height - pad}' stroke='#cf222e' stroke-width='2' "
            f"stroke-dasharray='4 3'/><text x='{tx + 4:.1f}' y='12' font-size='11' fill='#cf222e'>threshold "
            f"{threshold:.2f}</text>{axis}<text x='{width / 2}' y='{height - 3}' font-size='11' text-anchor='middle'>"
            "similarity (pairs per bin, log scale)</text></svg>")


def _floor_words(floor_prints: float) -> str:
    # README's "50 fingerprints" is the least the floor can be; a class that writes more code raises it
    # to a fifth of its median (compare.py), and the page says which of the two this class got.
    why = ("the least the kit counts" if floor_prints <= MIN_PRINTS
           else f"a fifth of the class's median own code, which is more than the least, {MIN_PRINTS}")
    return (f"Less own code than {floor_prints:.0f} fingerprints (about {max(1, round(floor_prints / 10))} lines; "
            f"{why}) counts as that much, so that stubs with a line or two changed are never flagged.")


def in_words(report: ClassSimilarity) -> str:
    """The page in one sentence, for the class summary and batch's console: flagged pairs, their clusters
    (students linked by flagged pairs) and matches with known sources, per exercise."""
    parts, total, most_of_a_class = [], 0, False
    for e in report.exercises:
        flagged = e.flagged_pairs()
        total += len(flagged)
        groups = clusters(e)
        most_of_a_class |= len(e.compared) >= 6 and any(2 * len(g) >= len(e.compared) for g in groups)
        matched = sum(1 for found in (e.comparison.sources.values() if e.comparison else ())
                      for share in found.values() if e.comparison.flagged(share))
        if flagged or matched:
            said = (f"{len(flagged)} flagged pair(s) in {len(groups)} cluster(s) "
                    + ", ".join(f"({', '.join(g)})" for g in groups)) if flagged else ""
            if matched:
                said += ("; " if said else "") + f"{matched} match(es) with known sources"
            parts.append(f"{e.exercise_id}: {said}")
    said = f"{f'{total} flagged pair(s)' if total else 'no flagged pair'} among {report.students} students"
    said += "".join(f"; {part}" for part in parts)
    # Most of a class in one cluster is rarely a copying ring: it is code they were all given (a
    # tutorial, the course's example), too alike for the common-code rule, which counts a near-identical
    # group once. Said here, where the instructor looks first.
    if most_of_a_class:
        said += (". Half the class or more in one cluster often means code they were all given: pass it as a "
                 "known source (--reference DIR) and compare again")
    return said


def clusters(result: ExerciseSimilarity) -> list[list[str]]:
    """Students linked by flagged pairs (transitively), largest cluster first."""
    parent: dict[str, str] = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _, _ in result.flagged_pairs():
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(root(x), []).append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g))


def _code(html: str | None, text: str) -> str:
    # a long file scrolls in its box: the box takes the keyboard's focus so that it scrolls without a mouse
    return f"<pre tabindex='0'>{for_terminal(html) if html is not None else for_html(text)}</pre>"


def _side_by_side(a: str, b: str, detail: dict, text_a: str, text_b: str, reports: set[str], b_is_source=False) -> str:
    who_b = f"source {for_html(b)}" if b_is_source else _who(b, reports)
    # the summary is the control that opens the pair: plain names in it (a link inside it would be a control
    # in a control), the links to the reports in the headings below
    plain_b = f"source {for_html(b)}" if b_is_source else for_html(b)
    return (f"<details><summary>{for_html(a)} and {plain_b}: longest shared fragment "
            f"{detail['longest_lines']} lines; {detail['share_a']:.0%} and {detail['share_b']:.0%} of each shared"
            f"</summary><div class='pair'><div><h3>{_who(a, reports)}</h3>{_code(detail['html_a'], text_a)}</div>"
            f"<div><h3>{who_b}</h3>{_code(detail['html_b'], text_b)}</div></div></details>")


def _exercise_section(result: ExerciseSimilarity, reports: set[str]) -> str:
    parts = [f"<h2>{for_html(result.exercise_id)}: {for_html(result.title)}</h2>"]
    problems = [c for c in result.codes if c.problem]
    comparison = result.comparison
    compared = result.compared
    if comparison is None:
        parts.append(f"<p class='note'>{len(compared)} student(s) with code to compare: nothing to compare "
                     "(it takes two).</p>")
    else:
        n = len(comparison.students)
        values = comparison.similarity[np.triu_indices(n, 1)]
        flagged = result.flagged_pairs()
        parts.append(f"<p>{n} students compared ({len(values)} pairs); <strong class='flag'>{len(flagged)} pair(s) "
                     f"flagged</strong> at similarity &ge; {comparison.threshold:.2f} "
                     f"({for_html(comparison.threshold_rule)}). Subtracted: the released stubs and given files, and "
                     f"{comparison.common} fingerprints common to the class. {_floor_words(comparison.floor_prints)}</p>")
        parts.append(_histogram(values, comparison.threshold))
        text = {c.owner: c.text for c in compared}
        rows = []
        wanted = sum(1 for key in result.details if key[1] not in result.sources)
        for a, b, sim, shared in comparison.pairs():
            if len(rows) == wanted:
                break
            detail = result.details.get((a, b))
            if detail is None:
                continue
            said = f"{sim:.2f} <span class='flag'>flagged</span>" if comparison.flagged(sim) else f"{sim:.2f}"
            rows.append(f"<tr><td>{said}</td><td>{_who(a, reports)}</td><td>{_who(b, reports)}</td>"
                        f"<td>{detail['longest_lines']}</td><td>{detail['share_a']:.0%} / {detail['share_b']:.0%}"
                        f"</td><td>{shared}</td></tr>")
        parts.append("<h3>Most similar pairs</h3>" + table(
            f"{result.exercise_id}: most similar pairs, most similar first (flagged: at or above the threshold)",
            ["similarity", "student", "student", "longest shared fragment (lines)", "shared (of each, as handed in)",
             "shared fingerprints"], rows))
        groups = clusters(result)
        if groups:
            parts.append("<h3>Clusters (students linked by flagged pairs)</h3><ol>" + "".join(
                f"<li>{len(g)} students: {', '.join(_who(s, reports) for s in g)}</li>" for g in groups) + "</ol>")
        matches = [(s, src, share) for s, found in sorted(comparison.sources.items())
                   for src, share in sorted(found.items()) if share >= comparison.threshold]
        if matches:
            parts.append("<h3>Matches with known sources</h3><ul>" + "".join(
                f"<li>{_who(s, reports)} matches {for_html(src)} ({share:.0%} of their own code)</li>"
                for s, src, share in matches) + "</ul>")
        if flagged:
            parts.append("<h3>Flagged pairs, side by side</h3>")
            for a, b, _, _ in flagged:
                if (a, b) in result.details:
                    parts.append(_side_by_side(a, b, result.details[(a, b)], text[a], text[b], reports))
        for s, src, _ in matches:
            if (s, src) in result.details:
                parts.append(_side_by_side(s, src, result.details[(s, src)], text[s], result.sources[src].text,
                                           reports, b_is_source=True))
    if problems:
        parts.append("<h3>Not compared</h3><ul>" + "".join(
            f"<li>{_who(c.owner, reports)}: {for_html(c.problem)}</li>" for c in problems) + "</ul>")
    return "".join(parts)


def render_html(report: ClassSimilarity, title: str, reports: set[str]) -> str:
    flagged = sum(len(e.flagged_pairs()) for e in report.exercises)
    head = (f"<h1>{for_html(title)}: similarity</h1><p>{report.students} students, "
            f"{len(report.exercises)} exercise(s), {flagged} flagged pair(s). A flagged pair is for a person to "
            "read, not a verdict: look at the shared code side by side.</p>")
    if report.students == 0:
        head += "<p class='note'>The class folder holds no students: nothing to compare.</p>"
    if report.problems:
        head += "<ul>" + "".join(f"<li>{for_html(p)}</li>" for p in report.problems) + "</ul>"
    body = head + "".join(_exercise_section(e, reports) for e in report.exercises)
    return page("Similarity", body, STYLE)


def render_csv(report: ClassSimilarity) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for e in report.exercises:
        c = e.comparison
        if c is None:
            continue
        for a, b, sim, shared in c.pairs():
            detail = e.details.get((a, b))
            writer.writerow([for_csv(e.exercise_id), for_csv(a), for_csv(b), f"{sim:.4f}", int(c.flagged(sim)),
                             "pair", shared, detail["longest_lines"] if detail else ""])
        for student, found in sorted(c.sources.items()):
            for source, share in sorted(found.items()):
                detail = e.details.get((student, source))
                writer.writerow([for_csv(e.exercise_id), for_csv(student), for_csv(source), f"{share:.4f}",
                                 int(c.flagged(share)), "source", "", detail["longest_lines"] if detail else ""])
    return buf.getvalue()


def write(report: ClassSimilarity, out: Path, title: str) -> tuple[Path, Path]:
    """OUT/similarity.csv and OUT/similarity.html (linking to OUT/reports/ where batch wrote them)."""
    out = Path(out)
    reports = {p.stem for p in (out / "reports").glob("*.html")} if (out / "reports").is_dir() else set()
    write_atomic(out / "similarity.csv", render_csv(report))
    write_atomic(out / "similarity.html", render_html(report, title, reports))
    return out / "similarity.csv", out / "similarity.html"
