#!/usr/bin/env bash
# The test command (README): every test of the workspace, the repository contract suite on
# SQLite and on MariaDB (started or installed by scripts/mariadb.sh), the end-to-end suite
# against the fake Bot API and fake Enote. Ends with a count of contract scenarios per backend.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/mariadb.sh
export TEST_MYSQL_URL="${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# With TEST_MYSQL_URL set, a MariaDB scenario fails when the server is unreachable: a pass is
# a run.
sqlite=$(grep -cE '^test sqlite::[a-z_]+ \.\.\. ok$' "$log" || true)
mariadb=$(grep -cE '^test mariadb::[a-z_]+ \.\.\. ok$' "$log" || true)
echo "== repository contract suite: ${sqlite} scenarios passed on SQLite, ${mariadb} on MariaDB"
exit "$status"
