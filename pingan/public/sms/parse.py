"""Reading an inbound SMS: a command, or the text of a report. Pure (no database, no I/O).

Gateways in China take short latin commands; phones type them in full width (`ＣＸ`), lower
case, with Chinese punctuation or no space at all. Commands are matched on the NFKC-folded,
upper-cased text; the text of a report is kept exactly as sent.

| Command | Meaning |
|---|---|
| `CX <number>` / `查询 <number>` | status of the sender's own case |
| `CX <number> <query code>` | status of any case, with its 6-digit query code |
| `PJ <number> <1|2|3>` / `评价 …` | rating after closure (1 满意, 2 基本满意, 3 不满意) |
| `TD`, `T`, `退订`, `取消订阅` | no more progress messages |
| `DY`, `订阅`, `恢复订阅` | progress messages again |
| anything else | a report (at least `min_chars` characters, else a help reply) |

A number is the case number (`SJ9901012026110200042`; the letters may be left out, the
digits alone are resolved by `pingan.public.lookup`). A malformed command (`CX` alone, a bad
rating) gets the help reply, never a case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

QUERY = "query"
RATE = "rate"
UNSUBSCRIBE = "unsubscribe"
SUBSCRIBE = "subscribe"
REPORT = "report"
HELP = "help"

UNSUBSCRIBE_WORDS = frozenset({"TD", "T", "退订", "退定", "取消订阅"})
SUBSCRIBE_WORDS = frozenset({"DY", "订阅", "恢复订阅"})
# Command word → kind; longer words first so "查询" is not read as something shorter.
COMMAND_WORDS = (("CX", QUERY), ("查询", QUERY), ("PJ", RATE), ("评价", RATE))
RATINGS = {
    "1": "satisfied",
    "2": "basically_satisfied",
    "3": "unsatisfied",
    "满意": "satisfied",
    "基本满意": "basically_satisfied",
    "不满意": "unsatisfied",
}
CODE_LENGTH = 6

# Separators between a command and its arguments (after NFKC: ":" "," "#" "!" are ASCII);
# a trailing full stop is one too.
_SEP = re.compile(r"[\s+:,#、;/=。.!?]+")
_NUMBER = re.compile(r"^[A-Z]{0,4}\d{6,30}$")
_LETTERS = re.compile(r"^[A-Z]{1,4}$")
_CODE = re.compile(r"^\d{6}$")
# What may follow a command word directly: a separator, the end, or a number.
_AFTER_COMMAND = re.compile(r"^(?:$|[\s+:,#、;/=。.!?]|[A-Z]{0,4}\d)")
# Everything that is not a letter, digit or CJK character (for the one-word commands).
_NOISE = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Command:
    kind: str
    number: str = ""
    code: str = ""
    rating: str = ""  # a flow.models.Satisfaction value
    text: str = ""  # the report, as sent (stripped)
    usage: str = ""  # the command word whose arguments were wrong (for the help reply)


def fold(text: str) -> str:
    """Full width → half width, upper case, runs of white space → one space, stripped."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return re.sub(r"\s+", " ", folded).strip()


def _arguments(rest: str) -> list[str]:
    tokens = [token for token in _SEP.split(rest) if token]
    # "SJ 9901012026…": letters typed apart from the digits belong to the number.
    if len(tokens) >= 2 and _LETTERS.match(tokens[0]) and tokens[1].isdigit():
        tokens = [tokens[0] + tokens[1], *tokens[2:]]
    return tokens


def _command(folded: str) -> tuple[str, str, list[str]] | None:
    for word, kind in COMMAND_WORDS:
        if folded.startswith(word):
            rest = folded[len(word) :]
            if _AFTER_COMMAND.match(rest):
                return word, kind, _arguments(rest)
    return None


def _query(word: str, args: list[str]) -> Command:
    if len(args) in (1, 2) and _NUMBER.match(args[0]):
        if len(args) == 1:
            return Command(QUERY, number=args[0])
        if _CODE.match(args[1]):
            return Command(QUERY, number=args[0], code=args[1])
    return Command(HELP, usage=word)


def _rate(word: str, args: list[str]) -> Command:
    if len(args) == 2 and _NUMBER.match(args[0]) and args[1] in RATINGS:
        return Command(RATE, number=args[0], rating=RATINGS[args[1]])
    return Command(HELP, usage=word)


def report_length(text: str) -> int:
    """Characters of a report that count towards the minimum (white space does not)."""
    return len(re.sub(r"\s+", "", text or ""))


def parse(text: str, *, min_chars: int = 5) -> Command:
    """The command an SMS carries (see the module docstring)."""
    folded = fold(text)
    compact = _NOISE.sub("", folded)
    if compact in UNSUBSCRIBE_WORDS:
        return Command(UNSUBSCRIBE)
    if compact in SUBSCRIBE_WORDS:
        return Command(SUBSCRIBE)
    found = _command(folded)
    if found is not None:
        word, kind, args = found
        return _query(word, args) if kind == QUERY else _rate(word, args)
    original = (text or "").strip()
    if report_length(original) < min_chars:
        return Command(HELP)
    return Command(REPORT, text=original)
