#!/usr/bin/env bash
# The test command (README): every test of the workspace, the repository contract suite on
# SQLite and on MariaDB (started or installed by scripts/mariadb.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/mariadb.sh
export TEST_MYSQL_URL="${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"

cargo test --workspace --all-features "$@"
