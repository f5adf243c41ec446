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


# Tagged PDF (PDF/UA-1: structure tree, language, title shown as the window title): the parts are
# written tagged and their structure trees joined into one (ADR 0025).
PDF_VARIANT = "pdf/ua-1"
PDF_VERSION = b"%PDF-1.7"


def tagged_pdf(document: Any) -> bytes:
    return bytes(document.write_pdf(pdf_variant=PDF_VARIANT))


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
        self._pdf = tagged_pdf(document)
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
        pdf = tagged_pdf(document)
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
        front_pdf = tagged_pdf(front_document)
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
    """One PDF of the parts, in order, with the page numbers laid over each page (marked as an
    artifact: not part of the text a screen reader reads), the contents' links, and one structure
    tree made of the parts' trees (each part's Document becomes a Part), so the result stays
    tagged."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(pdf)) for pdf in pdfs]
    for reader in readers:
        writer.append(reader)
    for page, number in zip(writer.pages, PdfWriter(clone_from=io.BytesIO(numbers_pdf)).pages, strict=True):
        _mark_as_artifact(number)
        page.merge_page(number)
        page.compress_content_streams()
    structure = _StructureJoin(writer, readers)
    for page_index, rectangle, anchor in links:
        annotation = writer.add_annotation(
            page_index, Link(rect=rectangle, target_page_index=numbers[anchor] - 1, fit=Fit.fit_horizontally())
        )
        structure.tag_link(page_index, annotation)
    structure.finish()
    if title:
        writer.add_metadata({"/Title": title})
    writer.pdf_header = PDF_VERSION
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _mark_as_artifact(page: Any) -> None:
    """Wrap a page's content in an /Artifact marked-content sequence (page furniture)."""
    from pypdf.generic import ContentStream

    contents = page.get_contents()
    if contents is None:
        return
    wrapped = ContentStream(None, None)
    wrapped.set_data(b"/Artifact BMC\n" + contents.get_data() + b"\nEMC\n")
    page.replace_contents(wrapped)


