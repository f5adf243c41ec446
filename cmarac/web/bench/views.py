"""The benchmark's yardstick: the least a signed-in page can cost here (every middleware, one
indexed query for 25 rows, a trivial template). Pages are measured as multiples of it, so the
figures hold on a busy or slow machine alike. Served only in benchmark mode (settings.BENCH)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template import Context, Template

from cmarac.cases.models import Case

REFERENCE = Template(
    "<!DOCTYPE html><html lang=en><title>Reference</title><ul>{% for r in rows %}<li>{{ r }}</li>{% endfor %}</ul>"
)


def bench_reference(request: HttpRequest) -> HttpResponse:
    if not settings.BENCH:
        raise Http404("Not found")
    rows = list(Case.objects.order_by("-opened_on", "-id").values_list("reference", flat=True)[:25])
    return HttpResponse(REFERENCE.render(Context({"rows": rows})))
