import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ancha.settings")
application = get_wsgi_application()

# Said loudly at server start (runserver and gunicorn load this module), not at every command:
# without HarfBuzz subsetting or the CJK fonts every notice PDF is slow or wrong.
from inspection.notices.fonts import check_font_setup  # noqa: E402

check_font_setup()
