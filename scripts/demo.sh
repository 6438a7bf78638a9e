#!/usr/bin/env bash
# Brings up the whole system with demo data: API + worker, in the foreground. Ctrl-C stops both.
source "$(dirname "$0")/lib.sh"
ensure_node_modules
ensure_services
log "building"
npm run -s build
log "migrating and loading demo data"
export ADMIN_BOOTSTRAP_TOKEN="${ADMIN_BOOTSTRAP_TOKEN:-hk_demo_admin_token_do_not_use_in_production}"
node dist/apps/api/src/cli/seed.js
PORT="${PORT:-3000}"; WORKER_PORT="${WORKER_PORT:-3001}"
export PORT WORKER_PORT PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
mkdir -p .run
# Outreach mail goes to a local SMTP sink that keeps every message as an .eml file.
SMTP_PORT="${SMTP_PORT:-1025}"; MAIL_DIR="$ROOT/var/mail"
export SMTP_URL="${SMTP_URL:-smtp://127.0.0.1:$SMTP_PORT}"
node scripts/smtp-sink.js --port "$SMTP_PORT" --dir "$MAIL_DIR" > .run/mail.log 2>&1 & SINK_PID=$!
node dist/apps/api/src/main.js > .run/api.log 2>&1 & API_PID=$!
node dist/apps/worker/src/main.js > .run/worker.log 2>&1 & WORKER_PID=$!
healthy() { node -e "fetch('http://127.0.0.1:$1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; }
STOPPED=""
stop() { [ -n "$STOPPED" ] && return; STOPPED=1; kill $API_PID $WORKER_PID $SINK_PID 2>/dev/null || true; wait 2>/dev/null || true; log "stopped"; }
trap 'stop; exit 0' INT TERM
trap stop EXIT
for _ in $(seq 1 60); do
  if healthy "$PORT" && healthy "$WORKER_PORT"; then
    cat <<MSG

  API        http://127.0.0.1:$PORT
  API docs   http://127.0.0.1:$PORT/docs
  Worker     http://127.0.0.1:$WORKER_PORT/health
  Queues     http://127.0.0.1:$PORT/admin/queues  (Bull Board: any user name, the admin token as password)
  Mail       sent mail lands in $MAIL_DIR/*.eml; .run/mail.log has one line per message
  Admin token (demo only): $ADMIN_BOOTSTRAP_TOKEN
  Logs       .run/api.log, .run/worker.log, .run/mail.log

  Try: curl -H "Authorization: Bearer $ADMIN_BOOTSTRAP_TOKEN" http://127.0.0.1:$PORT/v1/task-forces
  Ctrl-C stops everything.
MSG
    wait -n $API_PID $WORKER_PID $SINK_PID || true
    die "a process stopped; see .run/api.log and .run/worker.log"
  fi
  kill -0 $API_PID 2>/dev/null || { tail -20 .run/api.log; die "the API failed to start"; }
  kill -0 $WORKER_PID 2>/dev/null || { tail -20 .run/worker.log; die "the worker failed to start"; }
  kill -0 $SINK_PID 2>/dev/null || { tail -20 .run/mail.log; die "the SMTP sink failed to start (is port $SMTP_PORT taken? set SMTP_PORT)"; }
  sleep 1
done
die "API or worker did not become healthy within 60 s; see .run/*.log"
