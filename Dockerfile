# PetWealth Parents: a container image of `parents-bot`. How to run it: docs/operations.md,
# "Running with Docker".
#
#   docker build -t parents-bot .
#   docker run -d --name parents-bot --restart unless-stopped --stop-timeout 30 \
#     --env-file /etc/parents-bot/env -v /srv/parents-bot:/data \
#     -p 127.0.0.1:8080:8080 parents-bot

# --- build ------------------------------------------------------------------------------------
# The slim Rust image has gcc and libc6-dev, which the bundled SQLite and the TLS crypto need.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The whole workspace (.dockerignore leaves out target/, .git, databases, logs and .env): cargo
# needs every member's manifest even to build one binary, and Cargo.lock pins the versions.
COPY . .
RUN cargo build --release --locked --bin parents-bot

# --- run --------------------------------------------------------------------------------------
FROM debian:bookworm-slim
# Only the CA certificates: TLS is rustls (no OpenSSL), SQLite is compiled in, and the binary
# otherwise needs just glibc.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid/gid, so a bind-mounted /data can be prepared on the host: chown 10001:10001.
RUN groupadd --gid 10001 parents-bot \
    && useradd --uid 10001 --gid parents-bot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin parents-bot \
    && install -d -o parents-bot -g parents-bot -m 0750 /data
COPY --from=build /src/target/release/parents-bot /usr/local/bin/parents-bot

# /data holds the SQLite database and logs/enote_link.log. sqlite:///data/… (three slashes) is
# the absolute path /data/parents.db; mode=rwc creates the file on first start.
# DATABASE_URL wins over the DB_* settings: to use MySQL/MariaDB, pass DATABASE_URL=mysql://…
# or an empty DATABASE_URL= together with DB_HOST, DB_USER, DB_PASSWORD, DB_NAME.
# LISTEN_ADDR must not be 127.0.0.1 inside a container, or the published port reaches nothing.
# MALLOC_ARENA_MAX=2: two glibc malloc arenas, so memory freed after a backlog is shared by
# the threads instead of kept per thread (docs/benchmarks.md, "Where the memory goes").
ENV DATABASE_URL="sqlite:///data/parents.db?mode=rwc" \
    LOG_DIR=/data/logs \
    LISTEN_ADDR=0.0.0.0:8080 \
    NO_COLOR=1 \
    MALLOC_ARENA_MAX=2
USER parents-bot
WORKDIR /data
VOLUME /data
# GET /healthz, and the webhook path in webhook mode.
EXPOSE 8080
# No HEALTHCHECK: the slim image has no curl or wget, and parents-bot has no probe subcommand.
# Probe http://127.0.0.1:8080/healthz from the host through the published port instead
# (200 = running and the database answers; 503 = the database does not answer).

# docker stop sends SIGTERM (the bot finishes in-flight sends and exits 0); give it
# --stop-timeout 30, Docker's default 10 s may cut a rate-limited send short (nothing is lost:
# the send stays queued). Arguments are subcommands: `docker run … parents-bot check`.
ENTRYPOINT ["parents-bot"]
