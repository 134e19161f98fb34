#!/usr/bin/env bash
# Intake benchmark: Relay's POST /webhooks/iadvize against the bare Spring Boot endpoint (and Node-RED), in the
# same run, with ../shared/bench/compare.sh: 64 connections, 10 % duplicates, durable commit on; on H2 (the
# embedded default) and on PostgreSQL (fsync and synchronous_commit on). Then acknowledgement latency at a steady
# 1,000 events/s (open loop, bench/RateLoad.java). Each store runs twice: "intake" (no handler on) and "handlers"
# (the default handlers dispatching on the same cores). Prints INTAKE_RESULT {json} last.
#
#   bench/intake-bench.sh [--duration 20s] [--warmup 20s] [--connections 64] [--stores "h2 pg"]
#                         [--modes "intake handlers"] [--rate 1000] [--quiet-p99 3] [--jvm-opts "-XX:+UseParallelGC"]
# The bare endpoint's own p99 at the rate tells whether the machine was quiet (under --quiet-p99 ms): on a busy
# machine (a shared VM's neighbours do not show in its load average) every latency of the run is longer.
# --jvm-opts go to Relay's JVM and to the bare endpoint's (whose heap stays its default, as before); the default is
# the container image's collector.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
DURATION=20s WARMUP=20s CONNS=64 STORES="h2 pg" MODES="intake handlers" RATE=1000 RATE_SECONDS=30 QUIET_P99=3
JVM_OPTS="-XX:+UseParallelGC"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2;; --warmup) WARMUP="$2"; shift 2;;
    --connections) CONNS="$2"; shift 2;; --stores) STORES="$2"; shift 2;; --modes) MODES="$2"; shift 2;; --rate) RATE="$2"; shift 2;;
    --quiet-p99) QUIET_P99="$2"; shift 2;; --jvm-opts) JVM_OPTS="$2"; shift 2;;
    -h|--help) sed -n '2,12p' "$0"; exit 0;;
    *) echo "unknown option: $1" >&2; exit 64;;
  esac
done
SECRET=bench-secret ADMIN_PASSWORD=bench-admin
RELAY_PID="" H2=""
[[ $QUIET_P99 =~ ^[0-9]+([.][0-9]*)?$ ]] || { echo "--quiet-p99: a number of milliseconds" >&2; exit 64; }
# H2 files grow to gigabytes per run: removed after each run and at exit.
# Every step tolerates a Relay that already died (set -e would otherwise end the trap before the clean-up).
cleanup() {
  if [ -n "$RELAY_PID" ]; then kill "$RELAY_PID" 2>/dev/null || true; fi
  wait 2>/dev/null || true; pg_stop; if [ -n "$H2" ]; then rm -rf "$H2"; fi
}
trap cleanup EXIT
# baseline/run.sh (started here and by compare.sh) passes JAVA_OPTS to the bare endpoint's JVM.
export JAVA_OPTS="$JVM_OPTS"
read -r -a RELAY_JVM_OPTS <<< "$JVM_OPTS"
build_jar
RESULTS="$WORK/intake-results.jsonl"; : > "$RESULTS"

# The open-loop reference: the bare endpoint at the same rate, with the same client and warm-up.
python3 "$SHARED_BENCH/gen-requests.py" -n $((RATE * (RATE_SECONDS + 10) + 2000)) --secret "$SECRET" --dup-ratio 0.1 \
  --out "$WORK/rate.jsonl" 2>/dev/null
BASE_PORT="$(free_port)"
"$SHARED_BENCH/baseline/run.sh" "$BASE_PORT" > "$WORK/baseline-rate.log" 2>&1 &
RELAY_PID=$!
for _ in $(seq 1 120); do curl -s -o /dev/null -X POST "http://127.0.0.1:$BASE_PORT/webhooks/iadvize" && break; sleep 1; done
BASE_RATE="$("$JAVA_HOME/bin/java" "$ROOT/bench/RateLoad.java" "http://127.0.0.1:$BASE_PORT" "$WORK/rate.jsonl" "$RATE" "$RATE_SECONDS" 10 | tail -1)"
log "baseline: $BASE_RATE"
kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null || true; RELAY_PID=""

