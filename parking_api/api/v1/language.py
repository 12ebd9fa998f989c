"""The language an answer's words are said in: ``lang`` when given, else ``Accept-Language``, else English.

``lang`` wins over the header. A well-formed tag without a catalogue (``lang=de``) and a header naming none falls back
to English (``Content-Language: en`` says so); a malformed ``lang`` is a 400 (the query schema checks it). Answers
say ``Content-Language`` and ``Vary: Accept-Language``, and their ETags differ per language.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Response, g, request

from parking_api.engine.english import ENGLISH
from parking_api.engine.wording import Phrase, phrase
from parking_api.engine.wording import say as say_in
from parking_api.locales import DEFAULT, best, catalogue

_KEY = "answer_language"


def negotiate() -> str:
    """The request's language (chosen once per request)."""
    chosen = g.get(_KEY)
    if chosen is None:
        tag = request.args.get("lang")
        if tag is not None:
            chosen = best([tag])  # well-formed: the query schema checked it
        else:
            tags = [value for value, quality in request.accept_languages if quality > 0 and value != "*"]
            chosen = best(tags)
        chosen = chosen or DEFAULT
        setattr(g, _KEY, chosen)
    return chosen


def say(words: Phrase | str) -> str:
    """``words`` in the request's language."""
    return say_in(words, catalogue(negotiate()))


@lru_cache(maxsize=1)
def _caveats() -> dict[str, str]:
    return {text: code for code, text in ENGLISH.items() if code.startswith("caveat.")}


def caveat(english: str) -> str:
    """A caveat (said in English by the services) in the request's language."""
    code = _caveats().get(english)
    return say(phrase(code)) if code else english


def localised(response: Response) -> Response:
    """After a request whose words were said: ``Content-Language``, ``Vary: Accept-Language``, and an ETag that
    names the language (the body's own ETag, weak or strong, made per language)."""
    lang = g.get(_KEY)
    if lang is None or request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    if response.direct_passthrough or not response.is_json:
        return response
    tag, weak = response.get_etag()
    seed = tag.encode() if tag else response.get_data()
    response.set_etag(hashlib.sha1(seed + b"\0" + lang.encode()).hexdigest(), weak=bool(weak))
    return response
