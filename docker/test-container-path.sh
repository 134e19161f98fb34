#!/usr/bin/env bash
# Tests the container path without a Docker engine: everything docker/Dockerfile does that can run outside Docker.
#
#   docker/test-container-path.sh [--no-build] [--keep]
#
#   1. builds the jar as the Dockerfile's build stage does (./mvnw -B -DskipTests package; --no-build reuses target/)
#   2. runs the Dockerfile's own extraction command (its RUN line, read from the Dockerfile) and lays the layers out
#      in the order of its COPY lines
#   3. runs the Dockerfile's own AOT-cache training command (its RUN line) and checks that app.aot was written
#   4. starts the app with the Dockerfile's ENTRYPOINT (read from the Dockerfile; "java" is the JDK 25 here) on the
#      embedded H2 default, a random free port and a temporary working directory, with -XX:AOTMode=on so that the
#      JVM refuses to start unless it really maps the cache
#   5. waits until docker/healthcheck.sh (the image's HEALTHCHECK) passes, checks that /actuator/health/readiness
#      answers exactly {"status":"UP"}, sends one delivery signed with openssl and expects 202, reads the metrics the
#      Grafana dashboard needs from /actuator/prometheus, then stops the app with SIGTERM (graceful shutdown)
#   6. validates docker/compose.yaml with dclint (installed from npm into ~/.cache/relay-tools), and checks the
#      compose file, prometheus.yml and the Grafana dashboard against each other and against application-postgres.yml;
#      promtool parses prometheus.yml, the alert rules and every query of the Grafana dashboard, and runs the alerts'
#      tests (docker/prometheus-alerts-tests.yml)
#
# Needs: JDK 25 (JAVA_HOME or /usr/lib/jvm/*25*), curl, openssl, python3, node, npm, and promtool (Debian/Ubuntu
# package 'prometheus'). Prints timings.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DOCKERFILE="$ROOT/docker/Dockerfile"

BUILD=1 KEEP=0
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 64 ;;
  esac
done

log() { printf '[container-path] %s\n' "$*" >&2; }
fail() { printf '[container-path] FAILED: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$1" "$(now)"; }

for tool in curl openssl python3 node npm promtool; do
  command -v "$tool" >/dev/null || fail "$tool is needed"
done

# The JVM the image runs: Java 25.
JAVA=""
if [ -n "${JAVA_HOME:-}" ] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
  JAVA="$JAVA_HOME/bin/java"
else
  for candidate in /usr/lib/jvm/*25*/bin/java; do
    [ -x "$candidate" ] && JAVA="$candidate" && break
  done
fi
[ -n "$JAVA" ] || fail "no JDK 25 (set JAVA_HOME or install one under /usr/lib/jvm)"
export JAVA

WORK="$(mktemp -d "${TMPDIR:-/tmp}/relay-container-path.XXXXXX")"
APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The Dockerfile's own commands, so that this script tests what the image does, not a copy of it.
dockerfile_run() { # the single-line 'RUN java <marker>...' command of the Dockerfile, with java -> "$JAVA"
  local line
  line="$(grep -E "^RUN java $1" "$DOCKERFILE")" || fail "no 'RUN java $1' line in docker/Dockerfile"
  [ "$(printf '%s\n' "$line" | wc -l)" = 1 ] || fail "several 'RUN java $1' lines in docker/Dockerfile"
  case "$line" in *'\') fail "the 'RUN java $1' line must be a single line" ;; esac
  printf '"$JAVA" %s' "${line#RUN java }"
}
EXTRACT_CMD="$(dockerfile_run '-Djarmode=tools ')"
TRAIN_CMD="$(dockerfile_run '-XX:AOTCacheOutput=')"
mapfile -t LAYERS < <(sed -nE 's#^COPY --from=build /build/extracted/([a-z-]+)/ \./$#\1#p' "$DOCKERFILE")
[ "${#LAYERS[@]}" = 4 ] || fail "expected 4 layer COPY lines in docker/Dockerfile, found ${#LAYERS[@]}"
mapfile -t ENTRYPOINT < <(python3 - "$DOCKERFILE" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("ENTRYPOINT ")]
assert len(lines) == 1, "one ENTRYPOINT line expected"
argv = json.loads(lines[0][len("ENTRYPOINT "):])
assert argv[0] == "java", argv
print("\n".join(argv[1:]))
PY
)
log "JVM: $("$JAVA" -version 2>&1 | head -1)"
log "entrypoint: java ${ENTRYPOINT[*]}"

# 1. The jar.
t="$(now)"
if [ "$BUILD" = 1 ]; then
  log "building the jar: ./mvnw -B -q -DskipTests package"
  ./mvnw -B -q -DskipTests package >&2
