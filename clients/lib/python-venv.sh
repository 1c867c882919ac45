# Shared by clients/python/run.sh and tests/schemathesis/run.sh: a virtualenv outside the repository
# holding exactly the pinned requirements of one suite, reused while those pins do not change.
# Source it from a bash script running with `set -euo pipefail`, then:
#
#   grantd_venv NAME REQUIREMENTS_FILE   # sets GRANTD_VENV (the venv folder) and GRANTD_PYTHON
#
# Location: $GRANTD_VENV_DIR, default ${XDG_CACHE_HOME:-~/.cache}/grantd/venvs, one folder per
# suite, Python version and requirements digest. Installs with the machine's pip configuration
# (find-links and index as configured there).

grantd_venv() { # NAME REQUIREMENTS_FILE
  local name="$1" requirements="$2" python="${PYTHON:-python3}" key base
  [[ -f "$requirements" ]] || { echo "error: $requirements not found" >&2; exit 2; }
  key="$({ "$python" -c 'import sys; print(sys.version)'; cat "$requirements"; } | sha256sum | cut -c1-16)"
  base="${GRANTD_VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grantd/venvs}"
  GRANTD_VENV="$base/$name-$key"
  GRANTD_PYTHON="$GRANTD_VENV/bin/python"
  if [[ -f "$GRANTD_VENV/.grantd-complete" ]]; then
    return 0
  fi
  echo "setting up $GRANTD_VENV from $requirements" >&2
  rm -rf "$GRANTD_VENV"
  mkdir -p "$base"
  "$python" -m venv "$GRANTD_VENV"
  "$GRANTD_PYTHON" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  "$GRANTD_PYTHON" -m pip check
  touch "$GRANTD_VENV/.grantd-complete"
}
