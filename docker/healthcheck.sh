#!/usr/bin/env bash
# The image's HEALTHCHECK: GET /actuator/health/readiness over plain HTTP with bash alone (the JRE image has
# neither curl nor wget). Healthy when the answer is 200 (Relay answers 503 while the database is unreachable).
# Port: RELAY_HEALTHCHECK_PORT, else MANAGEMENT_SERVER_PORT, else SERVER_PORT, else 8080.
set -euo pipefail
port="${RELAY_HEALTHCHECK_PORT:-${MANAGEMENT_SERVER_PORT:-${SERVER_PORT:-8080}}}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /actuator/health/readiness HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 4 status_line <&3
exec 3<&-
case "${status_line}" in
  "HTTP/1.1 200"*) exit 0 ;;
  *) echo "readiness: ${status_line:-no answer}" >&2; exit 1 ;;
esac