fi
JARS=(target/relay-*.jar)
[ "${#JARS[@]}" = 1 ] && [ -f "${JARS[0]}" ] || fail "expected exactly one target/relay-*.jar (build it, or drop --no-build)"
log "jar: ${JARS[0]} ($(du -h "${JARS[0]}" | cut -f1)) in $(since "$t") s"

# 2. Extraction, as in the build stage; then the layers copied in order into the runtime directory.
mkdir -p "$WORK/build" "$WORK/application"
cp "${JARS[0]}" "$WORK/build/application.jar"
t="$(now)"
(cd "$WORK/build" && eval "$EXTRACT_CMD") >"$WORK/extract.log" 2>&1 || { cat "$WORK/extract.log" >&2; fail "extraction"; }
for layer in "${LAYERS[@]}"; do
  [ -d "$WORK/build/extracted/$layer" ] || fail "the extraction made no '$layer' layer"
  cp -a "$WORK/build/extracted/$layer/." "$WORK/application/"
done
[ -f "$WORK/application/application.jar" ] || fail "no application.jar in the application layer"
log "extracted ${LAYERS[*]}: $(ls "$WORK/application/lib" | wc -l) libraries in $(since "$t") s"

# 3. AOT cache training run.
t="$(now)"
(cd "$WORK/application" && eval "$TRAIN_CMD") >"$WORK/training.log" 2>&1 || { tail -50 "$WORK/training.log" >&2; fail "AOT cache training run"; }
[ -s "$WORK/application/app.aot" ] || fail "the training run wrote no app.aot"
[ ! -e "$WORK/application/data" ] || fail "the training run left a database behind"
grep -q 'AOTCache creation is complete' "$WORK/training.log" || fail "the JVM did not report the AOT cache as complete"
log "AOT cache: $(du -h "$WORK/application/app.aot" | cut -f1) in $(since "$t") s"
mkdir "$WORK/application/data"

# 4. Start as the image's ENTRYPOINT would, from the image's working directory.
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
SECRET="container-path-$(openssl rand -hex 8)"
OPERATOR_PASSWORD="$(openssl rand -hex 12)"
t="$(now)"
(
  cd "$WORK/application"
  # Only variables, as a container gets them. AOTMode=on: fail instead of silently running without the cache.
  exec env SERVER_PORT="$PORT" RELAY_WEBHOOK_SECRETS="$SECRET" SPRING_SECURITY_USER_NAME=operator \
    SPRING_SECURITY_USER_PASSWORD="$OPERATOR_PASSWORD" JAVA_TOOL_OPTIONS="-XX:AOTMode=on" \
    "$JAVA" "${ENTRYPOINT[@]}"
) >"$WORK/app.log" 2>&1 &
APP_PID=$!

# 5. Healthy, ready, accepts a signed delivery, exposes the metrics, stops gracefully.
ready=0
for _ in $(seq 1 480); do
  kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$WORK/app.log" >&2; fail "the app exited during startup"; }
  if SERVER_PORT="$PORT" docker/healthcheck.sh 2>/dev/null; then ready=1; break; fi
  sleep 0.25
done
[ "$ready" = 1 ] || { tail -40 "$WORK/app.log" >&2; fail "not ready within 120 s"; }
log "ready (HEALTHCHECK script passed) $(since "$t") s after start; $(grep -o 'Started RelayApplication in [0-9.]* seconds' "$WORK/app.log" || true)"
grep -q 'Picked up JAVA_TOOL_OPTIONS: -XX:AOTMode=on' "$WORK/app.log" || fail "the JVM did not run with -XX:AOTMode=on"

body="$(curl -fsS "http://127.0.0.1:$PORT/actuator/health/readiness")"
[ "$body" = '{"status":"UP"}' ] || fail "readiness answered '$body', not exactly {\"status\":\"UP\"}"

EVENT_ID="$(python3 -c 'import uuid; print(uuid.uuid4())')"
BODY="{\"eventId\":\"$EVENT_ID\",\"eventType\":\"v2.conversation.closed\",\"platform\":\"sd\",\"projectId\":3030,\"clientId\":1,\"conversationId\":\"2d90a8a2-16df-45f5-897e-31adf9aa165d\",\"operatorIds\":[15253],\"channel\":\"CHAT\",\"visitorId\":\"b05f1b45-c891-4a9c-b47e-91ee6c8ffb44\",\"createdAt\":\"2026-11-25T10:00:00Z\",\"sentAt\":\"2026-11-25T10:00:01Z\"}"
SIGNATURE="sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //')"
status="$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' "http://127.0.0.1:$PORT/webhooks/iadvize" \
  -H 'Content-Type: application/json' -H "X-iAdvize-Signature: $SIGNATURE" \
  -H "X-iAdvize-CorrelationId: $EVENT_ID" --data-binary "$BODY")"
