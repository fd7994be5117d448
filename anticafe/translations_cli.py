"""`flask --app wsgi i18n extract|compile|check`: keep the Russian catalogs complete.

The catalogs are split by domain so that parallel work does not collide: a subpackage with its own
`translations/` folder (e.g. `anticafe/events/translations`) owns the strings of its Python files
and of `templates/<domain>/`; `anticafe/translations` owns everything else. English is the source
language, so only Russian needs a catalog.
"""

from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do", "trimmed": "false"}


def domains() -> list[str]:
    """Return the domains that keep their own catalog."""
    return sorted(p.parent.name for p in ROOT.glob("*/translations") if p.is_dir())


def catalog_dir(domain: str | None) -> Path:
    return ROOT / domain / "translations" if domain else ROOT / "translations"


def source_files(domain: str | None) -> list[Path]:
    """Return the files whose strings belong to `domain` (None: the core catalog)."""
    own = set(domains())
    files = []
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in (".py", ".html") or "vendor" in path.parts or "translations" in path.parts:
            continue
        rel = path.relative_to(ROOT).parts
        if rel[0] == "templates":
            owner = rel[1] if len(rel) > 2 and rel[1] in own else None
        else:
            owner = rel[0] if len(rel) > 1 and rel[0] in own else None
        if owner == domain:
            files.append(path)
    return files


def extract(domain: str | None) -> Catalog:
    """Collect the translatable strings of a domain into a template catalog."""
    template = Catalog(project="anticafe", charset="utf-8", fuzzy=False)
    for path in source_files(domain):
        method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
        options = {} if path.suffix == ".py" else JINJA_OPTIONS
        for lineno, message, comments, context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                    options=options):
            template.add(message, None, [(str(path.relative_to(ROOT.parent)), lineno)],
                         auto_comments=comments, context=context)
    return template


def po_path(domain: str | None, locale: str = "ru") -> Path:
    return catalog_dir(domain) / locale / "LC_MESSAGES" / "messages.po"


def load(domain: str | None, locale: str = "ru") -> Catalog:
    path = po_path(domain, locale)
    if not path.exists():
        return Catalog(locale=locale, project="anticafe", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def missing(domain: str | None, locale: str = "ru") -> list[str]:
    """Return the msgids of a domain that have no (or only a fuzzy) translation."""
    catalog = load(domain, locale)
    gaps = []
    for message in extract(domain):
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found else None
        if isinstance(strings, (tuple, list)):
            empty = not all(strings)
        else:
            empty = not strings
        if found is None or empty or found.fuzzy:
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def conflicts(locale: str = "ru") -> dict[tuple, dict[str, list[str]]]:
    """Return the messages that two catalogs translate differently: {(context, msgid): {text: [domains]}}.

    The app merges every catalog into one, so the same English text must mean the same Russian text
    everywhere; where a domain needs another word, it gives the message a context (pgettext).
    """
    seen: dict[tuple, dict[str, list[str]]] = {}
    for domain in [None, *domains()]:
        for message in load(domain, locale):
            if not message.id or not message.string:
                continue
            key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
            text = message.string if isinstance(message.string, str) else " | ".join(message.string)
            seen.setdefault(key, {}).setdefault(text, []).append(domain or "core")
    return {key: texts for key, texts in seen.items() if len(texts) > 1}


@click.group("i18n")
def i18n():
    """Extract, check and compile the translation catalogs."""


@i18n.command("extract")
def extract_command():
    """Update every catalog with the strings now in the code (new ones are left empty)."""
    for domain in [None, *domains()]:
        template = extract(domain)
        catalog = load(domain)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path = po_path(domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, sort_output=False, omit_header=False)
        gaps = missing(domain)
        click.echo(f"{path.relative_to(ROOT.parent)}: {len(template)} strings, {len(gaps)} untranslated")


@i18n.command("compile")
def compile_command():
    """Compile every catalog to .mo files for the app."""
    compile_all()


def compile_all() -> None:
    for domain in [None, *domains()]:
        path = po_path(domain)
        if not path.exists():
            continue
        catalog = load(domain)
        with path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


@i18n.command("check")
def check_command():
    """Fail if a string has no Russian translation, or two catalogs translate it differently."""
    problems = {str(domain or "core"): gaps for domain in [None, *domains()] if (gaps := missing(domain))}
    for domain, gaps in problems.items():
        click.echo(f"{domain}: {len(gaps)} untranslated, e.g. {gaps[:5]}")
    clashes = conflicts()
    for (context, msgid), texts in clashes.items():
        where = "; ".join(f"{text!r} in {', '.join(owners)}" for text, owners in texts.items())
        click.echo(f"translated differently: {msgid!r}{f' (context {context})' if context else ''}: {where}")
    if problems or clashes:
        raise SystemExit(1)
    click.echo("All catalogs are complete.")
