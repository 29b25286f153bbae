# Sourced by the helper commands: makes sure .venv exists and holds this checkout installed
# (editable) with the extras the command needs. Re-installs only when pyproject.toml changes.
# Usage: source scripts/_bootstrap.sh EXTRAS   (e.g. "mock" or "mock,dev")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
_extras="${1:-mock}"
if [ ! -x "$PY" ]; then
    echo "setting up $VENV ..." >&2
    "${PYTHON:-python3}" -m venv "$VENV"
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | { grep -v "is ignored: it is neither" || true; } >&2
fi
_want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
_stamp="$VENV/.installed-${_extras//,/-}"
if [ ! -f "$_stamp" ] || [ "$(cat "$_stamp")" != "$_want" ]; then
    echo "installing openrouter-stt[$_extras] into $VENV ..." >&2
    # grep drops the noise of index locations some machines configure but do not have.
    "$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$_extras]" 2>&1 | { grep -v "is ignored: it is neither" || true; } >&2
    echo "$_want" > "$_stamp"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
