import os

from django.core.asgi import get_asgi_application

from cmarac.env import refuse_to_start_without_a_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmarac.settings")
refuse_to_start_without_a_secret_key()

application = get_asgi_application()
