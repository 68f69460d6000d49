#!/usr/bin/env bash
# Installs the autograder's environment. Gradescope runs this once when it builds
# the image (internet available); `make` runs the same steps on any machine.
#
#   AUTOGRADER_VENV   where the virtual environment goes (default: /autograder/venv on
#                     Gradescope, else .venv beside this script)
#   TORCH_INDEX_URL   a pip index for torch; on Gradescope it defaults to PyTorch's CPU
#                     index so that no multi-GB CUDA build is downloaded.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

on_gradescope=false
if [ -d /autograder/source ] && [ "$(id -u)" = 0 ]; then on_gradescope=true; fi

if $on_gradescope; then
    venv=${AUTOGRADER_VENV:-/autograder/venv}
    torch_index=${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}
    # Gradescope's Ubuntu image has Python 3.10 without venv; keep the system python3 as it is.
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
        apt-get update -q && apt-get install -y -q python3-venv
    fi
else
    venv=${AUTOGRADER_VENV:-$here/.venv}
    torch_index=${TORCH_INDEX_URL:-}
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10) and "Python 3.10 or newer is required")'
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
if [ -n "$torch_index" ]; then
    "${pip[@]}" --index-url "$torch_index" "$(grep -E '^torch==' "$here/requirements.txt")"
fi
"${pip[@]}" -r "$here/requirements.txt"
"${pip[@]}" --no-deps -e "$here"
# Bytecode for the framework and the tests, written once here (on Gradescope: into the image), so that no
# grade compiles them again (0.2 s a grade; a fresh container or PYTHONDONTWRITEBYTECODE writes none).
compiled=("$here/autograder")
for tests in "$here"/tests "$here"/assignments/*/tests; do [ -d "$tests" ] && compiled+=("$tests"); done
"$venv/bin/python" -m compileall -q "${compiled[@]}" >/dev/null
echo "autograder environment ready in $venv"
