"""Make the question list as a PDF, on the server, with fpdf2 and an embedded font.

Plain Python, no Flask. The PDF shows the same list as the web page, with tick boxes and
lines to write on, and the disclaimer at the foot of every page, because pages of a printout
get separated. DejaVu Sans (static/fonts/, free to share, see LICENSE-DejaVu.txt) is
embedded so curly quotes, accents and other letters print as typed; a character the font
lacks becomes "?" rather than a blank.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ssexplain.checklist.questions import HEADINGS, PassageRef, Question, QuestionList, long_date
from ssexplain.config import PROJECT_ROOT

FONT_DIR = PROJECT_ROOT / "static" / "fonts"
FAMILY = "DejaVuSans"
TITLE = HEADINGS.title

BODY_PT = 14  # large print: never smaller for anything a person must read
SMALL_PT = 12
FOOTER_PT = 10
MARGIN_MM = 15
FOOTER_MM = 32  # room kept at the foot of each page for the disclaimer
LINE_MM = 7.5
ANSWER_GAP_MM = 9
BOX_MM = 5
INDENT_MM = 9
KEEP_WITH_HEADING_MM = 45  # a heading needs about one question's room below it
GREY = (70, 70, 70)
LINK_BLUE = (0, 60, 160)


def _markdown_safe(text: str) -> str:
    """Link text for fpdf2's markdown: no brackets, no doubled style markers."""
    text = text.replace("[", "(").replace("]", ")")
    return re.sub(r"([*_~-])\1+", r"\1", text)


@lru_cache(maxsize=4)
def _covered(font_dir: Path) -> frozenset[int]:
    """Code points both the regular and the bold font can draw."""
    probe = FPDF()
    sets = []
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        probe.add_font(FAMILY, style, font_dir / name)
        sets.append(set(probe.fonts[f"{FAMILY.lower()}{style}"].cmap))
    return frozenset(sets[0] & sets[1])


