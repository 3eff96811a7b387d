"""Benchmark publish against Pandoc on the same inputs: the sample article and generated books.

    make bench            # installs pypandoc-binary into .venv, runs everything, prints the table
    python benchmarks/run.py --sizes 1,4 --write    # a quicker run that also rewrites README.md

Books of about 20, 100 and 500 pages are made from copies of the sample article (its text, its photo
and its metadata). Pandoc gets the same Markdown (front matter turned into headings), the same
stylesheets' fonts (`--epub-embed-font` and `@font-face` for `--pdf-engine=weasyprint`) and makes an
EPUB and a PDF; publish makes the same two files (`--outputs epub,print`) cold, then once more with
nothing changed, and all three outputs cold. Every command runs in its own process, three times (the
median time is shown); its wall time and peak memory (maximum resident set of it and its children) are
measured by a small wrapper.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ARTICLE = next((REPO / "manuscript").glob("*.md"))
WRAPPER = textwrap.dedent("""
    import json, resource, subprocess, sys, time
    started = time.perf_counter()
    done = subprocess.run(sys.argv[1:], capture_output=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_kb": peak, "code": done.returncode,
                      "error": done.stderr.decode(errors="replace")[-2000:]}))
""")


@dataclass
class Run:
    seconds: float
    peak_mb: float
    size_kb: float


def measure(command: list[str], outputs: list[Path], cwd: Path, env: dict[str, str], runs: int) -> Run:
    """The median wall time of ``runs`` runs (this machine's timings vary by several percent from one
    run to the next), and the largest peak memory."""
    seconds, peaks = [], []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", WRAPPER, *command], cwd=cwd, env=env, capture_output=True,
                              text=True, check=True)
        result = json.loads(done.stdout)
        if result["code"] != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{result['error']}")
        seconds.append(result["seconds"])
        peaks.append(result["peak_kb"])
    size = sum(path.stat().st_size for path in outputs) / 1024
    return Run(statistics.median(seconds), max(peaks) / 1024, size)


def make_book(folder: Path, copies: int) -> Path:
    """A publish project of ``copies`` articles, each the sample with its photo."""
    (folder / "manuscript" / "images").mkdir(parents=True)
    shutil.copy(REPO / "manuscript" / "images" / "trao-giai-placeholder.jpg", folder / "manuscript" / "images")
    config = (REPO / "publish.yaml").read_text(encoding="utf-8")
    if copies > 1:
        config = re.sub(r"^title: .*$", f"title: Tuyển tập {copies} bài báo Lạng Sơn", config, flags=re.M)
        config = re.sub(r"^slug: .*\n", "", config, flags=re.M)
    (folder / "publish.yaml").write_text(config, encoding="utf-8")
    article = ARTICLE.read_text(encoding="utf-8")
    for number in range(1, copies + 1):
        (folder / "manuscript" / f"{number:03d}-bai.md").write_text(article, encoding="utf-8")
    return folder


def pandoc_inputs(book: Path) -> tuple[Path, Path, Path]:
    """One Markdown file (each article's front matter as its heading and lead), and stylesheets that load
    the same font files publish embeds."""
    parts = []
    for chapter in sorted((book / "manuscript").glob("*.md")):
        text = chapter.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        title = re.search(r"^title: (.*)$", front, re.M)
        lead = re.search(r"^lead: ['\"]?(.*?)['\"]?$", front, re.M)
        parts.append(f"# {title.group(1).strip(chr(34)) if title else chapter.stem}\n\n"
                     f"{('**' + lead.group(1) + '**') if lead else ''}\n\n{body}")
    markdown = book / "pandoc.md"
    markdown.write_text("\n\n".join(parts), encoding="utf-8")
    fonts = "".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{REPO / "fonts" / name}"); }}\n'
        for family, weight, style, name in (
            ("Noto Serif", 400, "normal", "NotoSerif-Regular.ttf"), ("Noto Serif", 700, "normal", "NotoSerif-Bold.ttf"),
            ("Noto Serif", 400, "italic", "NotoSerif-Italic.ttf"),
            ("Noto Serif", 700, "italic", "NotoSerif-BoldItalic.ttf"),
            ("Be Vietnam Pro", 700, "normal", "BeVietnamPro-Bold.ttf")))
    body = 'body { font-family: "Noto Serif"; } h1, h2 { font-family: "Be Vietnam Pro"; }\n'
    page = "@page { size: 145mm 205mm; margin: 18mm 16mm 22mm 20mm; }\n"
    epub_css, pdf_css = book / "pandoc-epub.css", book / "pandoc-pdf.css"
    epub_css.write_text(body, encoding="utf-8")
    pdf_css.write_text(fonts + page + body, encoding="utf-8")
    return markdown, epub_css, pdf_css


def pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def bench(copies: int, pandoc: str, work: Path, runs: int) -> dict[str, object]:
    book = make_book(work / f"book-{copies}", copies)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "SOURCE_DATE_EPOCH": "1685577600"}
    publish = str(BIN / "publish")
    dist = book / "dist"
    two = measure([publish, "build", "--force", "--outputs", "epub,print", "."], [], book, env, runs)
    made = sorted(dist.iterdir())
    two.size_kb = sum(p.stat().st_size for p in made) / 1024
    epub_kb = sum(p.stat().st_size for p in made if p.suffix == ".epub") / 1024
    press = next(p for p in made if p.name.endswith(".print.pdf"))
    unchanged = measure([publish, "build", "--outputs", "epub,print", "."], made, book, env, runs)
    three = measure([publish, "build", "--force", "."], [], book, env, runs)
    three.size_kb = sum(p.stat().st_size for p in dist.iterdir()) / 1024
    press_pages = pages(press)
    markdown, epub_css, pdf_css = pandoc_inputs(book)
    fonts = [f"--epub-embed-font={path}" for path in sorted((REPO / "fonts").glob("*.ttf"))]
    p_epub = measure([pandoc, str(markdown), "-o", "pandoc.epub", "--metadata", "title=Benchmark", f"--css={epub_css}",
                      "--resource-path", str(book / "manuscript"), *fonts], [book / "pandoc.epub"], book, env, runs)
    p_pdf = measure([pandoc, str(markdown), "-o", "pandoc.pdf", "--metadata", "title=Benchmark",
                     "--pdf-engine=weasyprint", f"--css={pdf_css}", "--resource-path", str(book / "manuscript")],
                    [book / "pandoc.pdf"], book, env, runs)
    return {"articles": copies, "pages": press_pages, "pandoc_pages": pages(book / "pandoc.pdf"),
            "publish": two, "unchanged": unchanged, "publish3": three, "epub_kb": epub_kb,
            "pandoc_epub": p_epub, "pandoc_pdf": p_pdf}


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| book | publish EPUB + press PDF | unchanged rebuild | publish all 3 outputs | Pandoc EPUB | "
        "Pandoc PDF (WeasyPrint) | publish ÷ Pandoc time | EPUB size publish / Pandoc |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        two, unchanged, three = row["publish"], row["unchanged"], row["publish3"]
        p_epub, p_pdf = row["pandoc_epub"], row["pandoc_pdf"]
        assert isinstance(two, Run) and isinstance(unchanged, Run) and isinstance(three, Run)
        assert isinstance(p_epub, Run) and isinstance(p_pdf, Run)
        ratio = two.seconds / (p_epub.seconds + p_pdf.seconds)
        label = "sample article" if row["articles"] == 1 else f"{row['articles']} articles"
        lines.append(
            f"| {label}, {row['pages']} pages (Pandoc: {row['pandoc_pages']}) "
            f"| {two.seconds:.2f} s, {two.peak_mb:.0f} MB | {unchanged.seconds:.2f} s "
            f"| {three.seconds:.2f} s, {three.peak_mb:.0f} MB "
            f"| {p_epub.seconds:.2f} s, {p_epub.peak_mb:.0f} MB | {p_pdf.seconds:.2f} s, {p_pdf.peak_mb:.0f} MB "
            f"| {ratio:.2f}× | {row['epub_kb']:.0f} / {p_epub.size_kb:.0f} KiB |")
    return "\n".join(lines)


def machine(pandoc: str) -> str:
    import weasyprint

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else "?"
    version = subprocess.run([pandoc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; Python "
            f"{platform.python_version()}, WeasyPrint {weasyprint.__version__}, {version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,4,20,100", help="articles per book (1 is the sample)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command; the median time is shown")
    parser.add_argument("--write", action="store_true", help="rewrite the results in benchmarks/README.md")
    args = parser.parse_args()
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    rows = []
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as folder:
        for copies in (int(n) for n in args.sizes.split(",")):
            rows.append(bench(copies, pandoc, Path(folder), args.runs))
            print(table(rows).splitlines()[-1], flush=True)
    result = f"Measured on: {machine(pandoc)}; median of {args.runs} runs.\n\n{table(rows)}\n"
    print("\n" + result)
    if args.write:
        readme = REPO / "benchmarks" / "README.md"
        text = readme.read_text(encoding="utf-8")
        start, end = "<!-- results -->", "<!-- /results -->"
        text = text[: text.index(start) + len(start)] + "\n" + result + text[text.index(end):]
        readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
