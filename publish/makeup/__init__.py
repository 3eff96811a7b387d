"""Page make-up: what a typesetter decides and checks once the text is set in pages.

The outputs are laid out by WeasyPrint (:mod:`publish.output`); this package makes the pages a
typesetter would sign off: line heights that clear Vietnamese stacked marks (:mod:`leading`), justified
lines without loose spacing and titles without a word left alone (:mod:`lines`), figures that do not
leave half-empty pages, articles that do not end on a scrap of a page (:mod:`mending`), and the
measurements that prove it on the laid-out pages (:mod:`measure`, with glyph ink from :mod:`ink`).
"""
