# shellcheck shell=bash disable=SC2034 # variables here are used by the scripts that source this file
# Shared helpers for the deploy/local scripts (up, down, kafka-topics, produce, consume).
# Sourced, never executed. The sourcing script sets `set -euo pipefail`.
#
# Everything this code writes lives under the state dir (default <repo>/.local, git-ignored):
#   kafka/classpath.txt      resolved broker classpath (+ classpath.pom.sha256: re-resolve when the pom changes)
#   kafka/cluster.id         KRaft cluster id, generated once
#   kafka/server.properties  broker config, regenerated on every start
#   kafka/data/              broker + controller log dirs (down --purge deletes it)
#   logs/                    kafka-server.log, kafka.out, standings.log, redis.log
#   started/                 what `up` started and `down` may stop:
#                              kafka.pid, standings.pid, redis (pid), postgresql ("<version> <cluster>")

# ---------------------------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------------------------
LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"   # <repo>/deploy/local
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
STATE_DIR="${STANDINGS_STATE_DIR:-$REPO_ROOT/.local}"
STARTED_DIR="$STATE_DIR/started"
LOG_DIR="$STATE_DIR/logs"
KAFKA_STATE="$STATE_DIR/kafka"
KAFKA_DATA="$KAFKA_STATE/data"
KAFKA_POM="$LOCAL_DIR/kafka/pom.xml"

# ---------------------------------------------------------------------------------------------
# Configuration: the Java application reads exactly these names; `up` exports them to it.
# ---------------------------------------------------------------------------------------------
export HTTP_PORT="${HTTP_PORT:-8080}"
export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PG_HOST="${PG_HOST:-127.0.0.1}"
export PG_PORT="${PG_PORT:-5432}"
export PG_DATABASE="${PG_DATABASE:-standings}"
export PG_USER="${PG_USER:-standings}"
export PG_PASSWORD="${PG_PASSWORD:-standings}"
if [[ -n "${STANDINGS_ADMIN_API_KEY:-}" ]]; then export STANDINGS_ADMIN_API_KEY; fi

# Used by the scripts only.
STANDINGS_TOPIC="${STANDINGS_TOPIC:-standings.score-events}"
STANDINGS_CHANGELOG_TOPIC="${STANDINGS_CHANGELOG_TOPIC:-standings.score-changelog}"
STANDINGS_CONTROL_TOPIC="${STANDINGS_CONTROL_TOPIC:-standings.control}"
STANDINGS_TOPIC_PARTITIONS="${STANDINGS_TOPIC_PARTITIONS:-6}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# Small, fast-starting JVM for the command-line tools (topic list/create, console producer).
KAFKA_TOOL_JAVA_OPTS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  "-Dlog4j2.configurationFile=$LOCAL_DIR/kafka/tools-log4j2.properties")

# The local broker listens on the first host:port of KAFKA_BOOTSTRAP_SERVERS.
_first_bootstrap="${KAFKA_BOOTSTRAP_SERVERS%%,*}"
KAFKA_HOST="${_first_bootstrap%:*}"
KAFKA_PORT="${_first_bootstrap##*:}"

