#!/usr/bin/env bash
# The model-based oracle (tests/system/test_oracle.py), deep profile: 300 examples of up to 40
# steps on disk and 150 in memory, with fresh random sequences on each run (the suite's
# ci profile is a bounded, derandomized minute). A failure prints the minimal failing
# sequence of calls and a @reproduce_failure blob.
set -euo pipefail
cd "$(dirname "$0")/.."
VSMOCK_ORACLE_PROFILE=deep exec python -m pytest -q -p no:cacheprovider tests/system/test_oracle.py "$@"
