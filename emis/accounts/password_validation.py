"""Password rules with Chinese messages where Django's zh_Hans catalogue has none (its minimum-length message
changed wording in Django 5 and is still untranslated)."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return _("密码太短：至少需要 {count} 个字符。").format(count=self.min_length)

    def get_help_text(self):
        return _("密码至少 {count} 个字符。").format(count=self.min_length)
