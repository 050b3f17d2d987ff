"""WSGI entry point (gunicorn aitre_site.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aitre_site.settings")

application = get_wsgi_application()
