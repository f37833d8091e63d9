#!/usr/bin/env bash
# A real, throwaway PostgreSQL 15 for the ledger's tests: its own data directory, on loopback,
# with a password (scram-sha-256), run as `nobody` when called as root (postgres refuses root).
#   tests/postgres.sh start DIR      starts one in DIR (created); prints its URL
#   tests/postgres.sh stop DIR       stops it and removes DIR
#   tests/postgres.sh kill DIR       stops it at once, as a crash would, keeping its data
#   tests/postgres.sh restart DIR    starts a killed one again, on the same port
#   tests/postgres.sh run CMD...     runs CMD with AR_TEST_POSTGRES_URL set, then stops it
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
if [ ! -x "$bin/postgres" ]; then
  echo "postgres.sh: $bin/postgres is missing: apt-get install postgresql-15 (make deps-test)" >&2
  exit 1
fi
as_owner=()
if [ "$(id -u)" = 0 ]; then as_owner=(setpriv --reuid=nobody --regid=nogroup --clear-groups); fi

start() {
  local dir=$1 password port
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown nobody:nogroup "$dir"
    if ! "${as_owner[@]}" test -w "$dir"; then
      echo "postgres.sh: $dir is not reachable by nobody (a parent directory is private): use one that is" >&2
      return 1
    fi
  fi
  password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  (umask 077 && echo "$password" >"$dir/password")
  [ "$(id -u)" = 0 ] && chown nobody:nogroup "$dir/password"
  "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U ledger --pwfile="$dir/password" \
    --auth=scram-sha-256 -E UTF8 --locale=C >"$dir/initdb.log" 2>&1
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    if serve "$dir" "$port"; then
      echo "$port" >"$dir/port"
      echo "postgresql://ledger:$password@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  echo "postgres.sh: the server did not start; $dir/server.log says:" >&2
  tail -n 20 "$dir/server.log" >&2
  return 1
}

serve() {
  local dir=$1 port=$2
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" \
    start >/dev/null
}

stop() {
  local dir=$1
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case ${1:-} in
  start) start "$2" ;;
  stop) stop "$2" ;;
  kill) "${as_owner[@]}" "$bin/pg_ctl" -D "$2/data" -m immediate stop >/dev/null ;;
  restart) serve "$2" "$(cat "$2/port")" ;;
  run)
    shift
    dir=$(mktemp -d /tmp/ar-postgres.XXXXXX)
    trap 'stop "$dir"' EXIT
    AR_TEST_POSTGRES_URL=$(start "$dir")
    export AR_TEST_POSTGRES_URL
    "$@"
    ;;
  *) echo "usage: $0 start DIR | stop DIR | kill DIR | restart DIR | run CMD..." >&2; exit 2 ;;
esac