for store in $STORES; do
  if [ "$store" = pg ]; then pg_start; fi
  for mode in $MODES; do
    PORT="$(free_port)"
    # "intake": no handler is on, so an event costs its HTTP request, signature, parse and durable commit only.
    # "handlers": the default handlers (log, with its lines muted, and csat-dashboard) run on the same 2 cores as
    # the intake, as in production. Ordering is off because gen-requests.py gives every event of a type the same
    # conversation id, which would serialise all of them as one conversation (real traffic spreads over many).
    args=(--server.port="$PORT" --relay.webhook.secrets="$SECRET" --logging.level.io.relay.workflow.log=WARN
          --relay.dispatch.defaults.ordered=false --spring.security.user.password="$ADMIN_PASSWORD")
    if [ "$mode" = intake ]; then
      args+=(--relay.workflows.log.enabled=false --relay.workflows.csat-dashboard.enabled=false)
    fi
    if [ "$store" = pg ]; then
      pg_createdb "relay_bench_$mode"
      args+=(--spring.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/relay_bench_$mode" --spring.datasource.username=postgres)
    else
      # The embedded default exactly as shipped: application.yml's URL, ./data/relay under Relay's working directory.
      H2="$(mktemp -d "$WORK/h2.XXXXXX")"
    fi
    log "starting Relay on $store ($mode), port $PORT"
    (cd "${H2:-.}" && exec "$JAVA_HOME/bin/java" -Xmx1g ${RELAY_JVM_OPTS[@]+"${RELAY_JVM_OPTS[@]}"} -jar "$JAR" "${args[@]}") > "$WORK/relay-$store-$mode.log" 2>&1 &
    RELAY_PID=$!
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null && break; sleep 1; done
    # The bare endpoint and Node-RED run once per store, in the same compare.sh run as the first mode; the other
    # mode is compared with those numbers. Enough unique requests that the file never wraps (a wrap turns new
    # events into duplicates).
    only=(); [ "$mode" = "${MODES%% *}" ] || only=(--only target)
    cmp="$("$SHARED_BENCH/compare.sh" --secret "$SECRET" --connections "$CONNS" --duration "$DURATION" \
        --warmup "$WARMUP" --requests 400000 "${only[@]}" --target "http://127.0.0.1:$PORT/webhooks/iadvize" | tail -1)"
    log "$store $mode: $cmp"
    # The open-loop run starts from an idle Relay: first the deliveries left by the burst are drained (how long
    # that takes is recorded), then 10 s at the rate warm the client up, unrecorded.
    drain_start=$(date +%s)
    for _ in $(seq 1 600); do
      backlog="$(curl -sf -u "user:$ADMIN_PASSWORD" "http://127.0.0.1:$PORT/actuator/prometheus" \
        | awk '/^relay_dispatch_backlog/ {print int($2)}')"
      [ "${backlog:-1}" = 0 ] && break
      sleep 1
    done
    drain_s=$(( $(date +%s) - drain_start ))
    log "$store $mode: backlog drained in ${drain_s} s (backlog now ${backlog:-?})"
    python3 "$SHARED_BENCH/gen-requests.py" -n $((RATE * (RATE_SECONDS + 10) + 2000)) --secret "$SECRET" --dup-ratio 0.1 \
      --out "$WORK/rate.jsonl" 2>/dev/null  # fresh ids: the previous file's events are stored already
    rate="$("$JAVA_HOME/bin/java" "$ROOT/bench/RateLoad.java" "http://127.0.0.1:$PORT" "$WORK/rate.jsonl" "$RATE" "$RATE_SECONDS" 10 | tail -1)"
    log "$store $mode: $rate"
    python3 - "$store" "$mode" "$cmp" "$rate" "$drain_s" >> "$RESULTS" <<'PY'
import json,sys
store,mode,cmp,rate,drain=sys.argv[1:]
print(json.dumps({"store":store,"mode":mode,"compare":json.loads(cmp.split(" ",1)[1]),"backlog_drain_s":int(drain),"rate":json.loads(rate.split(" ",1)[1])}))
PY
    kill "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; RELAY_PID=""
    if [ -n "$H2" ]; then log "H2 file: $(du -sh "$H2" | cut -f1), removed"; rm -rf "$H2"; H2=""; fi
  done
  [ "$store" = pg ] && pg_stop
done
python3 - "$RESULTS" "$BASE_RATE" "$QUIET_P99" "$JVM_OPTS" <<'PY'
import json,sys,os,datetime
rows=[json.loads(l) for l in open(sys.argv[1])]
base_rate=json.loads(sys.argv[2].split(" ",1)[1])
quiet=base_rate['latency_ms']['p99'] < float(sys.argv[3])
print(f"bare endpoint at {base_rate['target_per_s']}/s: p50 {base_rate['latency_ms']['p50']} ms, p99 {base_rate['latency_ms']['p99']} ms: "
      + ("quiet machine" if quiet else f"BUSY machine (quiet is under {sys.argv[3]} ms): latencies of this run are not comparable with quiet runs"),file=sys.stderr)
base={}
for r in rows:
    c=r["compare"]
    if c.get("baseline"): base[r["store"]]=(c["baseline"]["rps"],(c.get("nodered") or {}).get("rps"))
print(f"{'store':5} {'mode':8} {'relay/s':>8} {'base/s':>8} {'relay/base':>10} {'relay/nodered':>13} {'p50':>6} {'p99':>7} {'drain':>6} | at-rate {'achieved':>8} {'p50':>6} {'p99':>6} {'5xx':>4}",file=sys.stderr)
for r in rows:
    c=r["compare"]; q=r["rate"]; b,n=base.get(r["store"],(None,None)); rps=c["relay"]["rps"]
    r["ratio_relay_over_baseline"]=round(rps/b,3) if b else None
    r["ratio_relay_over_nodered"]=round(rps/n,3) if n else None
    print(f"{r['store']:5} {r['mode']:8} {rps:>8.0f} {b or 0:>8.0f} {str(r['ratio_relay_over_baseline']):>10} {str(r['ratio_relay_over_nodered']):>13} "
          f"{c['relay']['latency_ms']['p50']:>6} {c['relay']['latency_ms']['p99']:>7} {r['backlog_drain_s']:>5}s | {q['achieved_per_s']:>16} {q['latency_ms']['p50']:>6} {q['latency_ms']['p99']:>6} {q['status'].get('5xx',0):>4}",file=sys.stderr)
print("INTAKE_RESULT "+json.dumps({"date":datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),"nproc":os.cpu_count(),"machine_quiet":quiet,"quiet_p99_ms":float(sys.argv[3]),"jvm_opts":sys.argv[4],"baseline_rate":base_rate,"results":rows},separators=(",",":")))
PY
