#!/usr/bin/env bash
# The run command (README): builds and starts the bot with the embedded SQLite database.
# Needs BOT_TOKEN and SUPPORT_GROUP_ID (in the environment or in ./.env).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --bin parents-bot -- "$@"
