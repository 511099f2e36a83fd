"""Link previews and embeds for forums: which of our pages can be embedded, and how.

A forum that sees a link to this site asks `/oembed` for a small widget to show in its
place, or reads the page's OpenGraph tags for a preview card. Both need the same facts:
is the link ours, which page is it, what question does it hold, and how big may the frame
be. This module answers those from the URL alone, with no web framework, so the rules can
be tested as plain functions.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from ssexplain.errors import SsexplainError
from ssexplain.reply.validation import tidy_history

SITE_NAME = "Superficial siderosis explained"
FRAME_TITLE = "Superficial siderosis explained: ask a question"
DEFAULT_WIDTH = 480
DEFAULT_HEIGHT = 600
MAX_URL_CHARS = 4096
DEFAULT_PORTS = {"http": 80, "https": 443}
HISTORY_FIELD = "h"  # the chat page's name for an earlier question

# Page copy for previews: what each page is for, with no medical claim.
HOME_DESCRIPTION = (
    "Ask a question about superficial siderosis in plain words. The answers come only from "
    "three medical papers, and each one shows its quote."
)
TOPICS_DESCRIPTION = (
    "Everything this explainer can tell you about superficial siderosis, by topic. Each part "
    "shows the words of the medical paper it comes from."
)
CHECKLIST_DESCRIPTION = "Tick the symptoms you have noticed, and get a list of questions to take to your doctor."
CHECKLIST_TITLE = "Symptom checklist: questions for your doctor"


class OEmbedError(SsexplainError):
    """An oEmbed request we cannot answer; `status` is the HTTP status the spec asks for."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SitePage:
    """One of our pages that can be previewed and embedded."""

    kind: str  # "home", "ask", "topics", "topic", "checklist" or "embed"
    question: str = ""
    history: tuple[str, ...] = ()
    topic: str = ""


