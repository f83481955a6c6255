"""Parsing the card (HTML) and the badge (SVG) as a browser and an XML parser would, strictly."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "img", "hr", "input", "source", "wbr", "col", "area", "base", "embed", "track"}
SVG = "{http://www.w3.org/2000/svg}"


class StrictHTML(HTMLParser):
    """Checks that every element is closed in order, and gathers the text, the tags and the attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.doctype = False
        self.by_id: dict[str, str] = {}
        self._capture: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        opened = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("style", "script"):
            return
        self.text.append(data)


def parse_card(html: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(html)
    parser.close()
    assert parser.doctype, "no <!DOCTYPE html>"
    assert not parser.stack, f"unclosed: {parser.stack}"
    assert parser.tags[0] == "html"
    assert "script" not in parser.tags, "the card must work without script"
    for name, value in parser.attrs:
        assert not name.startswith("on"), f"event handler attribute {name}"
        assert not (value or "").strip().lower().startswith("javascript:")
    for needed in ("head", "title", "body", "article", "h1"):
        assert needed in parser.tags, f"no <{needed}>"
    return parser


def card_text(parser: StrictHTML) -> str:
    return " ".join(" ".join(parser.text).split())


def parse_badge(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own answer
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG}title") is not None
    assert not any(el.tag == f"{SVG}script" for el in root.iter())
    return root


def badge_texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]
