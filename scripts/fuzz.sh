#!/usr/bin/env bash
# A deeper Schemathesis run than the suite's: tests/system/test_fuzz.py with the "deep" profile
# (200 examples per operation, 1,000 stateful scenarios of up to 40 steps), over the
# stateful server in-process (compared with Connexion's own stack), `vsmock serve`, and
# `vsmock serve --stateless --strict-requests`. Each leg prints its operations, test cases
# and failures. Extra arguments go to pytest (e.g. -k contract).
#
#   scripts/fuzz.sh                      # deep profile, every leg
#   VSMOCK_FUZZ_PROFILE=ci scripts/fuzz.sh   # the suite's bounded profile
#   PYTHON=/path/to/python scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export VSMOCK_FUZZ_PROFILE="${VSMOCK_FUZZ_PROFILE:-deep}"
exec "${PYTHON:-python3}" -m pytest -p no:cacheprovider -q -s tests/system/test_fuzz.py "$@"