class QuestionPDF(FPDF):
    """An A4 page with the disclaimer and page number in the footer of every page."""

    def __init__(self, *, disclaimer: str, font_dir: Path) -> None:
        super().__init__(format="A4")
        self.disclaimer = disclaimer
        self.covered = _covered(font_dir)
        self.add_font(FAMILY, "", font_dir / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", font_dir / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=FOOTER_MM)
        self.set_title(TITLE)
        self.set_lang("en")
        self.set_creator("ssexplain")

    def safe(self, text: str) -> str:
        """The text with any letter the font cannot draw shown as "?"."""
        return "".join(ch if ord(ch) in self.covered or ch == "\n" else "?" for ch in text)

    def footer(self) -> None:
        self.set_y(-FOOTER_MM + 4)
        self.set_font(FAMILY, "", FOOTER_PT)
        self.set_text_color(*GREY)
        self.multi_cell(0, 4.5, self.safe(f"Please note: {self.disclaimer}"), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # ------------------------------------------------------------ building blocks

    def text_block(self, text: str, *, size: int = BODY_PT, bold: bool = False, indent: float = 0,
                   grey: bool = False, gap: float = 0) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*(GREY if grey else (0, 0, 0)))
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, size * 0.5, self.safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        if gap:
            self.ln(gap)

    def heading(self, text: str, *, size: int = 18) -> None:
        self.keep_with_next(size * 0.5 + KEEP_WITH_HEADING_MM)
        self.ln(4)
        self.text_block(text, size=size, bold=True, gap=2)

    def keep_with_next(self, height: float) -> None:
        """Start a new page rather than leave a heading alone at the bottom of one."""
        if self.get_y() + height > self.h - FOOTER_MM:
            self.add_page()

    def tick_box(self, *, size: int = BODY_PT) -> None:
        """An empty square to tick, level with the first line of text after it."""
        top = self.get_y() + (size * 0.5 - BOX_MM) / 2
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.4)
        self.rect(self.l_margin, top, BOX_MM, BOX_MM)

    def answer_lines(self, count: int) -> None:
        self.set_draw_color(120, 120, 120)
        self.set_line_width(0.3)
        for _ in range(count):
            self.ln(ANSWER_GAP_MM)
            self.line(self.l_margin + INDENT_MM, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def source_links(self, refs: Iterable[PassageRef], *, link_base: str) -> None:
        links = "; ".join(f"[{_markdown_safe(self.safe(r.label))}]({link_base.rstrip('/')}{r.path})" for r in refs)
        self.set_x(self.l_margin + INDENT_MM)
        self.set_font(FAMILY, "", SMALL_PT)
        self.set_text_color(*LINK_BLUE)
        self.multi_cell(0, SMALL_PT * 0.5, f"{HEADINGS.read} {links}", align="L", markdown=True,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def ticked_question(self, text: str, *, bold: bool = True) -> None:
        self.tick_box()
        self.text_block(text, bold=bold, indent=INDENT_MM)

    def question(self, q: Question, *, link_base: str) -> None:
        with self.offset_rendering() as trial:
            self._question(trial, q, link_base=link_base)
        if trial.page_break_triggered:
            self.add_page()
        self._question(self, q, link_base=link_base)

    @staticmethod
    def _question(pdf: "QuestionPDF", q: Question, *, link_base: str) -> None:
        pdf.ticked_question(q.text)
        pdf.text_block(f"{HEADINGS.why} {q.why}", size=SMALL_PT, indent=INDENT_MM, grey=True)
        pdf.source_links(q.sources, link_base=link_base)
        pdf.answer_lines(1)

    def own_question(self, text: str) -> None:
        with self.offset_rendering() as trial:
            trial.ticked_question(text)
            trial.answer_lines(2)
        if trial.page_break_triggered:
            self.add_page()
        self.ticked_question(text)
        self.answer_lines(2)


def build_pdf(qlist: QuestionList, *, disclaimer: str, link_base: str, font_dir: Path = FONT_DIR) -> bytes:
    """The whole question list as PDF bytes; `link_base` makes the source links absolute."""
    pdf = QuestionPDF(disclaimer=disclaimer, font_dir=font_dir)
    pdf.add_page()
    pdf.text_block(TITLE, size=22, bold=True, gap=1)
    pdf.text_block(f"{HEADINGS.made_on} {long_date(qlist.made_on)}", gap=2)
    for note in qlist.notes:
        pdf.text_block(note, size=SMALL_PT, grey=True, gap=1)
    _summary(pdf, qlist)
    if qlist.top:
        pdf.heading(HEADINGS.top)
        for q in qlist.top:
            pdf.question(q, link_base=link_base)
    if qlist.own:
        pdf.heading(HEADINGS.own)
        for text in qlist.own:
            pdf.own_question(text)
    if qlist.sections:
        pdf.heading(HEADINGS.more)
        for section in qlist.sections:
            pdf.heading(section.title, size=15)
            for q in section.questions:
                pdf.question(q, link_base=link_base)
    _for_the_visit(pdf, qlist)
    return bytes(pdf.output())


def _summary(pdf: QuestionPDF, qlist: QuestionList) -> None:
    if qlist.ticked:
        pdf.heading(HEADINGS.ticked, size=15)
        for item in qlist.ticked:
            pdf.text_block(f"•  {item.label}", size=SMALL_PT, indent=2)
            pdf.text_block(item.term, size=SMALL_PT, indent=INDENT_MM - 2, grey=True, gap=1)
    if qlist.topics:
        pdf.heading(HEADINGS.topics, size=15)
        pdf.text_block(", ".join(t.title for t in qlist.topics), size=SMALL_PT)


def _for_the_visit(pdf: QuestionPDF, qlist: QuestionList) -> None:
    pdf.heading(HEADINGS.doctor)
    for prompt in qlist.doctor_may_ask:
        pdf.keep_with_next(3 * LINE_MM + 2 * ANSWER_GAP_MM)
        pdf.text_block(prompt, bold=True)
        pdf.answer_lines(2)
    pdf.heading(HEADINGS.bring)
    for thing in qlist.bring_with_you:
        pdf.ticked_question(thing, bold=False)
        pdf.ln(2)
    pdf.heading(HEADINGS.notes)
    pdf.answer_lines(4)
