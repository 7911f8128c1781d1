#!/usr/bin/env bash
# Regenerates every fixtures/django-<X.Y>.json and fixtures/sessions-<X.Y>.json with the
# matching real Django from PyPI (one virtualenv per release line, see venvs.sh).
#   django/regenerate.sh            # every supported line
#   django/regenerate.sh 4.2 6.1    # some lines
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/venvs.sh" "$@" | while read -r line py; do
  "$py" -W ignore "$here/generate/generate.py"
  "$py" -W ignore "$here/generate/generate_sessions.py"
  "$py" -W ignore "$here/generate/generate_reset.py"
  "$py" -W ignore "$here/generate/generate_pickled_sessions.py"
done
