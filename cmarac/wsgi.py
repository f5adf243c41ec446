import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from cmarac.env import refuse_to_start_without_a_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmarac.settings")
refuse_to_start_without_a_secret_key()

application = get_wsgi_application()

# What is loaded now (settings, apps, models, the URLconf and every view it imports) lives as long
# as the process. Frozen, the garbage collector never scans it again: a full collection over it
# held a request up for a quarter of a second (docs/performance.md).
get_resolver().url_patterns  # noqa: B018 (loads the views, so they are frozen too)
gc.collect()
gc.freeze()