# REDIS_URL = redis://[user:password@]host[:port][/db][?options]
_redis_rest="${REDIS_URL#*://}"
_redis_rest="${_redis_rest##*@}"
_redis_rest="${_redis_rest%%[/?]*}"
if [[ "$_redis_rest" == \[* ]]; then                      # [ipv6]:port
  REDIS_HOST="${_redis_rest%%]*}"; REDIS_HOST="${REDIS_HOST#[}"
  _redis_port="${_redis_rest##*]}"; _redis_port="${_redis_port#:}"
elif [[ "$_redis_rest" == *:* ]]; then
  REDIS_HOST="${_redis_rest%:*}"; _redis_port="${_redis_rest##*:}"
else
  REDIS_HOST="$_redis_rest"; _redis_port=""
fi
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-${_redis_port:-6379}}"
unset _first_bootstrap _redis_rest _redis_port
# The local Redis Cluster of `up --redis-cluster`: 3 primaries + 3 replicas on these ports.
REDIS_CLUSTER_PORTS=(7000 7001 7002 7003 7004 7005)
REDIS_CLUSTER_URL="redis://127.0.0.1:7000,redis://127.0.0.1:7001,redis://127.0.0.1:7002"

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
SCRIPT_NAME="$(basename "$0")"
log()  { printf '[%s %s] %s\n' "$SCRIPT_NAME" "$(date +%H:%M:%S)" "$*"; }
warn() { printf '[%s %s] WARNING: %s\n' "$SCRIPT_NAME" "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[%s %s] ERROR: %s\n' "$SCRIPT_NAME" "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Small utilities
# ---------------------------------------------------------------------------------------------

# is_local_host HOST: true for the loopback names this machine can start servers for.
is_local_host() {
  case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

# port_open HOST PORT: true if a TCP connect succeeds within 1 s.
port_open() {
  # shellcheck disable=SC2016 # $1 $2 expand in the child bash
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# cmdline_of PID: the process's command line with NULs turned into spaces ("" if gone).
cmdline_of() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# pid_alive PID: true if PID exists and is not a zombie (an exited child nobody reaped yet,
# common in containers whose pid 1 does not reap).
pid_alive() {
  local stat
  [[ "$1" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"                          # field 3 follows "(comm) "
  [[ "${stat:0:1}" != Z ]]
}

# pid_matches PID PATTERN: true if PID is alive and its command line contains PATTERN.
# Guards against killing an unrelated process that reused a recorded pid.
pid_matches() {
  local pid="$1" pattern="$2"
  pid_alive "$pid" && [[ "$(cmdline_of "$pid")" == *"$pattern"* ]]
}

# pid_gone PID: negation of pid_alive, for wait_until.
pid_gone() { ! pid_alive "$1"; }

# read_pid FILE: first word of FILE ("" if missing).
read_pid() {
  local pid=""
  if [[ -f "$1" ]]; then read -r pid _ <"$1" || true; fi
  printf '%s' "$pid"
}

# as_root CMD...: run CMD as root (directly when root, else via non-interactive sudo).
as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else die "need root (or passwordless sudo) to run: $*"
  fi
}

# apt_install PKG...: install Debian packages, running `apt-get update` once per script run.
_APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
  log "installing Debian packages: $*"
  if [[ -z "$_APT_UPDATED" ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >"$LOG_DIR/apt.log" 2>&1 9>&- \
      || { tail -n 20 "$LOG_DIR/apt.log" >&2; die "apt-get update failed (log: $LOG_DIR/apt.log)"; }
    _APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    </dev/null >>"$LOG_DIR/apt.log" 2>&1 9>&- \
    || { tail -n 20 "$LOG_DIR/apt.log" >&2; die "apt-get install $* failed (log: $LOG_DIR/apt.log)"; }
}

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.5 s until it succeeds; false on timeout.
wait_until() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then warn "timed out after ${seconds}s waiting for $what"; return 1; fi
    sleep 0.5
  done
}

ensure_state_dirs() {
  mkdir -p "$STARTED_DIR" "$LOG_DIR" "$KAFKA_DATA"
}

# lock_state_dir: serialise up/down runs on one state dir (fd 9, released at exit).
# Every process started in the background closes fd 9 (`9>&-`) so it does not keep the lock.
lock_state_dir() {
  exec 9>"$STATE_DIR/.lock"
  flock -w 300 9 || die "another deploy/local up/down holds $STATE_DIR/.lock"
}

# ---------------------------------------------------------------------------------------------
# Kafka classpath (from deploy/local/kafka/pom.xml via the Maven wrapper)
# ---------------------------------------------------------------------------------------------

# kafka_classpath: print the broker classpath, resolving it only when the pom changed
# (or a jar vanished from the local Maven repository).
kafka_classpath() {
  local cp_file="$KAFKA_STATE/classpath.txt" sum_file="$KAFKA_STATE/classpath.pom.sha256"
  local sum cp jar missing=""
  sum="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -s "$cp_file" && -f "$sum_file" && "$(cat "$sum_file")" == "$sum" ]]; then
    cp="$(cat "$cp_file")"
    local -a jars
    IFS=: read -r -a jars <<<"$cp"
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { missing="$jar"; break; }; done
    if [[ -z "$missing" ]]; then printf '%s' "$cp"; return 0; fi
    log "cached Kafka classpath refers to a missing jar ($missing); resolving again" >&2
  fi
  log "resolving the Kafka broker classpath from ${KAFKA_POM#"$REPO_ROOT"/} (first time downloads ~60 MB)" >&2
  mkdir -p "$KAFKA_STATE"
  (cd "$REPO_ROOT" && ./mvnw -q -B -f "$KAFKA_POM" dependency:build-classpath \
      -Dmdep.outputFile="$cp_file.tmp" </dev/null >&2) \
    || die "could not resolve the Kafka classpath (./mvnw -f ${KAFKA_POM#"$REPO_ROOT"/} dependency:build-classpath)"
  mv "$cp_file.tmp" "$cp_file"
  printf '%s\n' "$sum" >"$sum_file"
  cat "$cp_file"
}

# kafka_tool CLASS ARGS...: run a Kafka command-line class (TopicCommand, ConsoleProducer, ...)
# against the resolved classpath. The classpath goes through $CLASSPATH to keep `ps` readable.
kafka_tool() {
  local cp class="$1"; shift
  cp="$(kafka_classpath)"
  CLASSPATH="$cp" java "${KAFKA_TOOL_JAVA_OPTS[@]}" "$class" "$@"
}

# has_option NAME ARGS...: true if ARGS contains NAME or NAME=...
has_option() {
  local name="$1" arg; shift
  for arg in "$@"; do [[ "$arg" == "$name" || "$arg" == "$name="* ]] && return 0; done
  return 1
}
