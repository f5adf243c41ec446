"""Print documents: HTML parts laid out by WeasyPrint, several at once where the process may fork,
joined into one PDF with a stamp ("Page X of Y", and for packs the recipient) laid over every
page. See docs/adr/0009 and 0037.

WeasyPrint lays out one document on one core, and layout is nearly all of a document's cost. So
a document is made of a front part (the cover and contents) and body parts (a pack's sections,
each starting a page; runs of the minutes' items). The body parts are laid out in child
processes at the same time; once their page counts are known, the front is laid out with real
page numbers in its contents (while a child lays out the page numbers and the stamp for that
many pages), and the parts are joined with pikepdf (qpdf), the stamp laid over every page as an
artifact. A laid-out part is kept by its exact HTML (PartCache): the packs of
one meeting (print_many) lay out each distinct part once, and finish each document (its front,
stamp and join) several at once too.

Children are forked (not spawned) so that WeasyPrint, already imported, is shared; they are
handed HTML (or laid-out parts) in memory and send back page counts, anchors and PDFs through a
pipe. They touch no database and leave with os._exit, so the parent's connections are
untouched. A process that is not single-threaded never forks (a lock held by another thread
would be copied held): there, and where forking is switched off (PACK_RENDER_PROCESSES=1), the
parts are laid out one after another in the same way and give the same pages.
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
from functools import partial
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


# Tagged PDF (PDF/UA-1: structure tree, language, title shown as the window title): the parts are
# written tagged and their structure trees joined into one (ADR 0025).
PDF_VARIANT = "pdf/ua-1"
PDF_VERSION = b"%PDF-1.7"


def tagged_pdf(document: Any) -> bytes:
    return bytes(document.write_pdf(pdf_variant=PDF_VARIANT))


def warm_up(html: str) -> int:
    """Lay out and write a small document, tagged and plain, so that this process has loaded what
    a first layout loads (fonts and their faces, WeasyPrint's own styles); its page count. A pack
    worker does it as it starts (meetings/tasks.py), before its pool's processes are forked, so
    they and the render processes they fork begin warm (docs/performance.md)."""
    document = layout(html)
    tagged_pdf(document)
    document.write_pdf()
    return len(document.pages)


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
class LaidOut(PartLayout):
    """A part laid out and written: its page count, anchors and tagged PDF."""

    pdf: bytes = b""


def lay_out_part(html: str) -> LaidOut:
    document = layout(html)
    return LaidOut(len(document.pages), _anchors(document), tagged_pdf(document))


# Parts already laid out, by their exact HTML: a part is reused only for HTML equal to the HTML it
# was laid out from, so what it holds follows from equality of input (ADR 0037).
PartCache = dict[str, LaidOut]


@dataclass
class Printed:
    pdf: bytes
    pages: int
    processes: int  # how many processes laid the body out at once (1: this process alone)
    child_peak_kb: list[int] = field(default_factory=list)  # each child process's peak resident size
    parts: int = 0  # how many body parts it was joined from (laid out here or found laid out already)


class RenderProcessError(RuntimeError):
    pass


class _Forked:
    """Work done in a forked child on a list of inputs; the child sends ("results", [work(input)
    for each input], peak kB), or ("error", description), and nothing more. It sends once,
    at the end, so children never wait on the parent while it reads another child's results."""

    def __init__(self, work: Callable[[Any], Any], inputs: Sequence[Any]) -> None:
        read_end, write_end = os.pipe()
        # The child's collector leaves alone what it inherits (as the gc module advises for fork
        # without exec): fewer pages copied, and no parent object finalised in the child.
        gc.freeze()
        pid = os.fork()
        if pid != 0:
            gc.unfreeze()
        if pid == 0:  # the child: work, send, leave without running any clean-up of the parent's
            status = 1
            try:
                os.close(read_end)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                with os.fdopen(write_end, "wb") as out:
                    _child_run(work, inputs, out)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid: int | None = pid
        self.stream: BinaryIO = os.fdopen(read_end, "rb")
        self.peak_kb: int | None = None

    def results(self) -> list[Any]:
        try:
            message = pickle.load(self.stream)  # noqa: S301 - our own child, through our own pipe
        except EOFError:
            raise RenderProcessError("a render process ended without sending its result") from None
        if message[0] == "error":
            raise RenderProcessError(f"a render process failed: {message[1]}")
        if message[0] != "results":
            raise RenderProcessError(f"a render process sent {message[0]!r}, not 'results'")
        results, self.peak_kb = message[1:]
        self.close(wait=True)
        return list(results)

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


def _child_run(work: Callable[[Any], Any], inputs: Sequence[Any], out: BinaryIO) -> None:
    try:
        results = [work(value) for value in inputs]
        pickle.dump(("results", results, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), out)
    except BrokenPipeError:
        raise  # the parent has gone: nobody to tell
    except Exception as error:  # reported to the parent, which raises it
        logger.exception("print: a render process failed")
        pickle.dump(("error", type(error).__name__), out)


def may_fork() -> bool:
    """Forking copies only the calling thread: only a single-threaded process may do it safely."""
    return hasattr(os, "fork") and threading.active_count() == 1


def split_evenly(sections: Sequence[str], parts: int) -> list[list[str]]:
    """Runs of consecutive sections, at most `parts` of them, of about the same length of HTML."""
    return _runs(sections, parts, len)


def _runs(values: Sequence[Any], parts: int, size: Callable[[Any], int]) -> list[list[Any]]:
    parts = max(1, min(parts, len(values)))
    total = sum(size(value) for value in values) or 1
    runs: list[list[Any]] = [[]]
    done = 0
    for value in values:
        # A new run starts where the value's middle would fall past this run's share.
        if runs[-1] and len(runs) < parts and done + size(value) / 2 > total * len(runs) / parts:
            runs.append([])
        runs[-1].append(value)
        done += size(value)
    return [run for run in runs if run]


class _AtOnce:
    """`work` over `inputs`, in up to `processes` forked children at once (runs of about the same
    size), or here one after another where the process may not fork; results in input order."""

    def __init__(self, work: Callable[[Any], Any], inputs: Sequence[Any], processes: int,
                 size: Callable[[Any], int]) -> None:  # fmt: skip
        self.work, self.inputs = work, list(inputs)
        self.forking = processes > 1 and len(self.inputs) > 1 and may_fork()
        self.jobs: list[_Forked] = []
        if self.forking:
            for run in _runs(self.inputs, processes, size):
                self.jobs.append(_Forked(work, run))

    @property
    def processes(self) -> int:
        return len(self.jobs) if self.forking else 1

    def results(self) -> list[Any]:
        if not self.forking:
            return [self.work(value) for value in self.inputs]
        return [result for job in self.jobs for result in job.results()]

    def close(self) -> None:
        for job in self.jobs:
            job.close()

    def peaks(self) -> list[int]:
        return [job.peak_kb for job in self.jobs if job.peak_kb is not None]


def print_pdf(
    *,
    front: Callable[[Mapping[str, int] | None], str],
    body: Sequence[str],
    page_numbers: Callable[[int, range], str],
    processes: int,
    front_shows_page_numbers: bool = True,
    cache: PartCache | None = None,
    stamp: Callable[[], str] | None = None,
) -> Printed:
    """Lay out and join: `front(None)` is the front part before page numbers are known and
    `front(numbers)` after (numbers maps each body anchor to its page, counting from 1); `body`
    is the body parts' HTML, in order; `page_numbers(total, pages)` is a document of one page for
    each number in `pages` of `total` (the page numbers, and whatever else is laid over every
    page), laid over the joined pages; `stamp()`, if given, is a one-page document laid over every
    page too (what names the recipient). Body parts found in `cache` are not laid out again; those
    laid out are added to it."""
    cache = {} if cache is None else cache
    wanted = list(dict.fromkeys(html for html in body if html not in cache))
    batch = _AtOnce(lay_out_part, wanted, processes, len)
    try:
        # While the children work: the front's page count, with placeholders for page numbers.
        front_pages = len(layout(front(None)).pages) if front_shows_page_numbers else 0
        cache.update(zip(wanted, batch.results(), strict=True))
    finally:
        batch.close()
    parts = [cache[html] for html in body]
    # The layers laid over every page depend only on the page count, known now unless the front
    # grows once it shows page numbers (it does not in practice): a child lays them out while the
    # front is laid out here with its numbers.
    expected = front_pages + sum(part.pages for part in parts) if front_shows_page_numbers else None
    layers = _Layers(page_numbers, stamp() if stamp else None, expected, processes)
    try:
        front_document, numbers = _front_with_numbers(front, parts, front_pages, front_shows_page_numbers)
        pdf = _finish(front_document, numbers, parts, layers.pdfs)
    finally:
        layers.close()
    peaks = batch.peaks()
    return Printed(
        pdf=pdf,
        pages=len(front_document.pages) + sum(part.pages for part in parts),
        processes=batch.processes,
        child_peak_kb=peaks,
        parts=len(parts),
    )


def _finish(
    front_document: Any,
    numbers: dict[str, int],
    parts: Sequence[LaidOut],
    layers: Callable[[int], tuple[list[bytes], bytes | None]],
) -> bytes:
    """The front laid out with its page numbers, the body parts, and the layers for that many
    pages (`layers(total)`: the page numbers, in one or more runs of pages, and the stamp), joined."""
    total = len(front_document.pages) + sum(part.pages for part in parts)
    to_body = _take_links_to(front_document, numbers)
    front_pdf = tagged_pdf(front_document)
    title = front_document.metadata.title
    numbers_pdfs, stamp_pdf = layers(total)
    return _join([front_pdf, *(part.pdf for part in parts)], numbers_pdfs, to_body, numbers, title, stamp_pdf)


def _layer_pdfs(htmls: tuple[str, str | None]) -> tuple[bytes, bytes | None]:
    """The page numbers' document and the stamp's, laid out and written (untagged: artifacts)."""
    numbers_html, stamp_html = htmls
    return layout(numbers_html).write_pdf(), layout(stamp_html).write_pdf() if stamp_html else None


def page_runs(total: int, parts: int) -> list[range]:
    """Pages 1 to `total` in at most `parts` runs of about the same length."""
    return [range(run[0], run[-1] + 1) for run in _runs(range(1, total + 1), parts, lambda _page: 1)]


class _Layers:
    """The page numbers and the stamp of a document expected to have `expected` pages, laid out
    in forked children from the start (the page numbers in runs of pages, one child each: each
    page costs WeasyPrint as much as a page of text), while the parent finishes the front;
    `pdfs(total)` takes the children's, or lays them out here where there are no children (one
    process, not single-threaded, no expected count), a child failed, or the document came out
    with another page count."""

    def __init__(self, page_numbers: Callable[[int, range], str], stamp_html: str | None, expected: int | None,
                 processes: int) -> None:  # fmt: skip
        self.page_numbers, self.stamp_html, self.expected = page_numbers, stamp_html, expected
        self.children: list[_Forked] = []
        if expected is not None and processes > 1 and may_fork():
            for n, pages in enumerate(page_runs(expected, processes)):
                # The first run's child lays out the stamp too: one page.
                layers = (page_numbers(expected, pages), stamp_html if n == 0 else None)
                self.children.append(_Forked(_layer_pdfs, [layers]))

    def pdfs(self, total: int) -> tuple[list[bytes], bytes | None]:
        children, self.children = self.children, []
        try:
            if children and total == self.expected:
                runs = [child.results()[0] for child in children]
                return [numbers for numbers, _ in runs], runs[0][1]
        except RenderProcessError:
            logger.warning("print: laying out the page numbers in a render process failed; laid out here")
        finally:
            for child in children:
                child.close()
        numbers, stamp = _layer_pdfs((self.page_numbers(total, range(1, total + 1)), self.stamp_html))
        return [numbers], stamp

    def close(self) -> None:
        children, self.children = self.children, []
        for child in children:
            child.close()


@dataclass
class PrintJob:
    """One document of many printed at once (print_many): as print_pdf's arguments."""

    front: Callable[[Mapping[str, int] | None], str]
    body: Sequence[str]
    page_numbers: Callable[[int, range], str]
    front_shows_page_numbers: bool = True
    stamp: Callable[[], str] | None = None


@dataclass
class _Assembly:
    """What a child needs to finish one document: HTML and laid-out parts only (no database)."""

    front_html: str
    front_pages: int
    numbers: dict[str, int]
    parts: list[LaidOut]
    numbers_html: str
    stamp_html: str | None


def _assemble(assembly: _Assembly, numbers_laid_out: dict[str, bytes]) -> bytes | None:
    """A document finished in a child; None when its front came out longer than counted (it is
    then made here the long way). Documents of the same page count have the same page-number
    layer: `numbers_laid_out` keeps those this process has laid out, by their HTML."""
    document = layout(assembly.front_html)
    if len(document.pages) != assembly.front_pages:
        return None
    if assembly.numbers_html not in numbers_laid_out:
        numbers_laid_out[assembly.numbers_html] = layout(assembly.numbers_html).write_pdf()
    numbers = numbers_laid_out[assembly.numbers_html]
    stamp = layout(assembly.stamp_html).write_pdf() if assembly.stamp_html else None
    return _finish(document, assembly.numbers, assembly.parts, lambda _total: ([numbers], stamp))


def print_many(
    jobs: Sequence[PrintJob], *, processes: int, cache: PartCache | None = None
) -> list[Printed | Exception]:
    """Many documents that share body parts (the packs of one meeting): every distinct part, and
    every front before its page numbers are known, is laid out once, all at once in forked
    processes; then each document's front is laid out with its page numbers, stamped and joined,
    again several at once. Each document succeeds or fails on its own: a failure is returned in
    its place, not raised."""
    cache = {} if cache is None else cache
    fronts: list[str | None] = []
    for job in jobs:
        try:
            fronts.append(job.front(None) if job.front_shows_page_numbers else None)
        except Exception as error:  # this document fails (below), the others go on
            raise_if_given_up(error)
            fronts.append(None)
            logger.warning("print: a document's front failed: %s", type(error).__name__)
    every = [*(html for job in jobs for html in job.body), *(html for html in fronts if html is not None)]
    wanted = [html for html in dict.fromkeys(every) if html not in cache]
    batch = _AtOnce(lay_out_part, wanted, processes, len)
    try:
        cache.update(zip(wanted, batch.results(), strict=True))
    except RenderProcessError:
        logger.warning("print: laying out the shared parts failed; each document is made on its own")
    finally:
        batch.close()
    peaks = batch.peaks()
    results: list[Printed | Exception | None] = []
    assemblies: list[tuple[int, _Assembly]] = []
    for index, (job, front_none) in enumerate(zip(jobs, fronts, strict=True)):
        try:
            if front_none not in cache or any(html not in cache for html in job.body):
                results.append(None)  # made the long way below (the minutes, or a part that failed)
                continue
            parts = [cache[html] for html in job.body]
            front_pages = cache[front_none].pages
            numbers = _numbers(parts, front_pages)
            total = front_pages + sum(part.pages for part in parts)
            stamp = job.stamp() if job.stamp else None
            numbers_html = job.page_numbers(total, range(1, total + 1))
            assembly = _Assembly(job.front(numbers), front_pages, numbers, parts, numbers_html, stamp)
        except Exception as error:  # this document fails, the others go on
            raise_if_given_up(error)
            results.append(error)
            continue
        results.append(None)
        assemblies.append((index, assembly))
    # Documents of one page count side by side, so that a process finishing several lays their
    # page numbers out once (the co-chairs' full packs, for one).
    assemblies.sort(key=lambda indexed: indexed[1].front_pages + sum(part.pages for part in indexed[1].parts))
    finish = _AtOnce(partial(_assemble, numbers_laid_out={}), [assembly for _, assembly in assemblies], processes,
                     lambda a: len(a.parts) + 1)  # fmt: skip
    try:
        finished = finish.results()
    except RenderProcessError:
        finished = [None] * len(assemblies)  # each is made again here, and fails or not on its own
    finally:
        finish.close()
    for (index, assembly), pdf in zip(assemblies, finished, strict=True):
        if pdf is not None:
            pages = assembly.front_pages + sum(part.pages for part in assembly.parts)
            results[index] = Printed(pdf=pdf, pages=pages, processes=batch.processes, child_peak_kb=peaks,
                                     parts=len(assembly.parts))  # fmt: skip
    for index, job in enumerate(jobs):
        if results[index] is None:
            try:
                results[index] = print_pdf(front=job.front, body=job.body, page_numbers=job.page_numbers,
                                           processes=processes, front_shows_page_numbers=job.front_shows_page_numbers,
                                           cache=cache, stamp=job.stamp)  # fmt: skip
            except Exception as error:  # this document fails, the others go on
                raise_if_given_up(error)
                results[index] = error
    return [result if result is not None else RenderProcessError("not made") for result in results]


def raise_if_given_up(error: Exception) -> None:
    """A build given up (the task's soft time limit) stops every document, not only this one."""
    try:
        from billiard.exceptions import SoftTimeLimitExceeded
    except ImportError:  # pragma: no cover - Celery is installed wherever packs are made
        return
    if isinstance(error, SoftTimeLimitExceeded):
        raise error


def _numbers(parts: Sequence[PartLayout], front_pages: int) -> dict[str, int]:
    """Each body anchor's page, counting from 1, the body following a front of `front_pages`."""
    numbers: dict[str, int] = {}
    start = front_pages
    for part in parts:
        for name, index in part.anchors.items():
            numbers.setdefault(name, start + index + 1)
        start += part.pages
    return numbers


def _front_with_numbers(
    front: Callable[[Mapping[str, int] | None], str],
    layouts: Sequence[PartLayout],
    front_pages: int,
    shows_numbers: bool,
) -> tuple[Any, dict[str, int]]:
    for _ in range(FRONT_LAYOUT_ATTEMPTS):
        numbers = _numbers(layouts, front_pages)
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
                # A link's first box is the whole link (its text and page number are boxes inside it).
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
    numbers_pdfs: list[bytes],
    links: list[tuple[int, list[float], str]],
    numbers: Mapping[str, int],
    title: str | None,
    stamp_pdf: bytes | None = None,
) -> bytes:
    """One PDF of the parts, in order, with the page numbers' pages (one document or several, one
    after another) and the stamp's one page laid over each page (marked as an artifact: not part
    of the text a screen reader reads), the contents' links, the parts' outlines, and one
    structure tree made of the parts' trees (each part's Document becomes a Part), so the result
    stays tagged. pikepdf (qpdf) does the copying (ADR 0037)."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, Pdf

    out = Pdf.new()
    sources = [Pdf.open(io.BytesIO(pdf)) for pdf in pdfs]
    starts = []
    for source in sources:
        starts.append(len(out.pages))
        out.pages.extend(source.pages)
    layers = [Pdf.open(io.BytesIO(pdf)) for pdf in numbers_pdfs]  # held open while copied from
    stamp_source = Pdf.open(io.BytesIO(stamp_pdf)) if stamp_pdf else None  # held open while copied from
    stamp = out.copy_foreign(stamp_source.pages[0].as_form_xobject()) if stamp_source else None
    numbered = [layer_page for layer in layers for layer_page in layer.pages]
    for page, layer_page in zip(out.pages, numbered, strict=True):
        _lay_over_as_artifact(out, page, [out.copy_foreign(layer_page.as_form_xobject()), *([stamp] if stamp else [])])
    structure = _StructureJoin(out, sources, starts)
    for page_index, rectangle, anchor in links:
        page = out.pages[page_index].obj
        annotation = out.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array(rectangle), Border=Array([0, 0, 0]),
            Dest=Array([out.pages[numbers[anchor] - 1].obj, Name.FitH, None]),
        ))  # fmt: skip
        if "/Annots" not in page:
            page.Annots = Array()
        page.Annots.append(annotation)
        structure.tag_link(page, annotation)
    structure.finish()
    _join_outlines(out, sources, starts)
    if title:
        out.docinfo[Name.Title] = title
    buffer = io.BytesIO()
    out.save(buffer, min_version=PDF_VERSION.decode()[5:], object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def _lay_over_as_artifact(out: Any, page: Any, forms: list[Any]) -> None:
    """Draw form XObjects over a page's content, wrapped in an /Artifact marked-content sequence
    (page furniture); the page's own content is wrapped in q/Q so its graphics state ends there."""
    from pikepdf import Name

    names = [page.add_resource(form, Name.XObject, prefix="Stamp") for form in forms]
    drawn = b"".join(b"q " + str(name).encode() + b" Do Q\n" for name in names)
    page.contents_add(out.make_stream(b"q\n"), prepend=True)
    page.contents_add(out.make_stream(b"Q\n/Artifact BMC\n" + drawn + b"EMC\n"), prepend=False)


