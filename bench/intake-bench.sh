#!/usr/bin/env bash
# Intake benchmark: Relay's POST /webhooks/iadvize against the bare Spring Boot endpoint (and Node-RED), in the
# same run, with ../shared/bench/compare.sh: 64 connections, 10 % duplicates, durable commit on; on H2 (the
# embedded default) and on PostgreSQL (fsync and synchronous_commit on). Then acknowledgement latency at a steady
# 1,000 events/s (open loop, bench/RateLoad.java). Prints INTAKE_RESULT {json} last.
#
#   bench/intake-bench.sh [--duration 20s] [--warmup 20s] [--connections 64] [--stores "h2 pg"] [--rate 1000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
DURATION=20s WARMUP=20s CONNS=64 STORES="h2 pg" RATE=1000 RATE_SECONDS=30
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2;; --warmup) WARMUP="$2"; shift 2;;
    --connections) CONNS="$2"; shift 2;; --stores) STORES="$2"; shift 2;; --rate) RATE="$2"; shift 2;;
    -h|--help) sed -n '2,8p' "$0"; exit 0;;
    *) echo "unknown option: $1" >&2; exit 64;;
  esac
done
SECRET=bench-secret
RELAY_PID=""
cleanup() { [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null; wait 2>/dev/null; pg_stop; }
trap cleanup EXIT
build_jar
RESULTS="$WORK/intake-results.jsonl"; : > "$RESULTS"

for store in $STORES; do
  PORT="$(free_port)"
  # The default handlers run (the log handler's lines muted), so that each event also gets its deliveries, as in
  # production. Ordering is off here because gen-requests.py gives every event of a type the same conversation id,
  # which would serialise all of them as one conversation (real traffic spreads over many conversations).
  args=(--server.port="$PORT" --relay.webhook.secrets="$SECRET" --logging.level.io.relay.workflow.log=WARN
        --relay.dispatch.defaults.ordered=false)
  if [ "$store" = pg ]; then
    pg_start; pg_createdb relay_bench
    args+=(--spring.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/relay_bench" --spring.datasource.username=postgres)
  else
    H2="$(mktemp -d "$WORK/h2.XXXXXX")"
    args+=(--spring.datasource.url="jdbc:h2:file:$H2/relay;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE")
  fi
  log "starting Relay on $store, port $PORT"
  "$JAVA_HOME/bin/java" -Xmx1g -jar "$JAR" "${args[@]}" > "$WORK/relay-$store.log" 2>&1 &
  RELAY_PID=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null && break; sleep 1; done
  # Enough unique requests that the file never wraps (a wrap turns new events into duplicates).
  cmp="$("$SHARED_BENCH/compare.sh" --secret "$SECRET" --connections "$CONNS" --duration "$DURATION" \
      --warmup "$WARMUP" --requests 400000 --target "http://127.0.0.1:$PORT/webhooks/iadvize" | tail -1)"
  log "$store: $cmp"
  python3 "$SHARED_BENCH/gen-requests.py" -n $((RATE * RATE_SECONDS + 2000)) --secret "$SECRET" --dup-ratio 0.1 \
    --out "$WORK/rate.jsonl" 2>/dev/null
  rate="$("$JAVA_HOME/bin/java" "$ROOT/bench/RateLoad.java" "http://127.0.0.1:$PORT" "$WORK/rate.jsonl" "$RATE" "$RATE_SECONDS" | tail -1)"
  log "$store: $rate"
  python3 - "$store" "$cmp" "$rate" >> "$RESULTS" <<'PY'
import json,sys
store,cmp,rate=sys.argv[1:]
print(json.dumps({"store":store,"compare":json.loads(cmp.split(" ",1)[1]),"rate":json.loads(rate.split(" ",1)[1])}))
PY
  kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null || true; RELAY_PID=""
  [ "$store" = pg ] && pg_stop
done
python3 - "$RESULTS" <<'PY'
import json,sys,os,datetime
rows=[json.loads(l) for l in open(sys.argv[1])]
print(f"{'store':6} {'relay/s':>9} {'base/s':>9} {'relay/base':>10} {'relay/nodered':>13} {'p50':>6} {'p99':>7} | at-rate {'achieved':>8} {'p50':>6} {'p99':>6} {'5xx':>4}",file=sys.stderr)
for r in rows:
    c=r["compare"]; q=r["rate"]
    print(f"{r['store']:6} {c['relay']['rps']:>9.0f} {c['baseline']['rps']:>9.0f} {c['ratio_relay_over_baseline']:>10} {c['ratio_relay_over_nodered']:>13} "
          f"{c['relay']['latency_ms']['p50']:>6} {c['relay']['latency_ms']['p99']:>7} | {q['achieved_per_s']:>16} {q['latency_ms']['p50']:>6} {q['latency_ms']['p99']:>6} {q['status'].get('5xx',0):>4}",file=sys.stderr)
print("INTAKE_RESULT "+json.dumps({"date":datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),"nproc":os.cpu_count(),"results":rows},separators=(",",":")))
PY
