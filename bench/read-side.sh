#!/usr/bin/env bash
# Read-side HTTP benchmark: loads a board of N entities through Kafka into a packaged Standings
# (isolated topic, Redis prefix, consumer group and PostgreSQL schema), then runs wrk against the
# entry lookup and top-100, and redis-benchmark's ZREVRANK / ZREVRANGE on the same board's sorted set
# as the reference. Usage: bench/read-side.sh [N] [connections] [seconds]   (after ./mvnw package)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; C=${2:-64}; D=${3:-10}
ID=bench$$; PORT=${PORT:-18080}; TOPIC=standings.score-events.$ID; PREFIX="$ID:"
M2=~/.m2/repository
CP=$M2/org/apache/kafka/kafka-clients/4.3.1/kafka-clients-4.3.1.jar:$M2/org/slf4j/slf4j-api/2.0.7/slf4j-api-2.0.7.jar
LOG=target/bench-$ID.log
echo "# $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), N=$N, connections=$C, ${D}s each"
STANDINGS_TOPIC=$TOPIC STANDINGS_CONSUMER_GROUP=$ID STANDINGS_REDIS_PREFIX=$PREFIX HTTP_PORT=$PORT \
  java -Xmx1g -Dquarkus.flyway.schemas=$ID -Dquarkus.flyway.default-schema=$ID -Dquarkus.flyway.create-schemas=true \
  "-Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/standings?currentSchema=$ID" \
  "-Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/standings?search_path=$ID" \
  -jar target/quarkus-app/quarkus-run.jar > "$LOG" 2>&1 &
APP=$!
cleanup() {
  kill "$APP" 2>/dev/null || true; wait "$APP" 2>/dev/null || true
  redis-cli --scan --pattern "$PREFIX*" | xargs -r redis-cli unlink > /dev/null
  psql -h 127.0.0.1 -U standings -d standings -qc "DROP SCHEMA IF EXISTS $ID CASCADE" 2>/dev/null || true
  java -cp "$CP" bench/DeleteTopics.java 127.0.0.1:9092 "$TOPIC" "$TOPIC.dlq" 2>/dev/null || true
}
trap cleanup EXIT
until curl -sf "http://127.0.0.1:$PORT/q/health/live" > /dev/null; do sleep 0.5; done
java -cp "$CP" bench/LoadBoard.java 127.0.0.1:9092 "$TOPIC" bench "$N"
until [ "$(curl -sf "http://127.0.0.1:$PORT/api/v1/boards/bench" | sed -E 's/.*"entries":([0-9]+).*/\1/')" = "$N" ] 2>/dev/null; do sleep 0.5; done
echo "loaded; board bench has $N entries"
KEY="${PREFIX}{bench@all}:scores"
echo "redis key: $KEY (type $(redis-cli type "$KEY"), $(redis-cli zcard "$KEY") members)"
MEMBER=$(redis-cli zrange "$KEY" 0 0)
echo "## entry lookup: wrk GET /api/v1/boards/bench/entries/player-XXXXXX (random)"
BENCH_N=$N wrk -t2 -c"$C" -d"${D}s" --latency -s bench/entry.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|50%|99%|Latency "
echo "## reference: redis-benchmark ZREVRANK (same set, same member)"
redis-benchmark -c "$C" -n 200000 -q ZREVRANK "$KEY" "$MEMBER" | tr '\r' '\n' | tail -1
echo "## top-100: wrk GET /api/v1/boards/bench/top?limit=100"
wrk -t2 -c"$C" -d"${D}s" --latency "http://127.0.0.1:$PORT/api/v1/boards/bench/top?limit=100" | grep -E "Requests/sec|50%|99%|Latency "
echo "## reference: redis-benchmark ZREVRANGE 0 99 WITHSCORES"
redis-benchmark -c "$C" -n 50000 -q ZREVRANGE "$KEY" 0 99 WITHSCORES | tr '\r' '\n' | tail -1