def _join_outlines(out: Any, sources: list[Any], starts: list[int]) -> None:
    """Each part's outline (bookmarks from its headings), in order, pointing at the joined pages."""
    from pikepdf import OutlineItem

    def copy(item: Any, pages: dict[tuple[int, int], int], start: int) -> Any:
        destination = item.destination
        target, location = None, {}
        if destination is not None and len(destination) >= 2 and destination[0].objgen in pages:
            target = start + pages[destination[0].objgen]
            if destination[1] == "/XYZ" and len(destination) >= 5:
                location = {
                    "page_location": "XYZ",
                    "left": destination[2],
                    "top": destination[3],
                    "zoom": destination[4],
                }
        copied = OutlineItem(item.title, target, **location)
        copied.is_closed = item.is_closed
        copied.children.extend(copy(child, pages, start) for child in item.children)
        return copied

    with out.open_outline() as outline:
        for source, start in zip(sources, starts, strict=True):
            pages = {page.obj.objgen: index for index, page in enumerate(source.pages)}
            with source.open_outline() as part:
                outline.root.extend(copy(item, pages, start) for item in part.root)


def _copied(out: Any, value: Any) -> Any:
    """A value of another PDF copied into `out` (indirect objects through qpdf's copier, which maps
    each to one copy: a page already copied is that page)."""
    from pikepdf import Array, Dictionary

    if getattr(value, "is_indirect", False):
        return out.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_copied(out, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({key: _copied(out, item) for key, item in value.items()})
    return value


class _StructureJoin:
    """The parts' structure trees as one: each part's Document element becomes a Part under one
    Document; the keys pages and annotations use to find their structure (StructParents,
    StructParent, the ParentTree) are renumbered so no two parts share one."""

    def __init__(self, out: Any, sources: list[Any], starts: list[int]) -> None:
        from pikepdf import Array, Dictionary, Name

        self.out = out
        self.nums: list[tuple[int, Any]] = []
        self.document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([self.document])))
        self.document.P = self.root
        self.front_catalog = sources[0].Root if sources else None
        self.untargeted_links: list[Any] = []  # the front's Link elements, whose annotations were taken out
        self.tagged = True
        next_key = 0
        for number, (source, start) in enumerate(zip(sources, starts, strict=True)):
            tree = source.Root.get("/StructTreeRoot")
            if tree is None:
                self.tagged = False
                continue
            next_key = self._add_part(source, tree, start, next_key, front=number == 0)
        self.next_key = next_key

    def _add_part(self, source: Any, tree: Any, start: int, next_key: int, *, front: bool) -> int:
        from pikepdf import Array, Name

        out = self.out
        kids = tree.K
        for kid in kids if isinstance(kids, Array) else [kids]:
            if "/P" in kid:
                del kid.P  # not the part's root: it is not copied, and the element joins ours
            element = out.copy_foreign(kid)  # pages already copied: /Pg points at the joined pages
            if element.get("/S") == Name.Document:
                element.S = Name.Part
            element.P = self.document
            self.document.K.append(element)
            if front:
                self.untargeted_links = [link for link in _outer_links(element) if not _has_objr(link)]
        entries = list(_number_tree(tree.ParentTree))
        for key, value in entries:
            self.nums.append((next_key + key, _copied(out, value)))
        for index, source_page in enumerate(source.pages):
            page = out.pages[start + index].obj
            if "/StructParents" in source_page.obj:
                page.StructParents = next_key + int(source_page.obj.StructParents)
            for annotation in page.get("/Annots", None) or []:
                if "/StructParent" in annotation:
                    annotation.StructParent = next_key + int(annotation.StructParent)
        return next_key + (max((key for key, _ in entries), default=-1) + 1)

    def tag_link(self, page: Any, annotation: Any) -> None:
        """A contents link added to the joined PDF: its annotation joins the front's Link element for
        that entry (in order), or, failing that, a Link element of its own."""
        from pikepdf import Array, Dictionary, Name

        reference = Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page)
        if self.untargeted_links:
            element = self.untargeted_links.pop(0)
            kids = element.get("/K")
            kids = Array(list(kids) if isinstance(kids, Array) else ([kids] if kids is not None else []))
            kids.append(reference)
            element.K = kids
        else:
            element = self.out.make_indirect(
                Dictionary(Type=Name.StructElem, S=Name.Link, Pg=page, P=self.document, K=Array([reference]))
            )
            self.document.K.append(element)
        annotation.StructParent = self.next_key
        self.nums.append((self.next_key, element))
        self.next_key += 1

    def finish(self) -> None:
        from pikepdf import Array, Dictionary, Name

        if not self.tagged:
            return  # a part was untagged: claim nothing
        nums = Array()
        for key, value in sorted(self.nums, key=lambda entry: entry[0]):
            nums.append(key)
            nums.append(value)
        self.root.ParentTree = self.out.make_indirect(Dictionary(Nums=nums))
        self.root.ParentTreeNextKey = self.next_key
        catalog = self.out.Root
        catalog.StructTreeRoot = self.root
        catalog.MarkInfo = Dictionary(Marked=True)
        catalog.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        # The front's language and XMP metadata (its title, and that it is PDF/UA) are the document's.
        for key in ("/Lang", "/Metadata"):
            if self.front_catalog is not None and key in self.front_catalog:
                catalog[Name(key)] = _copied(self.out, self.front_catalog[Name(key)])


def _number_tree(node: Any) -> Any:
    """(key, value) of a PDF number tree, leaves and kids alike."""
    nums = node.get("/Nums")
    if nums is not None:
        for index in range(0, len(nums), 2):
            yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", None) or []:
        yield from _number_tree(kid)


def _outer_links(element: Any) -> Any:
    """The Link elements under a structure element, in document order, leaving out those inside
    another Link (a link's generated page number, and any leader, are Links of their own inside it)."""
    from pikepdf import Array, Dictionary, Name

    if element.get("/S") == Name.Link:
        yield element
        return
    kids = element.get("/K")
    for kid in kids if isinstance(kids, Array) else [kids]:
        if isinstance(kid, Dictionary) and "/S" in kid:  # not a marked-content id (text)
            yield from _outer_links(kid)


def _has_objr(element: Any) -> bool:
    from pikepdf import Array, Dictionary, Name

    kids = element.get("/K")
    kids = kids if isinstance(kids, Array) else [kids]
    return any(isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR for kid in kids)
