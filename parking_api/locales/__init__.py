"""The answers' words in other languages: gettext catalogues (``<lang>/LC_MESSAGES/messages.po``), read at run time.

Each entry's ``msgctxt`` is a phrase code of ``engine/english.py``, its ``msgid`` the English template and its
``msgstr`` the translation, with the same ``{placeholders}`` (``!u``/``!l`` make a value's first letter upper or lower
case). A translator adds a language without code: copy ``messages.pot`` to ``<lang>/LC_MESSAGES/messages.po`` (any
PO editor opens it), fill in the ``msgstr``; the language is offered from the next start. An entry left empty or
marked fuzzy, or naming a placeholder the English does not have, is said in English. After changing the English,
regenerate the template with ``python -m parking_api.locales``.
"""

from __future__ import annotations

import io
import re
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from parking_api.engine.english import ENGLISH

LOCALES = Path(__file__).parent
TEMPLATE = LOCALES / "messages.pot"
DEFAULT = "en"
TAG = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$")
"""A language tag as BCP 47 writes it (``fr``, ``fr-CA``; ``fr_CA`` accepted): anything else in ``lang`` is a 400."""


def _path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The languages answers can be said in: English, and every language with a catalogue."""
    found = sorted(p.name for p in LOCALES.iterdir() if p.is_dir() and _path(p.name).is_file())
    return (DEFAULT, *(lang for lang in found if lang != DEFAULT))


def _fields(template: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name}


@lru_cache(maxsize=16)
def catalogue(lang: str) -> Mapping[str, str]:
    """Every phrase code's template in ``lang`` (one of :func:`languages`), English where it has no translation."""
    if lang == DEFAULT:
        return ENGLISH
    with _path(lang).open("rb") as handle:
        read = read_po(handle, locale=lang)
    out = dict(ENGLISH)
    for message in read:
        code = message.context
        text = message.string
        if code not in ENGLISH or not isinstance(text, str) or not text or message.fuzzy:
            continue
        try:
            usable = _fields(text) <= _fields(ENGLISH[code])
        except ValueError:  # an unbalanced brace
            usable = False
        if usable:
            out[code] = text
    return MappingProxyType(out)


def primary(tag: str) -> str:
    """``fr-CA`` -> ``fr``."""
    return re.split(r"[-_]", tag, maxsplit=1)[0].lower()


def best(tags: Iterable[str]) -> str | None:
    """The first of ``tags`` (in preference order) that has a catalogue, by primary language; None if none has."""
    offered = languages()
    for tag in tags:
        lang = primary(tag)
        if lang in offered:
            return lang
    return None


def template() -> str:
    """The translator's template (``messages.pot``): every phrase code with its English template."""
    pot = Catalog(project="kerbside-parking", header_comment="# The words of the parking answers: see __init__.py.")
    for code, english in ENGLISH.items():
        pot.add(english, context=code)
    out = io.BytesIO()
    write_po(out, pot, omit_header=False, width=0, sort_output=False)
    text = out.getvalue().decode()
    return re.sub(r'^"(?:POT-Creation-Date|Generated-By): .*\\n"\n', "", text, flags=re.MULTILINE)
