"""Writers: package rendered XHTML into an EPUB, lay it out as a PDF, and put files in dist/."""
