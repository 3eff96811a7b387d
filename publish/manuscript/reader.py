"""Read every chapter of ``manuscript/`` into model chapters, normalizing text and checking images."""

from __future__ import annotations

import hashlib
from pathlib import Path

from publish import images, model, rules
from publish.config import BookConfig
from publish.diagnostics import Diagnostic, Location
from publish.errors import ResourceError
from publish.manuscript import frontmatter, references
from publish.manuscript.markdown import ChapterConverter
from publish.project import Project
from publish.text import legacy, limits
from publish.text.normalize import TextSettings, ToneUse, normalize
from publish.text.slug import slugify


def chapter_files(project: Project) -> list[Path]:
    """The chapters in ``manuscript/``, in file-name order; a ResourceError for one that is a link outside."""
    folder = project.manuscript_dir
    if not folder.is_dir():
        return []
    return sorted(project.inside(p) for p in project.inside(folder).iterdir()
                  if p.suffix.lower() == ".md" and p.is_file())


class ImageStore:
    """Checks and measures each image once per build (:func:`publish.images.measure`) and keeps the results
    in manuscript order; a refused image is reported wherever it is named."""

    def __init__(self, project: Project, found: list[Diagnostic]) -> None:
        self.project = project
        self.found = found
        self.by_path: dict[Path, model.Image] = {}
        self.refused: dict[Path, images.Refused] = {}

    def load(self, reference: str, base: Path, where: Location) -> model.Image | None:
        try:
            path = self.project.resolve(reference, base, where)
        except ResourceError as exc:
            self.found.extend(exc.diagnostics)
            return None
        except (ValueError, OSError) as exc:  # a NUL (%00) or a name too long for the system
            self.found.append(rules.RESOURCE_MISSING(
                f"'{reference}' cannot name a file: {exc}", where,
                hint="Write the image's path with ordinary characters (letters, digits, '-', '_', '/')."))
            return None
        if path in self.by_path:
            return self.by_path[path]
        if path not in self.refused:
            try:
                self.by_path[path] = self._measured(path)
                return self.by_path[path]
            except images.Refused as exc:
                self.refused[path] = exc
        refused = self.refused[path]
        self.found.append(refused.rule(f"'{reference}' {refused.message}", where, hint=refused.hint))
        return None

    def _measured(self, path: Path) -> model.Image:
        try:
            with path.open("rb") as handle:
                data = handle.read(images.FILE_LIMIT + 1)
        except OSError as exc:
            raise images.Refused(rules.RESOURCE_BAD_IMAGE, f"cannot be read: {exc.strerror}",
                                 "Check the file's permissions.") from exc
        measured = images.measure(data)
        digest = hashlib.sha256(data).hexdigest()
        return model.Image(
            path=self.project.relative(path),
            media_type=measured.media_type,
            width=measured.width,
            height=measured.height,
            digest=digest,
            package_name=f"{slugify(path.stem, 40)}-{digest[:8]}{measured.extension}",
        )


def read_source(path: Path, relative: str) -> tuple[str | None, list[Diagnostic]]:
    """A chapter's text, or None and why not: too large (no more than the limit is read) or not UTF-8."""
    raw, found = limits.read_bounded(path, relative)
    if raw is None:
        return None, found
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
