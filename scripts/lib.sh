# Shared set-up for scripts/demo.sh and scripts/test.sh: dependencies and local services.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

ensure_node_modules() {
  command -v node >/dev/null || die "Node.js 20+ is required"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  # The typed client (libs/api-client) is a package of its own, with its own lock and TypeScript 5.
  if [ ! -d libs/api-client/node_modules ] || [ libs/api-client/package-lock.json -nt libs/api-client/node_modules/.package-lock.json ]; then
    log "installing the typed client's dependencies (npm ci in libs/api-client)"
    npm ci --prefix libs/api-client --no-audit --no-fund --loglevel=error
  fi
}

apt_install() {
  [ "$(id -u)" = 0 ] || die "$* is missing and installing it needs root; install it or set DATABASE_URL/REDIS_URL"
  command -v apt-get >/dev/null || die "$* is missing and this system has no apt-get; install it or set DATABASE_URL/REDIS_URL"
  log "installing $* from the system's packages"
  if [ -z "${APT_UPDATED:-}" ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

is_local() { case "$1" in *@127.0.0.1*|*@localhost*|*//127.0.0.1*|*//localhost*) return 0;; *) return 1;; esac; }

start_postgres() {
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    # A fresh cluster asks for passwords on TCP; this is a local development database.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    done
  fi
  local version; version="$(ls /etc/postgresql | sort -V | tail -1)"
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || pg_ctlcluster "$version" main start 2>/dev/null \
    || su postgres -c "pg_ctlcluster $version main start" || true
}

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  local port; port="$(node -e 'console.log(new URL(process.env.REDIS_URL).port || 6379)')"
  log "starting redis-server on port $port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
}

# test/postfix.e2e-spec.ts runs a Postfix instance of its own (own config, queue and port); only the
# package is needed. "No configuration" keeps the package from setting up the system's own instance.
ensure_postfix() {
  [ -x /usr/sbin/postfix ] && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
    || die "Postfix is missing (test/postfix.e2e-spec.ts runs its own instance): install Debian's postfix package, or run the tests as root on a system with apt-get"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt_install postfix
}

ensure_services() {
  local status=0
  node scripts/check-services.js || status=$?
  if [ $((status & 1)) -ne 0 ]; then
    is_local "$DATABASE_URL" || die "PostgreSQL does not answer at $DATABASE_URL"
    start_postgres
  fi
  if [ $((status & 2)) -ne 0 ]; then
    is_local "$REDIS_URL" || die "Redis does not answer at $REDIS_URL"
    start_redis
  fi
  for _ in $(seq 1 30); do
    status=0; node scripts/check-services.js || status=$?
    [ "$status" = 0 ] && return 0
    sleep 1
  done
  [ $((status & 1)) -ne 0 ] && die "PostgreSQL does not answer at $DATABASE_URL"
  die "Redis does not answer at $REDIS_URL"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
    || die "Chromium is missing (test/dashboard.e2e-spec.ts drives it): install Debian's chromium package, or run the tests as root on a system with apt-get"
  apt_install chromium
}
