#!/usr/bin/env bash
# Refresh the English catalogue: extract msgids (makemessages), then compile the committed .mo.
# Needs GNU gettext (xgettext, msgmerge, msgfmt, msgattrib): apt-get install gettext.
# Afterwards translate every new or fuzzy entry in locale/en/LC_MESSAGES/django.po and run this again;
# tests/test_i18n.py fails while any msgid is untranslated or fuzzy, or the .mo is stale.
# See docs/adr/0004-committed-compiled-translations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"  # manage.py defaults to production
PO=locale/en/LC_MESSAGES/django.po

"$PYTHON" manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete "$@"
"$PYTHON" manage.py compilemessages -l en --ignore=.venv --ignore=node_modules --ignore=var

untranslated=$(msgattrib --untranslated --no-obsolete "$PO" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$PO" | grep -c '^msgid ' || true)
# msgattrib prints the header entry (msgid "") along with any match.
untranslated=$(( untranslated > 0 ? untranslated - 1 : 0 ))
fuzzy=$(( fuzzy > 0 ? fuzzy - 1 : 0 ))
echo "$PO: $untranslated untranslated, $fuzzy fuzzy"
if (( untranslated + fuzzy > 0 )); then
  echo "Translate them:  msgattrib --untranslated $PO ; msgattrib --only-fuzzy $PO" >&2
  exit 1
fi
