import os

from django.core.wsgi import get_wsgi_application

from cmarac.env import refuse_to_start_without_a_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmarac.settings")
refuse_to_start_without_a_secret_key()

application = get_wsgi_application()