class _StructureJoin:
    """The parts' structure trees as one: each part's Document element becomes a Part under one
    Document; the keys pages and annotations use to find their structure (StructParents,
    StructParent, the ParentTree) are renumbered so no two parts share one."""

    def __init__(self, writer: Any, readers: list[Any]) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject

        self.writer = writer
        self.nums: list[tuple[int, Any]] = []
        self.document = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"),
                                          NameObject("/S"): NameObject("/Document"),
                                          NameObject("/K"): ArrayObject()})  # fmt: skip
        self.document_ref = writer._add_object(self.document)
        self.root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot"),
                                      NameObject("/K"): ArrayObject([self.document_ref])})  # fmt: skip
        self.root_ref = writer._add_object(self.root)
        self.document[NameObject("/P")] = self.root_ref
        self.front_catalog = readers[0].trailer["/Root"] if readers else {}
        self.untargeted_links: list[Any] = []  # the front's Link elements, whose annotations were taken out
        self.tagged = True
        first_page, next_key = 0, 0
        for number, reader in enumerate(readers):
            pages = writer.pages[first_page : first_page + len(reader.pages)]
            first_page += len(reader.pages)
            tree = reader.trailer["/Root"].get("/StructTreeRoot")
            if tree is None:
                self.tagged = False
                continue
            next_key = self._add_part(reader, tree.get_object(), pages, next_key, front=number == 0)
        self.next_key = next_key

    def _add_part(self, reader: Any, tree: Any, pages: list[Any], next_key: int, *, front: bool) -> int:
        from pypdf.generic import NameObject, NumberObject

        writer = self.writer
        kids = tree["/K"]
        kids = kids if isinstance(kids, list) else [kids]
        for kid in kids:
            source = kid.get_object()
            if "/P" in source:
                del source["/P"]  # not the part's root: it is not cloned, and the element joins ours
            element = kid.clone(writer)  # pages already cloned by append(): /Pg points at the joined pages
            element_object = element.get_object()
            if element_object.get("/S") == "/Document":
                element_object[NameObject("/S")] = NameObject("/Part")
            element_object[NameObject("/P")] = self.document_ref
            self.document["/K"].append(element)
            if front:
                self.untargeted_links = [link for link in _outer_links(element_object) if not _has_objr(link)]
        parent_tree = tree["/ParentTree"].get_object()
        entries = list(_number_tree(parent_tree))
        for key, value in entries:
            self.nums.append((next_key + key, value.clone(writer) if hasattr(value, "clone") else value))
        for page, source_page in zip(pages, reader.pages, strict=True):
            if "/StructParents" in source_page:  # append() leaves it out of the joined page
                page[NameObject("/StructParents")] = NumberObject(next_key + int(source_page["/StructParents"]))
            for annotation in page.get("/Annots", None) or []:
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(next_key + int(annotation["/StructParent"]))
        return next_key + (max((key for key, _ in entries), default=-1) + 1)

    def tag_link(self, page_index: int, annotation: Any) -> None:
        """A contents link added to the joined PDF: its annotation joins the front's Link element for
        that entry (in order), or, failing that, a Link element of its own."""
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

        writer = self.writer
        annotation_ref = annotation.indirect_reference
        page_ref = writer.pages[page_index].indirect_reference
        reference = DictionaryObject({NameObject("/Type"): NameObject("/OBJR"), NameObject("/Obj"): annotation_ref,
                                      NameObject("/Pg"): page_ref})  # fmt: skip
        if self.untargeted_links:
            element = self.untargeted_links.pop(0)
            kids = element.get("/K")
            kids = ArrayObject(kids if isinstance(kids, list) else ([kids] if kids is not None else []))
            kids.append(reference)
            element[NameObject("/K")] = kids
            element_ref = element.indirect_reference
        else:
            element = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"),
                                        NameObject("/S"): NameObject("/Link"), NameObject("/Pg"): page_ref,
                                        NameObject("/P"): self.document_ref,
                                        NameObject("/K"): ArrayObject([reference])})  # fmt: skip
            element_ref = writer._add_object(element)
            self.document["/K"].append(element_ref)
        annotation[NameObject("/StructParent")] = NumberObject(self.next_key)
        self.nums.append((self.next_key, element_ref))
        self.next_key += 1

    def finish(self) -> None:
        from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, NameObject, NumberObject

        if not self.tagged:
            return  # a part was untagged: claim nothing
        nums = ArrayObject()
        for key, value in sorted(self.nums, key=lambda entry: entry[0]):
            nums.extend([NumberObject(key), value])
        parent_tree = DictionaryObject({NameObject("/Nums"): nums})
        self.root[NameObject("/ParentTree")] = self.writer._add_object(parent_tree)
        self.root[NameObject("/ParentTreeNextKey")] = NumberObject(self.next_key)
        catalog = self.writer._root_object
        catalog[NameObject("/StructTreeRoot")] = self.root_ref
        catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
        catalog[NameObject("/ViewerPreferences")] = DictionaryObject(
            {NameObject("/DisplayDocTitle"): BooleanObject(True)}
        )
        # The front's language and XMP metadata (its title, and that it is PDF/UA) are the document's.
        for key in ("/Lang", "/Metadata"):
            if key in self.front_catalog:
                catalog[NameObject(key)] = self.front_catalog.raw_get(key).clone(self.writer)


def _number_tree(node: Any) -> Any:
    """(key, value) of a PDF number tree, leaves and kids alike."""
    node = node.get_object()
    nums = node.get("/Nums")
    if nums is not None:
        for index in range(0, len(nums), 2):
            yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", None) or []:
        yield from _number_tree(kid)


def _outer_links(element: Any) -> Any:
    """The Link elements under a structure element, in document order, leaving out those inside
    another Link (a link's leader and page number are Links of their own inside it)."""
    if element.get("/S") == "/Link":
        yield element
        return
    kids = element.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is None or not hasattr(kid, "get_object"):
            continue  # a marked-content id: text, not an element
        child = kid.get_object()
        if hasattr(child, "get") and "/S" in child:
            yield from _outer_links(child)


def _has_objr(element: Any) -> bool:
    kids = element.get("/K")
    kids = kids if isinstance(kids, list) else [kids]
    return any(hasattr(kid, "get_object") and getattr(kid.get_object(), "get", lambda _k: None)("/Type") == "/OBJR"
               for kid in kids)  # fmt: skip
