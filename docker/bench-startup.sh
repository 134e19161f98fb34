#!/usr/bin/env bash
# Startup time and memory of the extracted app: with and without the AOT cache, or with another garbage collector
# (docs/benchmarks-startup.md).
#
#   docker/bench-startup.sh [--runs 3] [--max-ram 768m] [--no-build] [--bench-dir ../shared/bench] [--quiet-below 1.5]
#                           [--modes "aot no-aot"]
#
# Prepares the app as the image does (docker/test-container-path.sh --keep: extraction + AOT training), then, for
# each run, each of --modes in turn so that machine noise spreads over all, and each after waiting (at most
# 120 s) for the 1-minute load average to drop below --quiet-below (the machine is shared). Modes:
#   aot         the Dockerfile's ENTRYPOINT as it is
#   no-aot      the same without -XX:AOTCache
#   aot-serial  the ENTRYPOINT with -XX:+UseSerialGC instead of its collector (what the JVM picks by itself below
#               2 CPUs or 1792 MB of memory, e.g. in a container limited to 768 MiB), to measure what the image's
#               collector costs (decision 0010)
#   aot-g1      the same with -XX:+UseG1GC (the JVM's own choice above that)
# (-XX:MaxRAM below sizes the heap but does not change the JVM's choice of collector, which looks at the machine's
# memory: without the mode's flag this machine would run G1.)
# Each run:
#   - starts the ENTRYPOINT of its mode on a fresh H2 file, a free port,
#     with JAVA_TOOL_OPTIONS=-XX:MaxRAM=<max-ram> standing in for the container's memory limit (compose: 768m)
#   - time to ready: from launch to the first 200 from /actuator/health/readiness (polled every 50 ms); Spring's
#     own "Started RelayApplication in" is printed beside it, and the CPU time (user + system) the JVM used until
#     ready, which other work on a shared machine disturbs far less than the wall-clock time
#   - RSS at ready, and after 10 s idle
#   - RSS under load: ingest-bench.sh --connections 16 --duration 10s --requests 50000 (5 s warm-up), peak RSS
#     sampled every 0.5 s, and RSS after the load; the load's throughput
# Prints one line per run and a summary table (medians) in Markdown on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
RUNS=3 MAX_RAM=768m BUILD_FLAG="" BENCH="$ROOT/../shared/bench" QUIET_BELOW=1.5 MODES="aot no-aot"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --max-ram) MAX_RAM="$2"; shift 2 ;;
    --no-build) BUILD_FLAG="--no-build"; shift ;;
    --bench-dir) BENCH="$2"; shift 2 ;;
    --quiet-below) QUIET_BELOW="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 64 ;;
  esac
done
for mode in $MODES; do
  case "$mode" in aot|no-aot|aot-serial|aot-g1) ;; *) echo "unknown mode: $mode (aot, no-aot, aot-serial, aot-g1)" >&2; exit 64 ;; esac
done
[ -x "$BENCH/ingest-bench.sh" ] || { echo "no ingest-bench.sh in $BENCH (--bench-dir)" >&2; exit 64; }
log() { printf '[bench-startup] %s\n' "$*" >&2; }

prepared="$(bash docker/test-container-path.sh $BUILD_FLAG --keep 2>&1 | tee /dev/stderr | sed -n 's/^\[container-path\] kept //p')"
[ -n "$prepared" ] || { echo "docker/test-container-path.sh did not keep its directory" >&2; exit 1; }
APP="$prepared/application"
JAVA="$(ls -d /usr/lib/jvm/*25*/bin/java | head -1)"
mapfile -t ENTRYPOINT < <(python3 -c 'import json,sys; l=[l for l in open(sys.argv[1]) if l.startswith("ENTRYPOINT ")][0]; print("\n".join(json.loads(l[11:])[1:]))' docker/Dockerfile)
SECRET="bench-startup-secret"
RESULTS="$prepared/results.tsv"
: >"$RESULTS"
trap 'rm -rf "$prepared"' EXIT

rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; } # user + system
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

