"""Model to XHTML with Jinja2 templates (autoescaped, strict): markup lives in ``publish/templates``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from publish import model
from publish.makeup.setting import PLAIN, Setting
from publish.render.labels import identifier_line, labels_for, publisher_line
from publish.resources import TEMPLATES_DIR
from publish.text.dates import dateline_date, long_date

MediaUrl = Callable[[model.Image], str]
# Where an article (fragment "") or an element of it is, in one output: (the article, the element's id).
ChapterHref = Callable[[model.Chapter, str], str]


def in_one_document(chapter: model.Chapter, fragment: str) -> str:
    """Where an article or an element of it is when the whole book is one document (a PDF)."""
    return f"#{fragment or chapter.id}"


@dataclass(frozen=True)
class TocEntry:
    title: str
    href: str
    children: tuple[TocEntry, ...] = ()


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The templates (compiled once per process: every renderer shares them)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class Renderer:
    """Renders the pieces of one book; outputs differ only in how they address media files."""

    def __init__(self, book: model.Book, identifier: str, font_families: tuple[str, ...]) -> None:
        self.book = book
        self.identifier = identifier
        self.font_families = font_families
        self.language = book.config.language
        self.labels = labels_for(self.language)
        self.env = environment()

    def _render(self, template: str, **context: Any) -> Markup:
        return Markup(self.env.get_template(template).render(labels=self.labels, **context))

    def article(self, chapter: model.Chapter, media_url: MediaUrl, setting: Setting = PLAIN,
                href: ChapterHref = in_one_document) -> Markup:
        """One article; ``setting`` is the output's typesetting (line heights, tracking: see
        :mod:`publish.makeup.setting`), ``href`` where the output puts the places links lead to."""
        dateline = dateline_date(chapter.date, self.language) if chapter.date else ""
        chapters = {each.id: each for each in self.book.chapters}

        def reference_href(reference: model.Reference) -> str:
            fragment = "" if reference.target == reference.chapter else reference.target
            return href(chapters[reference.chapter], fragment)

        return self._render(
            "article.j2", chapter=chapter, dateline=dateline or chapter.place, media_url=media_url, setting=setting,
            reference_href=reference_href,
        )

    def titlepage(self) -> Markup:
        config = self.book.config
        return self._render(
            "titlepage.j2",
            config=config,
            publisher_line=publisher_line(config.publisher, self.language) if config.publisher else "",
            identifier_line=identifier_line(config.identifier, self.language),
            long_date=long_date(config.date, self.language) if config.date else "",
            font_families=self.font_families,
        )

    def epub_document(self, title: str, content: Markup, body_class: str, body_type: str = "") -> str:
        return self.env.get_template("epub_document.xhtml.j2").render(
            lang=self.language, title=title, content=content, body_class=body_class, body_type=body_type,
        )

    def epub_cover(self, src: str) -> Markup:
        alt = self.labels["cover_alt"].format(title=self.book.config.title)
        return self._render("epub_cover.j2", src=src, alt=alt)

    def epub_nav(self, toc: list[TocEntry], landmarks: list[dict[str, str]],
                 pages: list[dict[str, str]] | None = None) -> Markup:
        return self._render("epub_nav.j2", toc=toc, landmarks=landmarks, pages=pages or [])

    def pdf_book(self, articles: list[Markup], toc: list[TocEntry], version: str, folios: dict[str, str] | None = None,
                 front: bool = True, side: str = "", blank: str = "") -> str:
        """The book, or a part of it laid out as a document of its own, for WeasyPrint.

        ``front`` puts the title page first; ``folios`` gives the TOC's page numbers as text (by href)
        when the articles are laid out in other documents; ``side`` ("left", "right") is the side of the
        document's first page; ``blank`` ends it with an empty article that opens a page on that side.
        """
        return self.env.get_template("pdf_book.html.j2").render(
            lang=self.language,
            labels=self.labels,
            config=self.book.config,
            modified=self.book.modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
            titlepage=self.titlepage(),
            toc=toc,
            articles=articles,
            version=version,
            folios=folios or {},
            front=front,
            side=side,
            blank=blank,
        )


def toc_entries(book: model.Book, href: Callable[[model.Chapter, str], str]) -> list[TocEntry]:
    """Articles with their section headings; ``href(chapter, fragment)`` addresses them per output."""
    return [
        TocEntry(
            chapter.title,
            href(chapter, ""),
            tuple(TocEntry(model.plain_text(h.children), href(chapter, h.id))
                  for h in chapter.headings() if h.level == 2),
        )
        for chapter in book.chapters
    ]
