# Shared by the bench scripts (sourced). Scratch goes to $RELAY_BENCH_WORK (default /tmp/relay-bench).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
WORK="${RELAY_BENCH_WORK:-/tmp/relay-bench}"
export JAVA_HOME="${BENCH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
mkdir -p "$WORK"; chmod 755 "$WORK"

# The load generators and the anchors live beside the project, not in it (SHARED_BENCH points elsewhere).
[ -d "$SHARED_BENCH" ] || { echo "bench: $SHARED_BENCH not found: set SHARED_BENCH to the shared bench helpers (docs/benchmarks.md)" >&2; exit 1; }
[ -x "$JAVA_HOME/bin/java" ] || { echo "bench: no JDK at $JAVA_HOME: set BENCH_JAVA_HOME to a JDK 25" >&2; exit 1; }

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# pg_start: a throw-away PostgreSQL cluster (Debian's postgresql, as the postgres user) with fsync and
# synchronous_commit on, like shared/bench's anchors. Sets PG_PORT, PG_DIR; pg_stop removes it.
pg_start() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    log "installing postgresql"; as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
  fi
  PGBIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
  PG_PORT="$(free_port)"
  PG_DIR="$(mktemp -d "$WORK/pg.XXXXXX")"; chmod 755 "$PG_DIR"; as_root chown postgres: "$PG_DIR"
  as_root runuser -u postgres -- "$PGBIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 >/dev/null
  as_root runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start -o \
    "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on \
     -c full_page_writes=on -c shared_buffers=512MB -c max_connections=200" >/dev/null
  PG_VERSION="$(as_root runuser -u postgres -- "$PGBIN/psql" -X -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 'show server_version')"
  log "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT ($PG_DIR)"
}
pg_createdb() { as_root runuser -u postgres -- "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "create database $1"; }
pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  as_root runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"; PG_DIR=""
}

build_jar() {
  log "building Relay"
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package >&2)
  JAR="$(ls "$ROOT"/target/relay-*.jar | grep -v original | head -1)"
}
