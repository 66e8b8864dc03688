from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The write domain of this app's models (their `domain`): the code a 股室人员 account is granted (stored in
# User.domains) and the key of the app's write rights. Declared with its label in plugin.py; kept here, where the
# models can import it without importing the plugin (which imports the app's tables, views and models).
DOMAIN = "aid"


class AidConfig(AppConfig):
    name = "emis.aid"
    label = "aid"
    verbose_name = _("学生资助")

    def ready(self):
        from django.db.models.signals import post_migrate

        # Django's flush (a transactional test's teardown) empties every table, the programmes the migration
        # seeded included, then sends post_migrate: the reference rows come back there.
        post_migrate.connect(_reference_after_migrate, sender=self)


def _reference_after_migrate(sender, using="default", **kwargs):
    from .seed import ensure_reference

    ensure_reference(using=using)
