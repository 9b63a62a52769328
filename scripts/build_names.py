"""Build ex3's names dataset from pinned PyPI packages (Faker's surname lists, transliterated by anyascii).

    pip install faker==40.54.0 anyascii==0.3.3      # (the kit's "data" extra)
    python scripts/build_names.py [--check]

Writes solutions/ex3_names/data/names/<Language>.txt (one name per line, UTF-8,
the PyTorch tutorial's layout: nothing else in that folder, since tutorials' loaders
list it) and, beside it, data/MANIFEST.json (package versions, sources per class,
counts, and each file's SHA-256, which a kit test verifies). With
--check, rebuilds in memory and exits 1 if the shipped files differ.

Decisions, each deliberate:
- Korean (44 names) and Vietnamese (10) are left out: too small to learn.
- Japanese and Chinese come from the romanised lists; Chinese from zh_CN and
  zh_TW (Wade-Giles, upper case, normalised to "Chen").
- A name is kept only if its transliteration uses nothing but the course
  alphabet (ASCII letters and " .,;'"); names are never mangled to fit.
- A name found under two or more languages is dropped from all of them:
  it would only be label noise.
- Each class is capped at MAX_PER_CLASS names (a seeded sample), which bounds
  training time and the class imbalance.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.metadata
import json
import random
import string
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "solutions" / "ex3_names" / "data" / "names"
MANIFEST = OUT.parent / "MANIFEST.json"
ALPHABET = set(string.ascii_letters + " .,;'")
MAX_PER_CLASS = 1200
PACKAGES = {"faker": "40.54.0", "anyascii": "0.3.3"}

# language -> [(Faker locale, attribute of its person Provider), ...]
SOURCES = {
    "Arabic": [("fr_DZ", "last_names")],
    "Chinese": [("zh_CN", "last_romanized_names"), ("zh_TW", "last_romanized_names")],
    "Czech": [("cs_CZ", "last_names")],
    "Dutch": [("nl_NL", "last_names"), ("nl_BE", "last_names")],
    "English": [("en_GB", "last_names")],
    "French": [("fr_FR", "last_names")],
    "German": [("de_DE", "last_names"), ("de_AT", "last_names")],
    "Greek": [("el_GR", "last_names")],
    "Irish": [("en_IE", "last_names")],
    "Italian": [("it_IT", "last_names")],
    "Japanese": [("ja_JP", "last_romanized_names")],
    "Polish": [("pl_PL", "male_last_names"), ("pl_PL", "unisex_last_names")],
    "Portuguese": [("pt_PT", "last_names"), ("pt_BR", "last_names")],
    "Russian": [("ru_RU", "last_names")],
    "Spanish": [("es_ES", "last_names")],
}


def collect() -> dict[str, list[str]]:
    import faker
    from anyascii import anyascii

    versions = {"faker": faker.VERSION, "anyascii": importlib.metadata.version("anyascii")}
    if versions != PACKAGES:
        sys.exit(f"build_names needs exactly {PACKAGES}, found {versions}")
    names: dict[str, set[str]] = {}
    for language, sources in SOURCES.items():
        found = set()
        for locale, attribute in sources:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
            for raw in getattr(provider, attribute):
                name = anyascii(raw).strip()
                if name.isupper():
                    name = name.title()
                if name and set(name) <= ALPHABET and any(c.isalpha() for c in name):
                    found.add(name)
        names[language] = found
    seen: dict[str, int] = {}
    for found in names.values():
        for name in found:
            seen[name] = seen.get(name, 0) + 1
    out = {}
    rng = random.Random(0)
    for language, found in names.items():
        unique = sorted(n for n in found if seen[n] == 1)
        out[language] = sorted(rng.sample(unique, MAX_PER_CLASS)) if len(unique) > MAX_PER_CLASS else unique
    return out


def render(names: dict[str, list[str]]) -> dict[str, str]:
    files = {f"{language}.txt": "\n".join(ns) + "\n" for language, ns in names.items()}
    manifest = {
        "built_by": "scripts/build_names.py",
        "packages": PACKAGES,
        "classes": {language: {"sources": [f"{loc}.{attr}" for loc, attr in SOURCES[language]],
                               "names": len(ns)} for language, ns in names.items()},
        "sha256": {name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(files.items())},
    }
    return files, json.dumps(manifest, indent=2) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="compare with the shipped files; exit 1 if they differ")
    args = parser.parse_args()
    files, manifest = render(collect())
    if args.check:
        stale = [n for n, text in files.items() if not (OUT / n).exists() or (OUT / n).read_text() != text]
        if not MANIFEST.exists() or MANIFEST.read_text() != manifest:
            stale.append(MANIFEST.name)
        extra = [p.name for p in OUT.iterdir() if p.name not in files] if OUT.exists() else []
        print("up to date" if not (stale or extra) else f"differs: {stale + extra}")
        raise SystemExit(1 if stale or extra else 0)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.txt"):
        old.unlink()
    for name, text in files.items():
        (OUT / name).write_text(text)
    MANIFEST.write_text(manifest)
    counts = {n: len(t.splitlines()) for n, t in files.items() if n.endswith(".txt")}
    print(f"wrote {len(counts)} classes, {sum(counts.values())} names to {OUT}: {counts}")


if __name__ == "__main__":
    main()
