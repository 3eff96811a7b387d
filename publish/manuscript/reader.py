"""Read every chapter of ``manuscript/`` into model chapters, normalizing text and checking images."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from publish import model, rules
from publish.config import BookConfig
from publish.diagnostics import Diagnostic, Location
from publish.errors import ResourceError
from publish.manuscript import frontmatter, references
from publish.manuscript.markdown import ChapterConverter
from publish.project import Project
from publish.text import legacy
from publish.text.normalize import TextSettings, ToneUse, normalize
from publish.text.slug import slugify

IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "GIF": ("image/gif", ".gif"),
               "WEBP": ("image/webp", ".webp")}


def chapter_files(project: Project) -> list[Path]:
    """The chapters in ``manuscript/``, in file-name order; a ResourceError for one that is a link outside."""
    folder = project.manuscript_dir
    if not folder.is_dir():
        return []
    return sorted(project.inside(p) for p in project.inside(folder).iterdir()
                  if p.suffix.lower() == ".md" and p.is_file())


class ImageStore:
    """Measures each image once per build and keeps the results in manuscript order."""

    def __init__(self, project: Project, found: list[Diagnostic]) -> None:
        self.project = project
        self.found = found
        self.by_path: dict[Path, model.Image] = {}

    def load(self, reference: str, base: Path, where: Location) -> model.Image | None:
        try:
            path = self.project.resolve(reference, base, where)
        except ResourceError as exc:
            self.found.extend(exc.diagnostics)
            return None
        if path in self.by_path:
            return self.by_path[path]
        data = path.read_bytes()
        try:
            with PILImage.open(path) as probe:
                kind, size = probe.format, probe.size
            with PILImage.open(path) as check:
                check.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            self.found.append(rules.RESOURCE_BAD_IMAGE(f"'{reference}' is not a readable image: {exc}", where))
            return None
        if kind not in IMAGE_TYPES:
            self.found.append(rules.RESOURCE_BAD_IMAGE(
                f"'{reference}' is a {kind} image; use JPEG, PNG, GIF or WebP", where,
            ))
            return None
        media_type, extension = IMAGE_TYPES[kind]
        digest = hashlib.sha256(data).hexdigest()
        image = model.Image(
            path=self.project.relative(path),
            media_type=media_type,
            width=size[0],
            height=size[1],
            digest=digest,
            package_name=f"{slugify(path.stem, 40)}-{digest[:8]}{extension}",
        )
        self.by_path[path] = image
        return image


def read_source(path: Path, relative: str) -> tuple[str | None, list[Diagnostic]]:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        lines = legacy.read_as_windows_1252(raw).split("\n")
        detection = next(filter(None, map(legacy.detect, lines)), None)
        hint = None
        if detection is not None:
            hint = (f"The file looks like Vietnamese typed in {detection.encoding.description}: "
                    "run 'publish fix' to convert it to Unicode (UTF-8).")
        return None, [rules.MANUSCRIPT_ENCODING(
            f"byte 0x{raw[exc.start]:02X} is not valid UTF-8", Location(relative, line, column), hint=hint,
        )]


def read_chapter(
    path: Path, index: int, project: Project, config: BookConfig, images: ImageStore, tones: list[ToneUse],
    ids: references.BookIds | None = None,
) -> tuple[model.Chapter | None, list[Diagnostic]]:
    """One article, its cross-references not resolved yet; ``ids`` are those the articles before it gave."""
    relative = project.relative(path)
    source, found = read_source(path, relative)
    if source is None:
        return None, found
    normalized = normalize(source, relative, TextSettings(config.language, config.tone_marks))
    source, found = normalized.text, normalized.diagnostics
    tones += normalized.tones
    parts, problems = frontmatter.split(source, relative)
    if parts is None:
        return None, found + problems
    meta, problems = frontmatter.read(parts, relative, config.language)
    found += problems
    if meta is None:
        return None, found
    chapter_id = f"ch{index:02d}"

    def load_image(reference: str, where: Location) -> model.Image | None:
        return images.load(reference, path, where)

    converter = ChapterConverter(chapter_id, relative, parts.body_first_line, load_image, config.language,
                                 source.split("\n"), ids)
    lead = converter.lead(meta.lead, meta.lead_location) if meta.lead else ()
    blocks, footnotes = converter.convert(parts.body)
    found += converter.found
    chapter = model.Chapter(
        id=chapter_id,
        source=relative,
        title=meta.title,
        date=meta.date,
        place=meta.place,
        byline=meta.byline,
        lead=lead,
        blocks=blocks,
        footnotes=footnotes,
        location=Location(relative, 1),
    )
    return chapter, found


def read_chapters(
    project: Project, config: BookConfig, tones: list[ToneUse]
) -> tuple[tuple[model.Chapter, ...], tuple[model.Image, ...], list[Diagnostic]]:
    """All chapters in file-name order, their links to one another resolved, the images they use, and
    every finding along the way.

    The syllables whose tone placement shows a style are added to ``tones``.
    """
    found: list[Diagnostic] = []
    images = ImageStore(project, found)
    ids = references.BookIds()
    chapters: list[model.Chapter] = []
    unread: list[str] = []
    files = chapter_files(project)
    if not files:
        found.append(rules.CONFIG_NO_CHAPTERS(
            f"no *.md file in {project.relative(project.manuscript_dir)}/", Location("manuscript/"),
        ))
    for index, path in enumerate(files, start=1):
        chapter, problems = read_chapter(path, index, project, config, images, tones, ids)
        found.extend(problems)
        if chapter is not None:
            chapters.append(chapter)
        else:
            unread.append(project.relative(path))
    resolved, problems = references.resolve(chapters, unread)
    return resolved, tuple(images.by_path.values()), found + problems
