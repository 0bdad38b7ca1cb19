"""The bulletin's Chinese: figures with their measure words, clauses from templates, and sections that leave
out what has nothing to report.

A clause is a template with one ``{n}`` slot that a measure word follows at once ("劝阻{n}家企业暂停营业",
"发放《健康状况信息登记表》{n}份"); ``{n:cn}`` writes the figure in Chinese numerals ("四位老师", "两名"). A
clause whose figure is zero or missing is left out, and a section with no clause left is left out whole, so a
bulletin never says "0家". Figures are whole numbers; a count is never written with decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# The measure words the bulletin's templates may use after a figure: each counts one kind of thing.
MEASURE_WORDS = frozenset("份家名户处人次个位起只张件批条栋幢天小时分钟箱元支场")
# Two-character measure words (checked before the one-character ones).
MEASURE_PHRASES = ("小时", "分钟")

DIGITS = "零一二三四五六七八九"
UNITS = ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"))  # 万 is handled by chinese_number
SLOT = re.compile(r"\{n(?::(cn))?\}")


def chinese_number(n: int, *, before_measure: bool = True) -> str:
    """``n`` (0 ≤ n < 100,000,000) in Chinese numerals, as a count is written: 十二, 二十二, 一百零五, 一百一十,
    一万零五百. Before a measure word a lone 2, and a leading 2 of thousands or ten-thousands, is 两 (两名,
    两千份, 两万二千人); elsewhere 二."""
    if n < 0 or n >= 10**8:
        raise ValueError("chinese_number takes 0 <= n < 100,000,000")
    if n == 0:
        return "零"
    high, low = divmod(n, 10000)
    if high:
        text = _below_10000(high, leading=True) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _below_10000(low, leading=False)
    else:
        text = _below_10000(low, leading=True)
    if before_measure and (text == "二" or text.startswith(("二千", "二万"))):
        text = "两" + text[1:]
    return text


def _below_10000(n: int, *, leading: bool) -> str:
    """0 < n < 10,000; ``leading``: the number starts here, so 10–19 are written 十… rather than 一十…."""
    parts: list[str] = []
    gap = started = False
    for value, unit in UNITS[1:]:
        digit, n = divmod(n, value)
        if digit:
            if gap:
                parts.append("零")
                gap = False
            if not (leading and not started and value == 10 and digit == 1):
                parts.append(DIGITS[digit])
            parts.append(unit)
            started = True
        elif started:
            gap = True
    if n:
        if gap:
            parts.append("零")
        parts.append(DIGITS[n])
    return "".join(parts)


def measure_after_slot(template: str) -> str | None:
    """The measure word that follows the template's ``{n}`` slot, or None when none does."""
    found = SLOT.search(template)
    if found is None:
        return None
    rest = template[found.end() :]
    for phrase in MEASURE_PHRASES:
        if rest.startswith(phrase):
            return phrase
    return rest[:1] if rest[:1] in MEASURE_WORDS else None


@dataclass(frozen=True)
class Clause:
    """One figure in words: ``key`` names the figure, ``template`` holds one ``{n}`` slot and its measure word."""

    key: str
    template: str

    def __post_init__(self) -> None:
        if len(SLOT.findall(self.template)) != 1:
            raise ValueError(f"{self.template!r}: a clause has exactly one {{n}} slot")
        if measure_after_slot(self.template) is None:
            raise ValueError(f"{self.template!r}: a measure word must follow the {{n}} slot")

    def text(self, figures: Mapping[str, float]) -> str | None:
        """The clause with its figure, or None when the figure is zero or missing."""
        n = int(round(figures.get(self.key) or 0))
        if n <= 0:
            return None

        def fill(found: re.Match[str]) -> str:
            return chinese_number(n) if found.group(1) == "cn" else str(n)

        return SLOT.sub(fill, self.template)


@dataclass(frozen=True)
class Section:
    """A paragraph of the bulletin: a heading and its clauses, joined into one sentence."""

    title: str
    clauses: tuple[Clause, ...]
    lead: str = ""  # words before the clauses, e.g. "楼宇（园区）排摸方面，"

    def text(self, figures: Mapping[str, float]) -> str | None:
        """The section's sentence, or None when none of its clauses has anything to report."""
        parts = [t for c in self.clauses if (t := c.text(figures))]
        if not parts:
            return None
        return f"{self.lead}{'，'.join(parts)}。"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.clauses)


@dataclass
class Paragraph:
    title: str
    text: str


@dataclass
class Composed:
    """A bulletin's text: its title, the lead paragraph and the sections that have something to say."""

    title: str
    lead: str
    paragraphs: list[Paragraph] = field(default_factory=list)

    def plain(self) -> str:
        lines = [self.title, "", self.lead] if self.lead else [self.title]
        for p in self.paragraphs:
            lines += ["", p.title, p.text]
        return "\n".join(lines).strip() + "\n"


def compose(
    *, title: str, lead: Section, sections: Iterable[Section], figures: Mapping[str, float]
) -> Composed:
    """The bulletin's text from the figures of its period: the lead sentence (left empty when nothing is
    reported) and one paragraph per section that has something to report, in the sections' order."""
    paragraphs = [Paragraph(s.title, text) for s in sections if (text := s.text(figures))]
    return Composed(title=title, lead=lead.text(figures) or "", paragraphs=paragraphs)
