"""Print documents: HTML parts laid out by WeasyPrint, several at once where the process may fork,
joined into one PDF with "Page X of Y" stamped on every page. See docs/adr/0009.

WeasyPrint lays out one document on one core, and layout is nearly all of a pack's cost. So a
document is made of a front part (the cover and contents) and body parts (runs of whole
sections). The body parts are laid out in child processes at the same time; once their page
counts are known, the front is laid out with real page numbers in its contents, and a
page-number layer is laid over every page of the joined PDF with pypdf.

Children are forked (not spawned) so that WeasyPrint, already imported, is shared; they are
handed HTML in memory and send back page counts, anchors and the PDF through a pipe. They touch
no database and leave with os._exit, so the parent's connections are untouched. A process that
is not single-threaded never forks (a lock held by another thread would be copied held): there,
and where forking is switched off (PACK_RENDER_PROCESSES=1), the parts are laid out one after
another in the same way and give the same pages.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import pickle
import resource
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

logger = logging.getLogger(__name__)

# The contents of the front part are laid out again while its page count changes; it settles at
# once in practice (page numbers do not change how long the contents are), this is a backstop.
FRONT_LAYOUT_ATTEMPTS = 3


def refusing_url_fetcher() -> Any:
    """WeasyPrint's URL fetcher for print: nothing may be fetched (no network, no files)."""
    from weasyprint.urls import URLFetcher, URLFetchingError

    class RefusingURLFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=())
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            self.refused.append(url)
            raise URLFetchingError(f"print fetches no resources: {url[:80]}")

    return RefusingURLFetcher()


def layout(html: str) -> Any:
    """One WeasyPrint document, laid out, with every URL refused."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=refusing_url_fetcher()).render()


def _anchors(document: Any) -> dict[str, int]:
    """Each anchor (element id) in the document, with the 0-based page it is on; the first wins."""
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            found.setdefault(name, index)
    return found


@dataclass
class PartLayout:
    pages: int
    anchors: dict[str, int]


@dataclass
class Printed:
    pdf: bytes
    pages: int
    processes: int  # how many processes laid the body out at once (1: this process alone)
    child_peak_kb: list[int] = field(default_factory=list)  # each child process's peak resident size
    child_private_kb: list[int] = field(default_factory=list)  # and its own memory, not shared with this one


class _InProcess:
    """A body part laid out here, when asked for its layout."""

    peak_kb: int | None = None  # nothing forked: nothing to report
    private_kb: int | None = None

    def __init__(self, html: str) -> None:
        self.html = html
        self._pdf = b""

    def layout(self) -> PartLayout:
        document = layout(self.html)
        self._pdf = document.write_pdf()
        return PartLayout(len(document.pages), _anchors(document))

    def pdf(self) -> bytes:
        return self._pdf

    def close(self) -> None:
        pass


class RenderProcessError(RuntimeError):
    pass


class _Forked:
    """A body part laid out in a forked child, which sends ("layout", pages, anchors), then
    ("pdf", bytes, peak kB), or ("error", description) and nothing more."""

    def __init__(self, html: str) -> None:
        read_end, write_end = os.pipe()
        # The child's collector leaves alone what it inherits (as the gc module advises for fork
        # without exec): fewer pages copied, and no parent object finalised in the child.
        gc.freeze()
        pid = os.fork()
        if pid != 0:
            gc.unfreeze()
        if pid == 0:  # the child: lay out, send, leave without running any clean-up of the parent's
            status = 1
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                with os.fdopen(write_end, "wb") as out:
                    _child_render(html, out)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid: int | None = pid
        self.stream: BinaryIO = os.fdopen(read_end, "rb")
        self.peak_kb: int | None = None
        self.private_kb: int | None = None

    def _receive(self, expected: str) -> tuple[Any, ...]:
        try:
            message = pickle.load(self.stream)  # noqa: S301 - our own child, through our own pipe
        except EOFError:
            raise RenderProcessError("a render process ended without sending its result") from None
        if message[0] == "error":
            raise RenderProcessError(f"a render process failed: {message[1]}")
        if message[0] != expected:
            raise RenderProcessError(f"a render process sent {message[0]!r}, not {expected!r}")
        return tuple(message[1:])

    def layout(self) -> PartLayout:
        pages, anchors = self._receive("layout")
        return PartLayout(pages, anchors)

    def pdf(self) -> bytes:
        pdf, self.peak_kb, self.private_kb = self._receive("pdf")
        self.close(wait=True)
        return pdf

    def close(self, *, wait: bool = False) -> None:
        """Reap the child: wait for it once it has sent everything, or else stop it (the build
        has failed, and whatever it is still doing is no longer wanted)."""
        self.stream.close()
        if self.pid is not None:
            pid, self.pid = self.pid, None
            try:
                if not wait and os.waitpid(pid, os.WNOHANG) == (0, 0):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _child_render(html: str, out: BinaryIO) -> None:
    try:
        document = layout(html)
        pickle.dump(("layout", len(document.pages), _anchors(document)), out)
        out.flush()
        pdf = document.write_pdf()
        own_kb = _private_kb()  # while the laid-out document is still held: about the child's peak
        del document
        pickle.dump(("pdf", pdf, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, own_kb), out)
    except BrokenPipeError:
        raise  # the parent has gone: nobody to tell
    except Exception as error:  # reported to the parent, which raises it
        logger.exception("print: a render process failed")
        pickle.dump(("error", type(error).__name__), out)


def _private_kb() -> int | None:
    """This process's memory that is its own (not shared with the process it was forked from)."""
    try:
        with open("/proc/self/smaps_rollup") as rollup:
            fields = dict(line.split(":", 1) for line in rollup if ":" in line)
    except OSError:
        return None
    return sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty") if name in fields)