run() { # MODE RUN
  local mode="$1" args=() port pid start ready_ms cpu_ready started rss_ready rss_idle peak=0 rss_after result rps
  local collector=""
  case "$mode" in aot-serial) collector=-XX:+UseSerialGC ;; aot-g1) collector=-XX:+UseG1GC ;; esac
  for a in "${ENTRYPOINT[@]}"; do
    if [ "$mode" = no-aot ] && [[ "$a" == -XX:AOTCache=* ]]; then continue; fi
    if [ -n "$collector" ] && [[ "$a" =~ ^-XX:\+Use[A-Za-z]+GC$ ]]; then a="$collector"; fi
    args+=("$a")
  done
  rm -rf "$APP/data" && mkdir "$APP/data"
  for _ in $(seq 1 120); do
    python3 -c 'import sys; sys.exit(0 if float(open("/proc/loadavg").read().split()[0]) < float(sys.argv[1]) else 1)' \
      "$QUIET_BELOW" && break
    sleep 1
  done
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"   # other work on the machine skews every number
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  start="$(date +%s%N)"
  (cd "$APP" && exec env SERVER_PORT="$port" RELAY_WEBHOOK_SECRETS="$SECRET" JAVA_TOOL_OPTIONS="-XX:MaxRAM=$MAX_RAM" \
    "$JAVA" "${args[@]}") >"$prepared/app-$mode-$2.log" 2>&1 &
  pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/actuator/health/readiness" || true)" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$prepared/app-$mode-$2.log" >&2; exit 1; }
    [ "$(ms_since "$start")" -lt 60000 ] || { echo "not ready in 60 s" >&2; kill "$pid"; exit 1; }
    sleep 0.05
  done
  ready_ms="$(ms_since "$start")"
  cpu_ready="$(cpu_ms "$pid")"
  rss_ready="$(rss "$pid")"
  started="$(grep -o 'Started RelayApplication in [0-9.]*' "$prepared/app-$mode-$2.log" | awk '{print $4}')"
  sleep 10
  rss_idle="$(rss "$pid")"
  ( while kill -0 "$pid" 2>/dev/null; do rss "$pid"; sleep 0.5; done ) >"$prepared/rss-$mode-$2.txt" 2>/dev/null &
  local sampler=$!
  result="$("$BENCH/ingest-bench.sh" --url "http://127.0.0.1:$port/webhooks/iadvize" --secret "$SECRET" \
    --connections 16 --duration 10s --requests 50000 2>"$prepared/load-$mode-$2.log" | tail -1)"
  rss_after="$(rss "$pid")"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  peak="$(sort -n "$prepared/rss-$mode-$2.txt" | tail -1)"
  rps="$(python3 -c 'import json,sys; r=json.loads(sys.argv[1].split(" ",1)[1]); print(round(r["rps"]), r["status"].get("2xx",0), r["status"].get("5xx",0))' "$result")"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$2" "$ready_ms" "$started" "$rss_ready" "$rss_idle" "$peak" \
    "$rss_after" "$rps" "$load" "$cpu_ready" | tee -a "$RESULTS" >&2
}

log "machine: $(nproc) cores; $(free -h | awk '/^Mem/ {print $2 " memory, " $7 " available"}'); JVM: $("$JAVA" -version 2>&1 | head -1)"
log "mode run ready_ms spring_started_s rss_ready_MiB rss_idle10s_MiB rss_peak_load_MiB rss_after_load_MiB rps 2xx 5xx loadavg1_at_start cpu_ms_to_ready"
for i in $(seq 1 "$RUNS"); do
  for mode in $MODES; do
    run "$mode" "$i"
  done
done

python3 - "$RESULTS" "$MODES" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print(f"| | runs | ready (ms) | CPU to ready (ms) | Spring 'Started in' (s) | RSS at ready (MiB) | RSS idle +10 s (MiB) | RSS peak under load (MiB) | RSS after load (MiB) | load (req/s) |")
print("|---|---|---|---|---|---|---|---|---|---|")
names = {"aot": "with AOT cache", "no-aot": "without", "aot-serial": "with AOT cache, serial collector",
         "aot-g1": "with AOT cache, G1"}
for mode in sys.argv[2].split():
    rs = [r for r in rows if r[0] == mode]
    col = lambda i, f=float: [f(r[i]) for r in rs]
    def cell(i, f=float, fmt="{:.0f}"):
        values = col(i, f)
        return fmt.format(statistics.median(values)) + " (" + ", ".join(fmt.format(v) for v in values) + ")"
    rps = [float(r[8].split()[0]) for r in rs]
    print(f"| {names[mode]} | {len(rs)} | {cell(2)} | {cell(10)} | {cell(3, fmt='{:.2f}')} | {cell(4)} | {cell(5)} | {cell(6)} | {cell(7)} | "
          f"{statistics.median(rps):.0f} (" + ", ".join(f"{v:.0f}" for v in rps) + ") |")
print()
print("Median first, then each run. Raw rows: mode, run, ready_ms, started_s, rss_ready, rss_idle, rss_peak, rss_after, 'rps 2xx 5xx', load average (1 min) at the start, CPU ms to ready:")
for r in rows:
    print("    " + " ".join(r))
PY
