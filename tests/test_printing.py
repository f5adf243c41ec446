"""Print documents laid out in parts, at once in forked processes or one after another here."""

from __future__ import annotations

import io
import os
import re
import threading
import time
from collections.abc import Mapping

import pytest
from pypdf import PdfReader

from meetings import printing
from meetings.printing import RenderProcessError, print_pdf, split_evenly

SHELL = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title><style>
@page {{ size: A4; margin: 20mm; @top-right {{ content: "MARKED"; }} }}
.toc a::after {{ content: leader(".") attr(data-page); }}
section {{ break-before: page; }}
</style></head><body>{body}</body></html>"""
CHAPTERS = [f"chapter-{n}" for n in range(1, 7)]


def front(numbers: Mapping[str, int] | None) -> str:
    entries = "".join(
        f'<li><a href="#{name}" data-page="{(numbers or {}).get(name, "")}">Chapter {name[8:]} heading</a></li>'
        for name in CHAPTERS
    )
    return SHELL.format(title="Test document", body=f'<h1>Front</h1><ol class="toc">{entries}</ol>')


def chapter(name: str, paragraphs: int) -> str:
    text = "A line of text that is long enough to wrap at least once across the page. " * 6
    return f'<section id="{name}"><h2>Chapter {name[8:]} opens</h2>' + f"<p>{text}</p>" * paragraphs + "</section>"


def body(parts: int) -> list[str]:
    sections = [chapter(name, 8 + 9 * (n % 3)) for n, name in enumerate(CHAPTERS)]
    return [SHELL.format(title="part", body="".join(run)) for run in split_evenly(sections, parts)]


def numbers_layer(total: int, numbers: range) -> str:
    pages = "".join(f'<p style="break-after: page">Page {n} of {total}</p>' for n in numbers)
    return SHELL.format(title="numbers", body=pages).replace("@top-right", "@top-left")


def make(parts: int, processes: int) -> printing.Printed:
    return print_pdf(front=front, body=body(parts), page_numbers=numbers_layer, processes=processes)


def texts(printed: printing.Printed) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(printed.pdf)).pages]


@pytest.fixture
def single_threaded() -> None:
    assert threading.active_count() == 1, f"this process has other threads: {threading.enumerate()}"


def no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_split_evenly_keeps_order_and_balances_the_runs() -> None:
    sections = ["a" * 10, "b" * 10, "c" * 10, "d" * 30, "e" * 10]
    runs = split_evenly(sections, 2)
    assert [s for run in runs for s in run] == sections
    assert runs == [sections[:3], sections[3:]]
    assert split_evenly(sections[:1], 4) == [sections[:1]]
    assert split_evenly(sections, 1) == [sections]
    assert 1 < len(split_evenly(sections, 9)) <= len(sections)


def test_forked_parts_give_the_same_pages_as_parts_laid_out_here(single_threaded) -> None:
    forked, here = make(parts=3, processes=3), make(parts=3, processes=1)
    assert (forked.processes, here.processes) == (3, 1)
    assert len(forked.child_peak_kb) == 3
    assert all(kb > 0 for kb in forked.child_peak_kb)
    assert texts(forked) == texts(here)
    assert no_children_left()


def test_every_page_is_numbered_and_the_contents_point_at_the_right_pages(single_threaded) -> None:
    printed = make(parts=2, processes=2)
    pages = texts(printed)
    assert printed.pages == len(pages) > len(CHAPTERS)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "MARKED" in text  # each part's own marking survives the join
    listed = dict(re.findall(r"Chapter (\d) heading[ .]*?(\d+)", pages[0]))
    assert sorted(listed) == [str(n) for n in range(1, 7)]
    for chapter_number, page_number in listed.items():
        assert f"Chapter {chapter_number} opens" in pages[int(page_number) - 1]
    # The contents' links go to those pages too.
    reader = PdfReader(io.BytesIO(printed.pdf))
    targets = [reader.get_page_number(link["/Dest"][0].get_object()) + 1 for link in
               (a.get_object() for a in reader.pages[0]["/Annots"])]  # fmt: skip
    assert targets == [int(listed[str(n)]) for n in range(1, 7)]
    assert reader.metadata.title == "Test document"


def test_a_failing_render_process_fails_the_document_and_leaves_no_process(single_threaded, monkeypatch) -> None:
    real_layout = printing.layout

    def failing(html: str) -> object:
        if "Chapter 6 opens" in html:
            raise ValueError("layout failed")
        return real_layout(html)

    monkeypatch.setattr(printing, "layout", failing)  # forked children inherit the patch
    with pytest.raises(RenderProcessError, match="ValueError"):
        make(parts=2, processes=2)
    assert no_children_left()


def test_a_render_process_that_dies_fails_the_document(single_threaded, monkeypatch) -> None:
    real_layout = printing.layout

    def dying(html: str) -> object:
        if "Chapter 1 opens" in html:
            os._exit(9)  # as if killed
        return real_layout(html)

    monkeypatch.setattr(printing, "layout", dying)
    with pytest.raises(RenderProcessError, match="ended without sending"):
        make(parts=2, processes=2)
    assert no_children_left()


def test_a_process_with_other_threads_lays_out_here(single_threaded) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not printing.may_fork()
        printed = make(parts=2, processes=2)
    finally:
        stop.set()
        other.join()
    assert printed.processes == 1
    assert printing.may_fork()


def test_a_build_given_up_stops_its_render_processes(single_threaded, monkeypatch, tmp_path) -> None:
    """As when the task's soft time limit fires in the worker while the children lay out."""
    from celery.exceptions import SoftTimeLimitExceeded

    parent, real_layout = os.getpid(), printing.layout

    def slow_children(html: str) -> object:
        if os.getpid() != parent:
            (tmp_path / str(os.getpid())).touch()
            time.sleep(600)  # never finishes: only being stopped ends it
        if "<h1>Front</h1>" in html:
            deadline = time.monotonic() + 60
            while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # both children are laying out
            raise SoftTimeLimitExceeded()
        return real_layout(html)

    monkeypatch.setattr(printing, "layout", slow_children)
    with pytest.raises(SoftTimeLimitExceeded):
        make(parts=2, processes=2)
    children = [int(path.name) for path in tmp_path.iterdir()]
    assert len(children) == 2
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # stopped and reaped
    assert no_children_left()


