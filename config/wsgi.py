import os

from django.core.wsgi import get_wsgi_application

# Production unless the developer's settings are asked for: a forgotten variable must not mean DEBUG on
# and a published key (DJANGO_SETTINGS_MODULE=config.settings.local for development).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
