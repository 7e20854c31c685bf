#!/usr/bin/env bash
# Makes sure the Postgres and Redis that Roster uses are running: starts them
# when installed but stopped, and says exactly how to install them when missing.
# Only local services (127.0.0.1 / localhost) are managed; remote ones are left alone.
set -euo pipefail

db_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/roster}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"

host_of() { sed -E 's#^[a-z]+://([^@/]*@)?\[?([^]:/]+)\]?.*#\2#' <<<"$1"; }
port_of() { sed -nE 's#^[a-z]+://([^@/]*@)?(\[[^]]*\]|[^:/]+):([0-9]+).*#\3#p' <<<"$1"; }
is_local() { [[ "$1" == 127.* || "$1" == localhost || "$1" == ::1 ]]; }

pg_host=$(host_of "$db_url"); pg_port=$(port_of "$db_url"); pg_port=${pg_port:-5432}
redis_host=$(host_of "$redis_url"); redis_port=$(port_of "$redis_url"); redis_port=${redis_port:-6379}

wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "ensure-services: $name did not come up within 30s" >&2; return 1
}

pg_up() { pg_isready -h "$pg_host" -p "$pg_port" -q; }
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "ensure-services: PostgreSQL is not installed. Install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y postgresql postgresql-contrib" >&2
  echo "or point DATABASE_URL at a running server." >&2
  exit 1
fi
if ! pg_up; then
  if is_local "$pg_host" && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "ensure-services: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
    wait_for PostgreSQL pg_up
  else
    echo "ensure-services: PostgreSQL at $pg_host:$pg_port is not reachable." >&2
    echo "  Start it, or install it with: sudo apt-get install -y postgresql postgresql-contrib" >&2
    exit 1
  fi
fi

redis_up() { redis-cli -h "$redis_host" -p "$redis_port" ping | grep -q PONG; }
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "ensure-services: Redis is not installed. Install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y redis-server" >&2
  echo "or point REDIS_URL at a running server." >&2
  exit 1
fi
if ! redis_up; then
  if is_local "$redis_host"; then
    echo "ensure-services: starting Redis" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no
    wait_for Redis redis_up
  else
    echo "ensure-services: Redis at $redis_host:$redis_port is not reachable; start it or fix REDIS_URL." >&2
    exit 1
  fi
fi