def test_the_page_numbers_and_stamp_are_laid_out_in_children_while_the_front_is_finished(
    single_threaded, monkeypatch
) -> None:
    forks, real_forked = [], printing._Forked

    def counted(work: object, inputs: list[object]) -> printing._Forked:
        forks.append(work)
        return real_forked(work, inputs)  # type: ignore[arg-type]

    monkeypatch.setattr(printing, "_Forked", counted)
    stamp = SHELL.format(title="stamp", body="<p>For: A Reader</p>")
    forked = print_pdf(front=front, body=body(2), page_numbers=numbers_layer, processes=2, stamp=lambda: stamp)
    # One child for each run of pages, the first laying out the stamp too.
    assert forks.count(printing._layer_pdfs) == 2
    here = print_pdf(front=front, body=body(2), page_numbers=numbers_layer, processes=1, stamp=lambda: stamp)
    pages = texts(forked)
    assert pages == texts(here)
    assert all("For: A Reader" in text for text in pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    assert no_children_left()


@pytest.mark.parametrize(("total", "parts"), [(1, 2), (2, 2), (7, 2), (110, 2), (110, 3), (5, 1)])
def test_page_runs_cover_every_page_once_in_order(total: int, parts: int) -> None:
    runs = printing.page_runs(total, parts)
    assert [page for run in runs for page in run] == list(range(1, total + 1))
    assert len(runs) == min(total, parts)
    assert max(len(run) for run in runs) - min(len(run) for run in runs) <= 1


def test_a_front_that_grows_once_numbered_still_gets_the_right_page_count(single_threaded) -> None:
    """The child's layers were laid out for the page count expected before the front had its
    numbers; a front that came out a page longer gets layers for the count it has."""

    def growing(numbers: Mapping[str, int] | None) -> str:
        filler = "" if numbers is None else "<p style='break-before: page'>Notes</p>"
        return front(numbers).replace("</ol>", "</ol>" + filler)

    printed = print_pdf(front=growing, body=body(2), page_numbers=numbers_layer, processes=2)
    pages = texts(printed)
    assert "Notes" in pages[1]
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    assert no_children_left()
