#!/usr/bin/env bash
# SSE fan-out benchmark: K subscribers of one board's top-10 stream on a packaged Standings while
# events are produced at R/s for D s; prints the push delay (produce -> received by the client).
# Then the floor: the same K subscribers of a bare Vert.x server that pushes a top-10 frame of the same
# size every 50 ms and does nothing else (deploy/bench/floor/HttpFloor.java), no events produced.
# Usage: deploy/bench/sse/sse-fanout.sh [K] [R] [D]   (after ./mvnw package)
# All K subscribers come from 127.0.0.1, so the per-client cap is raised to K for the run.
set -euo pipefail
cd "$(dirname "$0")/../../.."
bash deploy/bench/tools redis-cli
K=${1:-1000}; R=${2:-5000}; D=${3:-10}
ID=fan$$; PORT=${PORT:-18081}; TOPIC=standings.score-events.$ID; PREFIX="$ID:"
M2=~/.m2/repository
CP=$M2/org/apache/kafka/kafka-clients/4.3.1/kafka-clients-4.3.1.jar:$M2/org/slf4j/slf4j-api/2.0.7/slf4j-api-2.0.7.jar
LOG=target/bench-$ID.log
echo "# $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), K=$K subscribers, $R events/s, ${D}s"
STANDINGS_BOARDS_SEED=fan STANDINGS_TOPIC=$TOPIC STANDINGS_CONSUMER_GROUP=$ID STANDINGS_REDIS_PREFIX=$PREFIX HTTP_PORT=$PORT \
  java -Xms1g -Xmx1g ${BENCH_JAVA_OPTS:-} -Dstandings.sse.max-subscriptions-per-client=$K -Dquarkus.flyway.schemas=$ID -Dquarkus.flyway.default-schema=$ID -Dquarkus.flyway.create-schemas=true \
  "-Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/standings?currentSchema=$ID" \
  "-Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/standings?search_path=$ID" \
  -jar target/quarkus-app/quarkus-run.jar > "$LOG" 2>&1 &
APP=$!
cleanup() {
  kill "$APP" ${FLOOR:-} 2>/dev/null || true; wait "$APP" 2>/dev/null || true
  redis-cli --scan --pattern "$PREFIX*" | xargs -r redis-cli unlink > /dev/null
  psql -h 127.0.0.1 -U standings -d standings -qc "DROP SCHEMA IF EXISTS $ID CASCADE" 2>/dev/null || true
  java -cp "$CP" deploy/bench/sse/DeleteTopics.java 127.0.0.1:9092 "$TOPIC" "$TOPIC.dlq" 2>/dev/null || true
}
trap cleanup EXIT
until curl -sf "http://127.0.0.1:$PORT/q/health/live" > /dev/null; do sleep 0.5; done
java -cp "$CP" deploy/bench/sse/LoadBoard.java 127.0.0.1:9092 "$TOPIC" fan 1 | grep -v SLF4J
until curl -sf "http://127.0.0.1:$PORT/api/v1/boards/fan" > /dev/null; do sleep 0.5; done
ulimit -n 65536 2>/dev/null || true
java -Xmx512m -cp "$CP" deploy/bench/sse/SseFanout.java "http://127.0.0.1:$PORT" 127.0.0.1:9092 "$TOPIC" fan "$K" "$R" "$D" 2>&1 | grep -v SLF4J
echo "## server side: change applied to the index -> push started (standings_sse_push_delay_seconds)"
curl -s "http://127.0.0.1:$PORT/q/metrics" | grep -E '^standings_sse_(push_delay|tick)_seconds(\{quantile|_count|_max|_sum)' || true
echo "## ingest: apply latency per batch (standings_ingest_apply_seconds)"
curl -s "http://127.0.0.1:$PORT/q/metrics" | grep -E '^standings_ingest_apply_seconds(_count|_sum|_max)' || true
kill "$APP" 2>/dev/null || true; wait "$APP" 2>/dev/null || true
echo "## floor: the same $K subscribers of a bare Vert.x server pushing a top-10 frame every 50 ms, nothing else running"
java -Xms1g -Xmx1g -cp 'target/quarkus-app/lib/main/*' deploy/bench/floor/HttpFloor.java $((PORT + 1)) > target/bench-$ID-floor.log 2>&1 &
FLOOR=$!
until curl -sf "http://127.0.0.1:$((PORT + 1))/" > /dev/null; do sleep 0.2; done
java -Xmx512m -cp "$CP" deploy/bench/sse/SseFanout.java "http://127.0.0.1:$((PORT + 1))" 127.0.0.1:9092 "$TOPIC.floor" fan "$K" 0 "$D" 2>&1 | grep -v SLF4J
kill "$FLOOR" 2>/dev/null || true; wait "$FLOOR" 2>/dev/null || true
