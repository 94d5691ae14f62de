#!/usr/bin/env bash
# The local real stack: OpenSearch (Maven Central zip, run as an unprivileged user), moto server
# (project virtualenv) and kinesalite. Idempotent: `install` fetches what is missing, `up` starts
# what is not running, `down` stops what this script started, `status` prints endpoints.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${CENSUS_STACK_DIR:-$ROOT/.stack}"
OS_VERSION="${CENSUS_OPENSEARCH_VERSION:-2.19.3}"
OS_HOME="$STACK/opensearch-$OS_VERSION"
OS_PORT="${CENSUS_OPENSEARCH_PORT:-9250}"
OS_HEAP="${CENSUS_OPENSEARCH_HEAP:-2g}"
OS_USER="${CENSUS_OPENSEARCH_USER:-census-os}"
MOTO_PORT="${CENSUS_MOTO_PORT:-5055}"
KINESIS_PORT="${CENSUS_KINESIS_PORT:-4567}"
VENV="$STACK/venv"
RUN="$STACK/run"

die() { echo "stack: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "missing prerequisite '$1': $2"; }

install_python() {
  need python3 "install Python 3.11 with pip and venv"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "stack: creating virtualenv $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  local stamp="$VENV/.requirements.sha"
  local want; want="$(sha256sum "$ROOT/scripts/requirements.txt" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "stack: installing Python tools (moto server, cfn-lint, openpyxl, py-ocsf-models)"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/scripts/requirements.txt" || die "pip install failed"
    echo "$want" > "$stamp"
  fi
}

install_opensearch() {
  [ -x "$OS_HOME/bin/opensearch" ] && return 0
  need java "install JDK 17 (OpenSearch 2.x runs on it)"
  need mvn "install Maven: the OpenSearch zip comes from Maven Central"
  need unzip "install unzip"
  local artifact="org.opensearch.distribution.integ-test-zip:opensearch:$OS_VERSION:zip"
  local zip="$HOME/.m2/repository/org/opensearch/distribution/integ-test-zip/opensearch/$OS_VERSION/opensearch-$OS_VERSION.zip"
  if [ ! -f "$zip" ]; then
    echo "stack: fetching $artifact"
    mvn -q -B dependency:get -Dartifact="$artifact" -Dtransitive=false || die "could not fetch $artifact from Maven Central"
  fi
  mkdir -p "$STACK"
  local tmp; tmp="$(mktemp -d "$STACK/unzip.XXXX")"
  unzip -q "$zip" -d "$tmp"
  mv "$tmp/opensearch-$OS_VERSION" "$OS_HOME"; rmdir "$tmp"
  cat >> "$OS_HOME/config/opensearch.yml" <<YML
cluster.name: census-local
node.name: census-local-1
network.host: 127.0.0.1
http.port: $OS_PORT
transport.port: $((OS_PORT + 100))
discovery.type: single-node
# a nearly full disk on a dev machine must not turn indexes read-only mid-test
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
YML
}

# LibreOffice (headless) and poppler print the scorecards to PDF/PNG for the print-layout test and
# `npm run scorecards:preview`; installed only when missing.
install_print_tools() {
  command -v soffice >/dev/null && command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null && return 0
  local sudo=""; [ "$(id -u)" = "0" ] || sudo="sudo -n"
  command -v apt-get >/dev/null || die "install LibreOffice (soffice) and poppler-utils (pdftotext, pdftoppm)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libreoffice-calc-nogui poppler-utils >/dev/null \
    || { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libreoffice-calc-nogui poppler-utils >/dev/null; } \
    || die "apt-get could not install libreoffice-calc-nogui poppler-utils"
}

install_all() {
  need node "install Node.js 20"
  [ -d "$ROOT/node_modules" ] || (cd "$ROOT" && npm ci --no-audit --no-fund)
  install_python
  install_opensearch
  install_print_tools
}

os_user_prefix() {
  # OpenSearch refuses to run as root; there is no setting to override that.
  if [ "$(id -u)" = "0" ]; then
    id "$OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER" \
      || die "could not create user $OS_USER"
    chown -R "$OS_USER" "$OS_HOME"
    echo "runuser -u $OS_USER --"
  fi
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }
wait_for() { # url name seconds
  local i
  for ((i = 0; i < $3 * 2; i++)); do http_ok "$1" && return 0; sleep 0.5; done
  return 1
}

up_opensearch() {
  local url="http://127.0.0.1:$OS_PORT"
  if http_ok "$url"; then return 0; fi
  install_opensearch
  mkdir -p "$RUN"; chmod 777 "$RUN"
  local prefix; prefix="$(os_user_prefix)"
  # the integ-test zip has no bundled JDK: point it at the machine's
  local java_home="${JAVA_HOME:-}"
  [ -n "$java_home" ] || java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  echo "stack: starting OpenSearch $OS_VERSION on $url"
  # shellcheck disable=SC2086
  $prefix env OPENSEARCH_JAVA_OPTS="-Xms$OS_HEAP -Xmx$OS_HEAP" OPENSEARCH_JAVA_HOME="$java_home" JAVA_HOME="$java_home" \
    "$OS_HOME/bin/opensearch" -d -p "$RUN/opensearch.pid" >"$RUN/opensearch.out" 2>&1 \
    || die "OpenSearch failed to start: see $OS_HOME/logs/census-local.log"
  wait_for "$url/_cluster/health?wait_for_status=yellow&timeout=1s" OpenSearch 120 \
    || die "OpenSearch did not answer on $url within 120 s: see $OS_HOME/logs/census-local.log"
}

up_moto() {
  local url="http://127.0.0.1:$MOTO_PORT"
  if http_ok "$url/moto-api/config"; then return 0; fi
  install_python
  mkdir -p "$RUN"
  echo "stack: starting moto server on $url"
  # MOTO_ACCOUNT_ID must stay unset: it would override the accounts of assumed-role credentials.
  env -u MOTO_ACCOUNT_ID nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$RUN/moto.log" 2>&1 &
  echo $! > "$RUN/moto.pid"
  wait_for "$url/moto-api/config" moto 60 || die "moto did not answer on $url: see $RUN/moto.log"
}

up_kinesalite() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$KINESIS_PORT") 2>/dev/null; then return 0; fi
  mkdir -p "$RUN"
  echo "stack: starting kinesalite on http://127.0.0.1:$KINESIS_PORT"
  nohup node "$ROOT/node_modules/kinesalite/cli.js" --port "$KINESIS_PORT" --createStreamMs 0 \
    --deleteStreamMs 0 --updateStreamMs 0 --shardLimit 200 >"$RUN/kinesalite.log" 2>&1 &
  echo $! > "$RUN/kinesalite.pid"
  local i
  for ((i = 0; i < 40; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$KINESIS_PORT") 2>/dev/null && return 0; sleep 0.25; done
  die "kinesalite did not start: see $RUN/kinesalite.log"
}

stop_pid() {
  local f="$RUN/$1.pid"
  [ -f "$f" ] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

status() {
  local s
  s() { if $1; then echo up; else echo down; fi; }
  echo "opensearch http://127.0.0.1:$OS_PORT $(s "http_ok http://127.0.0.1:$OS_PORT")"
  echo "moto       http://127.0.0.1:$MOTO_PORT $(s "http_ok http://127.0.0.1:$MOTO_PORT/moto-api/config")"
  local k=down; (exec 3<>"/dev/tcp/127.0.0.1/$KINESIS_PORT") 2>/dev/null && k=up
  echo "kinesis    http://127.0.0.1:$KINESIS_PORT $k"
}

case "${1:-status}" in
  install) install_all ;;
  up) install_all; up_moto; up_kinesalite; up_opensearch; status ;;
  down) stop_pid kinesalite; stop_pid moto; stop_pid opensearch; status ;;
  status) status ;;
  env)
    echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT"
    echo "export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$KINESIS_PORT"
    echo "export CENSUS_OPENSEARCH_URL=http://127.0.0.1:$OS_PORT" ;;
  *) die "usage: stack.sh install|up|down|status|env" ;;
esac
