#!/usr/bin/env bash
# Makes sure a MariaDB server answers on 127.0.0.1:3306 as root with an empty password and has a
# `test` database: starts it if it is installed, installs it if it is not. Used by the test
# command and CI; harmless when MariaDB already runs.
set -euo pipefail

ping_tcp() { mysql -h127.0.0.1 -P3306 -uroot --connect-timeout=2 -e 'select 1' >/dev/null 2>&1; }

if ping_tcp; then
  mysql -h127.0.0.1 -P3306 -uroot -e 'CREATE DATABASE IF NOT EXISTS test' >/dev/null
  exit 0
fi

if [ ! -x /usr/sbin/mariadbd ]; then
  echo "mariadb.sh: installing mariadb-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq mariadb-server >/dev/null
fi

if ! mysqladmin --connect-timeout=2 ping >/dev/null 2>&1; then
  echo "mariadb.sh: starting mariadbd" >&2
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi

for _ in $(seq 1 60); do
  mysqladmin --connect-timeout=2 ping >/dev/null 2>&1 && break
  sleep 0.5
done

if ! ping_tcp; then
  # A fresh Debian install lets root in only through the socket: open TCP for tests.
  mysql -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
fi
mysql -h127.0.0.1 -P3306 -uroot -e 'CREATE DATABASE IF NOT EXISTS test' >/dev/null
ping_tcp || { echo "mariadb.sh: MariaDB is not reachable on 127.0.0.1:3306" >&2; exit 1; }
