#!/usr/bin/env bash
# THE one command: install everything the tests need (also on a brand-new machine)
# and run the whole pytest suite from the repo root. Extra arguments go to pytest:
#   bash tools/test.sh                  # everything
#   bash tools/test.sh -m "not e2e"     # fast tests only
#   bash tools/test.sh tests/e2e -q     # browser tests only
#   TEST_WORKERS=0 bash tools/test.sh   # no parallel workers
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Browser tests use Debian's Chromium (Playwright cannot download its own browsers here).
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
    echo "test.sh: $CHROMIUM missing, installing Debian chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q chromium
fi

python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# One pytest worker per core, at most 4 (pytest-xdist; a worker that reaches a browser test
# runs its own Streamlit server and Chromium). "worksteal" gives each worker one half of the
# list (tests/conftest.py orders it: the browser tests first, so they run one at a time on
# the first worker while the other works through the fast tests) and lets an idle worker
# take queued tests from a busy one. Browser tests side by side on two cores (load 8-12)
# were slower and less steady than this.
# TEST_WORKERS=0 runs everything in this one process.
WORKERS="${TEST_WORKERS:-$(python3 -c 'import os; print(min(4, max(1, len(os.sched_getaffinity(0)))))')}"

set +e
python3 -m pytest -n "$WORKERS" --dist worksteal "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "test.sh: pytest collected no tests (exit 5) - treating as failure" >&2
    exit 1
fi
exit "$rc"
