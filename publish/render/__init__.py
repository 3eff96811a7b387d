"""Rendering the document model to XHTML: once, shared by the EPUB and the PDF writers."""
