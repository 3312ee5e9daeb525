"""Search syntax for people: one box, terms separated by spaces, every term must match.

A whole query that is one ID or phone number typed with spaces is one term. A term is read
as (first rule that applies):

- 15 or 18 characters of digits (last may be X): a full ID number → exact blind-index match;
  a number with a wrong checksum or birth date is an error, not an empty result;
- a mobile (11 digits from 13…) or landline number with area code → phone blind index;
- 4 or 6 characters of digits (last may be X): the end of an ID number → tail blind index;
- Latin letters: pinyin → prefix of the full pinyin or of the initials (`zhangs`, `zsf`);
- anything else: part of the name or of the address (汉字 contains).

Each term becomes a `Q`; the caller ANDs them onto an already scoped queryset, so one search
is one query.
"""

from __future__ import annotations

import re
import unicodedata
from functools import reduce

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from pingan.core.idnumber import normalize_id_number
from pingan.registry.keys import (
    clean_phone_text,
    id_hash,
    id_tail_hash,
    normalize_phone,
    phone_hash,
)

MAX_QUERY = 100
MAX_TERMS = 5
_ID_FULL = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_ID_TAIL = re.compile(r"^(\d{3}|\d{5})[\dX]$")
_PINYIN = re.compile(r"^[a-z]+$")
_PHONE_LIKE = re.compile(r"^(\+86|0086)?[\d\-()（）]{7,}$")


def _phone_q(term: str) -> Q | None:
    if not _PHONE_LIKE.match(term):
        return None
    try:
        phone = normalize_phone(term)
    except ValidationError:
        return None
    return Q(phone_hash=phone_hash(phone)) if phone else None


def term_q(term: str, *, phone_allowed: bool = True) -> Q:
    """The condition for one search term (see the module docstring). Without
    `phone_allowed` (actors who may not see phones) a phone number matches no one, so the
    search cannot be used to learn whose number it is."""
    upper = term.upper()
    if _ID_FULL.match(upper):
        try:
            number = normalize_id_number(upper)
        except ValidationError as exc:
            raise ValidationError({"q": exc.messages}) from exc
        return Q(id_hash=id_hash(number))
    phone = _phone_q(term)
    if phone is not None:
        return phone if phone_allowed else Q(pk__in=[])
    if _ID_TAIL.match(upper):
        return Q(**{f"id_tail{len(upper)}_hash": id_tail_hash(upper)})
    lower = term.lower()
    if _PINYIN.match(lower):
        return Q(name_pinyin__startswith=lower) | Q(name_initials__startswith=lower)
    if clean_phone_text(term).isdigit():
        return Q(address__contains=term)
    return Q(name__contains=term) | Q(address__contains=term)


def parse_query(q: str) -> list[str]:
    """Terms of a query: full-width characters folded, split on whitespace. A query that is
    one ID or phone number typed in groups (`530623 19900101 1234`) stays one term."""
    text = unicodedata.normalize("NFKC", q or "").strip()
    if len(text) > MAX_QUERY:
        raise ValidationError({"q": [_("搜索内容不能超过 %(n)d 个字。") % {"n": MAX_QUERY}]})
    compact = re.sub(r"\s+", "", text)
    if compact != text and (_ID_FULL.match(compact.upper()) or _phone_q(compact) is not None):
        return [compact]
    terms = text.split()
    if len(terms) > MAX_TERMS:
        raise ValidationError({"q": [_("最多输入 %(n)d 个搜索词。") % {"n": MAX_TERMS}]})
    return terms


def query_q(q: str, *, phone_allowed: bool = True) -> Q | None:
    """The AND of every term's condition; None for an empty query."""
    terms = parse_query(q)
    if not terms:
        return None
    return reduce(lambda a, b: a & b, (term_q(t, phone_allowed=phone_allowed) for t in terms))
