#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the history store's test
# (harness/tests/history_store.rs): installs Debian's `postgresql` package
# when no server binaries are present (as root), creates a cluster in a
# temporary directory, starts it and exports BENCHGATE_TEST_POSTGRES.
# Sourced by .ci/run; `benchgate_stop_postgres` stops it and removes the
# cluster. Durability is off (fsync, synchronous_commit): the data lives
# for one test run.

benchgate_pg_bin() {
  { find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null || true; } | sort -V | tail -n 1
}

benchgate_start_postgres() {
  local bin dir port as_postgres
  bin=$(benchgate_pg_bin)
  if [ -z "$bin" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends postgresql >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends postgresql >/dev/null 2>&1; } \
      || true
    bin=$(benchgate_pg_bin)
  fi
  if [ -z "$bin" ]; then
    echo "ci/postgres.sh: PostgreSQL is not installed and cannot be installed here" >&2
    return 1
  fi
  dir=$(mktemp -d /tmp/benchgate-pg.XXXXXX)
  # initdb refuses to run as root: the cluster belongs to `postgres` then.
  as_postgres=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    as_postgres=(runuser -u postgres --)
  fi
  # A port nobody listens on, from 55432 up.
  port=55432
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -A trust -U benchgate --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  "${as_postgres[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U benchgate benchgate
  BENCHGATE_PG_DIR=$dir
  BENCHGATE_PG_BIN=$bin
  export BENCHGATE_TEST_POSTGRES="postgres://benchgate@127.0.0.1:$port/benchgate"
  echo "ci/postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (BENCHGATE_TEST_POSTGRES)" >&2
}

benchgate_stop_postgres() {
  [ -n "${BENCHGATE_PG_DIR:-}" ] || return 0
  local as_postgres=()
  [ "$(id -u)" = 0 ] && as_postgres=(runuser -u postgres --)
  "${as_postgres[@]}" "$BENCHGATE_PG_BIN/pg_ctl" -D "$BENCHGATE_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$BENCHGATE_PG_DIR"
  BENCHGATE_PG_DIR=
}