def _host_and_port(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            return None
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a broken address: "http://[::1", "http://host:port"
        return None
    return parts.hostname.lower(), port


def same_site(url: str, site: str) -> bool:
    """True when `url` points at this site (`site` is our own root URL).

    The scheme may differ from ours: behind a proxy that ends TLS the app may see itself as
    http while its links say https. A default port counts as that scheme's port.
    """
    ours, theirs = _host_and_port(site), _host_and_port(url)
    if ours is None or theirs is None:
        return False
    if ours[0] != theirs[0]:
        return False
    return ours[1] == theirs[1] or {ours[1], theirs[1]} == set(DEFAULT_PORTS.values())


def _one(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return " ".join(values[0].split())


def page_at(path: str, query_string: str = "", fragment: str = "") -> SitePage | None:
    """Which embeddable page a path and query show, or None for any other path."""
    query = parse_qs(query_string, keep_blank_values=True)
    path = "/" + path.strip("/")
    if path in ("/", "/ask", "/embed"):
        question = _one(query, "q")
        if question:
            earlier = tuple(tidy_history(query.get(HISTORY_FIELD, [])))  # as the chat page reads them
            return SitePage(kind="ask" if path != "/embed" else "embed", question=question, history=earlier)
        return SitePage(kind="home" if path != "/embed" else "embed")
    if path == "/topics":
        # A topic is a section of /topics (/topics#hearing); only a link can name one.
        topic = fragment.strip()
        return SitePage(kind="topic", topic=topic) if topic else SitePage(kind="topics")
    if path == "/checklist":
        return SitePage(kind="checklist")
    return None


def page_for_url(url: str, *, site: str) -> SitePage:
    """The page a link shows, if the link is ours and embeddable; else OEmbedError 404."""
    if len(url) > MAX_URL_CHARS or not same_site(url, site):
        raise OEmbedError(404, "not_found", "That link is not a page of this site.")
    parts = urlsplit(url)
    page = page_at(parts.path, parts.query, parts.fragment)
    if page is None:
        raise OEmbedError(404, "not_found", "There is no embed for that page. Link to a question, a topic or the checklist.")
    return page


def _dimension(value: str | None, name: str, default: int) -> int:
    digits = (value or "").strip()
    if not digits:
        return default
    if not re.fullmatch(r"[0-9]+", digits) or not digits.strip("0"):
        raise OEmbedError(400, "bad_request", f"{name} must be a whole number of pixels, 1 or more.")
    # A huge maximum is no limit at all; thousands of digits are never parsed.
    return default if len(digits.lstrip("0")) > 6 else min(int(digits), default)


def frame_size(maxwidth: str | None, maxheight: str | None) -> tuple[int, int]:
    """Our usual frame size, made smaller when the consumer asks for a maximum.

    The oEmbed spec says the reply must fit inside maxwidth x maxheight, so a small maximum
    wins even below the 320 px the widget is designed for: its layout still reflows.
    """
    return _dimension(maxwidth, "maxwidth", DEFAULT_WIDTH), _dimension(maxheight, "maxheight", DEFAULT_HEIGHT)


def check_format(value: str | None) -> None:
    """Only JSON is offered; the spec asks for 501 for any other format."""
    if value not in (None, "", "json"):
        raise OEmbedError(501, "not_implemented", "Only format=json is available.")


def embed_path(page: SitePage, *, question: str = "") -> str:
    """The /embed address (path and query) that shows this page's question, if it has one."""
    asked = page.question or question
    if not asked:
        return "/embed"
    pairs = [(HISTORY_FIELD, h) for h in page.history] + [("q", asked)]
    return "/embed?" + urlencode(pairs)


def iframe_html(src: str, *, title: str, width: int, height: int) -> str:
    """The iframe a forum pastes in place of the link: titled, lazy, no inline style."""
    return (
        f'<iframe src="{html.escape(src)}" title="{html.escape(title)}" width="{width}" height="{height}" '
        'loading="lazy" frameborder="0"></iframe>'
    )


def oembed_reply(*, src: str, title: str, site: str, width: int, height: int) -> dict:
    """The oEmbed 1.0 'rich' reply, as the JSON body."""
    return {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": SITE_NAME,
        "provider_url": site,
        "html": iframe_html(src, title=FRAME_TITLE, width=width, height=height),
        "width": width,
        "height": height,
        "cache_age": 3600,
    }


def shorten(text: str, *, limit: int = 120) -> str:
    """Text cut at a word to fit a preview's title line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def first_sentence(text: str, *, limit: int = 200) -> str:
    """The first sentence of a text, cut at a word if it is very long (for a preview)."""
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", text)
    return shorten(match.group(1) if match else text, limit=limit)


def reply_summary(reply: dict) -> str:
    """The first plain sentence of an answer (a reply shaped like the API's JSON).

    For an answered question that is the first cited passage's plain explanation, not the
    fixed lead-in sentence, so a preview card says something useful.
    """
    citations = reply.get("citations") or []
    if reply.get("status") == "answered" and citations:
        return first_sentence(citations[0].get("plain", ""))
    return first_sentence(reply.get("answer", ""))


def oembed_discovery_href(site: str, url: str) -> str:
    """The oEmbed endpoint address a page advertises for itself."""
    return site.rstrip("/") + "/oembed?" + urlencode({"url": url, "format": "json"})



@dataclass(frozen=True)
class OpenGraph:
    """What a link preview shows: the values of the og: tags and the oEmbed discovery link."""

    title: str
    description: str
    url: str
    oembed: str


def canonical_path(page: SitePage, *, path: str) -> str:
    """The address that shares this page: for a question, only the question and its history."""
    if page.kind in ("ask", "embed") and page.question:
        pairs = [(HISTORY_FIELD, h) for h in page.history] + [("q", page.question)]
        return "/ask?" + urlencode(pairs)
    if page.kind == "topic":
        return "/topics#" + page.topic
    if page.kind == "home":
        return "/"
    return "/" + path.strip("/")


def opengraph(page: SitePage, *, site: str, path: str, title: str, description: str) -> OpenGraph:
    url = site.rstrip("/") + canonical_path(page, path=path)
    return OpenGraph(title=title, description=description, url=url, oembed=oembed_discovery_href(site, url))
