"""Reading a manuscript: Markdown chapters with YAML front matter, into the document model."""

from publish.manuscript.reader import read_chapters

__all__ = ["read_chapters"]
