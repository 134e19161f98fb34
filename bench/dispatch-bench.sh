#!/usr/bin/env bash
# Dispatcher benchmark, in one run with the anchors of ../shared/bench/dispatch-anchors (db-scheduler and Spring
# Modulith's event registry): the same workload (N events from 16 producers then a steady 100 events/s, no-op
# handler) through Relay's inbox and dispatcher (src/test/java/io/relay/bench/DispatchBenchmark.java), plus a
# backlog already in the database that only the claimer can run (Relay only), on a
# throw-away PostgreSQL (fsync and synchronous_commit on) and on H2. Prints DISPATCH_RESULT {json} last.
#
#   bench/dispatch-bench.sh [--anchors "dbscheduler:pg dbscheduler-laf:pg modulith:pg"] [--stores "pg h2"]
#                           [--warmup N]   (events before the measured burst, every case alike; default 2,000)
#                           [--jvm-opts "..."]  (added to Relay's JVM options, e.g. "-Drelay.dispatch.workers=32")
#                           [--gc-opts "..."]   (added to Relay's and every anchor's JVM, e.g. "-XX:+UseParallelGC")
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ANCHORS="dbscheduler:pg dbscheduler-laf:pg modulith:pg" STORES="pg h2" WARMUP=2000 JVM_OPTS="" GC_OPTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --anchors) ANCHORS="$2"; shift 2;; --stores) STORES="$2"; shift 2;; --warmup) WARMUP="$2"; shift 2;;
    --jvm-opts) JVM_OPTS="$2"; shift 2;; --gc-opts) GC_OPTS="$2"; shift 2;;
    -h|--help) sed -n '2,11p' "$0"; exit 0;;
    *) echo "unknown option: $1" >&2; exit 64;;
  esac
done
H2=""
# H2 files grow to gigabytes per run: removed after each run and at exit.
trap 'pg_stop; if [ -n "$H2" ]; then rm -rf "$H2"; fi' EXIT
RESULTS="$WORK/dispatch-results.jsonl"; : > "$RESULTS"
for store in $STORES; do
  if [ "$store" = pg ]; then
    pg_start; pg_createdb relay_dispatch
    props=(-Dbench.jdbc-url="jdbc:postgresql://127.0.0.1:$PG_PORT/relay_dispatch" -Dbench.jdbc-user=postgres)
  else
    H2="$(mktemp -d "$WORK/h2.XXXXXX")"
    props=(-Dbench.h2-dir="$H2")  # the embedded default's own URL (application.yml), in that directory
  fi
  log "Relay dispatcher on $store"
  # Through the test phase, so that the toolchains plugin picks JDK 25 (surefire:test alone would not). -Xmx1g as
  # the anchors' JVMs (their run.sh's default JAVA_OPTS).
  (cd "$ROOT" && ./mvnw -q -B test -Dtest=DispatchBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
      -Dbench.warmup="$WARMUP" -DargLine="-Xmx1g $GC_OPTS $JVM_OPTS" "${props[@]}" > "$WORK/dispatch-$store.log" 2>&1) || { tail -40 "$WORK/dispatch-$store.log" >&2; exit 1; }
  line="$(grep -a '^RESULT ' "$ROOT/target/surefire-reports/io.relay.bench.DispatchBenchmark-output.txt" | tail -1 | cut -d' ' -f2-)"
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["case"]="relay:"+sys.argv[2]; print(json.dumps(d))' "$line" "$store" >> "$RESULTS"
  log "relay:$store $line"
  if [ "$store" = pg ]; then pg_stop; else rm -rf "$H2"; H2=""; fi
done
if [ -n "$ANCHORS" ]; then
  log "anchors: $ANCHORS"
  anchors="$(JAVA_OPTS="${JAVA_OPTS:--Xmx1g} $GC_OPTS" "$SHARED_BENCH/dispatch-anchors/run.sh" --cases "$ANCHORS" -- --bench.warmup="$WARMUP" | tail -1 | cut -d' ' -f2-)"
  python3 -c 'import json,sys; [print(json.dumps(r)) for r in json.loads(sys.argv[1])["results"]]' "$anchors" >> "$RESULTS"
fi
python3 - "$RESULTS" "$GC_OPTS" <<'PY'
import json,sys,os,datetime
rows=[json.loads(l) for l in open(sys.argv[1])]
print(f"{'case':22} {'enqueue/s':>10} {'exec/s':>9} {'burst c->s p50/p99 ms':>22} {'100/s c->s p50/p99/max ms':>27} {'backlog exec/s':>15}",file=sys.stderr)
for r in rows:
    t=r.get("throughput",{}); l=r.get("latency",{}); b=t.get("commit_to_start_ms",{}); s=l.get("commit_to_start_ms",{})
    print(f"{r['case']:22} {t.get('enqueue_per_s'):>10} {t.get('exec_per_s'):>9} {str(b.get('p50'))+' / '+str(b.get('p99')):>22} {str(s.get('p50'))+' / '+str(s.get('p99'))+' / '+str(s.get('max')):>27} {str(r.get('backlog',{}).get('exec_per_s','-')):>15}",file=sys.stderr)
print("DISPATCH_RESULT "+json.dumps({"date":datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),"nproc":os.cpu_count(),"gc_opts":sys.argv[2],"results":rows},separators=(",",":")))
PY