[ "$status" = 202 ] || fail "the signed delivery was answered $status: $(cat "$WORK/answer.json")"
grep -q "\"eventId\":\"$EVENT_ID\"" "$WORK/answer.json" || fail "unexpected answer: $(cat "$WORK/answer.json")"
log "signed delivery answered 202 $(cat "$WORK/answer.json")"

curl -fsS -u "operator:$OPERATOR_PASSWORD" "http://127.0.0.1:$PORT/actuator/prometheus" >"$WORK/metrics.txt" \
  || fail "could not read /actuator/prometheus with the operator's credentials"
for metric in relay_webhook_deliveries_total relay_webhook_ack_seconds_bucket relay_inbox_batch_size_count \
    relay_inbox_queue http_server_requests_seconds_count jvm_memory_used_bytes hikaricp_connections_active \
    disk_free_bytes relay_h2_file_size_bytes relay_h2_file_live relay_h2_file_force_seconds_max \
    jvm_gc_live_data_size_bytes jvm_gc_max_data_size_bytes relay_admin_login_failures_total \
    relay_webhook_quarantined_total relay_retention_purge_seconds_count; do
  grep -q "^$metric{" "$WORK/metrics.txt" || fail "/actuator/prometheus has no $metric (the dashboard or an alert queries it)"
done
RSS_KB="$(awk '/^VmRSS/ {print $2}' "/proc/$APP_PID/status" 2>/dev/null || echo '?')"
log "metrics the dashboard needs are exposed; RSS after one delivery: ${RSS_KB} kB"

kill -TERM "$APP_PID"
t="$(now)"
code=0; wait "$APP_PID" || code=$?
APP_PID=""
case "$code" in 0|143) ;; *) tail -40 "$WORK/app.log" >&2; fail "exit code $code after SIGTERM" ;; esac
grep -qi 'graceful shutdown' "$WORK/app.log" || fail "no graceful shutdown in the log"
log "stopped by SIGTERM (exit $code) in $(since "$t") s"

# 6. Compose file, Prometheus configuration, Grafana provisioning.
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/relay-tools/dclint"
if [ ! -x "$TOOLS/node_modules/.bin/dclint" ]; then
  log "installing dclint 3.1.0 from npm into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-fund --no-audit --silent dclint@3.1.0 >&2
fi
"$TOOLS/node_modules/.bin/dclint" --config docker/dclint.json --max-warnings 0 docker/compose.yaml >&2 || fail "dclint found problems in docker/compose.yaml"
NODE_PATH="$TOOLS/node_modules" node docker/check-compose.cjs >&2 || fail "docker/check-compose.cjs"
# promtool (Debian's prometheus package) parses the Prometheus configuration, the alert rules, and every query of
# the Grafana dashboard (turned into recording rules, Grafana's variables replaced).
mkdir -p "$WORK/promtool"
printf 'not-a-real-password' >"$WORK/promtool/operator_password"
sed -e "s#/etc/prometheus/alerts.yml#$ROOT/docker/prometheus-alerts.yml#" \
    -e "s#/run/secrets/operator_password#$WORK/promtool/operator_password#" docker/prometheus.yml >"$WORK/promtool/prometheus.yml"
grep -q "$ROOT/docker/prometheus-alerts.yml" "$WORK/promtool/prometheus.yml" || fail "prometheus.yml does not load /etc/prometheus/alerts.yml"
promtool check config "$WORK/promtool/prometheus.yml" >&2 || fail "promtool check config docker/prometheus.yml"
# When the alerts fire and when they do not, on made-up series (promtool resolves rule_files from the test's folder).
(cd docker && promtool test rules prometheus-alerts-tests.yml >&2) || fail "promtool test rules docker/prometheus-alerts-tests.yml"
python3 - "$WORK/promtool/dashboard-rules.yml" <<'PY'
import json, sys
dashboard = json.load(open("docker/grafana/relay-dashboard.json"))
rules = [{"record": f"dashboard:panel_{p['id']}_{t['refId']}",
          "expr": t["expr"].replace("$__rate_interval", "1m").replace("$instance", ".*")}
         for p in dashboard["panels"] for t in p.get("targets", [])]
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[1], "w"), indent=1)
PY
promtool check rules "$WORK/promtool/dashboard-rules.yml" >&2 || fail "a Grafana dashboard query does not parse"
log "docker/compose.yaml, prometheus.yml, the alerts (and their tests) and the Grafana dashboard are valid and consistent"

log "OK: extraction, AOT cache, entrypoint, readiness, signed delivery (202), metrics, graceful stop, compose"