def may_fork() -> bool:
    """Forking copies only the calling thread: only a single-threaded process may do it safely."""
    return hasattr(os, "fork") and threading.active_count() == 1


def split_evenly(sections: Sequence[str], parts: int) -> list[list[str]]:
    """Runs of consecutive sections, at most `parts` of them, of about the same length of HTML."""
    parts = max(1, min(parts, len(sections)))
    total = sum(len(section) for section in sections) or 1
    runs: list[list[str]] = [[]]
    done = 0
    for section in sections:
        # A new run starts where the section's middle would fall past this run's share.
        if runs[-1] and len(runs) < parts and done + len(section) / 2 > total * len(runs) / parts:
            runs.append([])
        runs[-1].append(section)
        done += len(section)
    return [run for run in runs if run]


def print_pdf(
    *,
    front: Callable[[Mapping[str, int] | None], str],
    body: Sequence[str],
    page_numbers: Callable[[int], str],
    processes: int,
    front_shows_page_numbers: bool = True,
) -> Printed:
    """Lay out and join: `front(None)` is the front part before page numbers are known and
    `front(numbers)` after (numbers maps each body anchor to its page, counting from 1); `body`
    is the body parts' HTML, in order; `page_numbers(total)` is a document of `total` pages
    holding only the page numbers, laid over the joined pages."""
    forking = processes > 1 and len(body) > 1 and may_fork()
    jobs: list[_InProcess | _Forked] = []
    try:
        for html in body:
            jobs.append(_Forked(html) if forking else _InProcess(html))
        # While the children work: the front's page count, with placeholders for page numbers.
        front_pages = len(layout(front(None)).pages) if front_shows_page_numbers else 0
        layouts = [job.layout() for job in jobs]
        front_document, numbers = _front_with_numbers(front, layouts, front_pages, front_shows_page_numbers)
        body_pages = sum(part.pages for part in layouts)
        total = len(front_document.pages) + body_pages
        to_body = _take_links_to(front_document, numbers)
        front_pdf = front_document.write_pdf()
        title = front_document.metadata.title
        numbers_pdf = layout(page_numbers(total)).write_pdf()
        pdfs = [front_pdf] + [job.pdf() for job in jobs]
        peaks = [job.peak_kb for job in jobs if job.peak_kb is not None]
        private = [job.private_kb for job in jobs if job.private_kb is not None]
    finally:
        for job in jobs:
            job.close()
    pdf = _join(pdfs, numbers_pdf, to_body, numbers, title)
    return Printed(
        pdf=pdf, pages=total, processes=len(jobs) if forking else 1, child_peak_kb=peaks, child_private_kb=private
    )


def _front_with_numbers(
    front: Callable[[Mapping[str, int] | None], str],
    layouts: list[PartLayout],
    front_pages: int,
    shows_numbers: bool,
) -> tuple[Any, dict[str, int]]:
    for _ in range(FRONT_LAYOUT_ATTEMPTS):
        numbers: dict[str, int] = {}
        start = front_pages
        for part in layouts:
            for name, index in part.anchors.items():
                numbers.setdefault(name, start + index + 1)
            start += part.pages
        document = layout(front(numbers))
        if not shows_numbers or len(document.pages) == front_pages:
            break
        front_pages = len(document.pages)
    else:
        logger.warning("print: the front part's page count did not settle")
    if not shows_numbers:
        # The body follows the front, whatever its length: move every number on.
        numbers = {name: number + len(document.pages) for name, number in numbers.items()}
    return document, numbers


def _take_links_to(front_document: Any, numbers: Mapping[str, int]) -> list[tuple[int, list[float], str]]:
    """The front's links to body anchors, taken out of the front (WeasyPrint cannot resolve them
    there) and returned as (page index, PDF rectangle, anchor), to be added to the joined PDF."""
    taken = []
    own = _anchors(front_document)
    for index, page in enumerate(front_document.pages):
        kept = []
        for link in page.links:
            link_type, target, (x1, y1, x2, y2), _box = link
            if link_type == "internal" and target in numbers and target not in own:
                # A link's first box is the whole link (its text and leader are boxes inside it).
                if not any(seen[0] == index and seen[2] == target for seen in taken):
                    # CSS pixels from the top left; PDF points from the bottom left.
                    height = page.height * 0.75
                    taken.append((index, [x1 * 0.75, height - y2 * 0.75, x2 * 0.75, height - y1 * 0.75], target))
            else:
                kept.append(link)
        page.links[:] = kept
    return taken


def _join(
    pdfs: list[bytes],
    numbers_pdf: bytes,
    links: list[tuple[int, list[float], str]],
    numbers: Mapping[str, int],
    title: str | None,
) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    for page, number in zip(writer.pages, PdfReader(io.BytesIO(numbers_pdf)).pages, strict=True):
        page.merge_page(number)
        page.compress_content_streams()
    for page_index, rectangle, anchor in links:
        writer.add_annotation(
            page_index, Link(rect=rectangle, target_page_index=numbers[anchor] - 1, fit=Fit.fit_horizontally())
        )
    if title:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
