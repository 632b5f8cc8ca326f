#!/usr/bin/env bash
# Nightly CREST audit: label --resume over yesterday's dt= partition (UTC) of the chat logs, plus the
# CREST_LOOKBACK_DAYS-1 days before it (files that arrived late are detected by the manifests and relabeled;
# unchanged days are skipped in seconds). Meant for cron on a machine that can run ./spark-submit.sh:
# a cluster's edge node (set CREST_MASTER) or a single big box (embedded local mode).
#
#   30 2 * * * CREST_INPUT=s3a://bucket/chat-logs CREST_OUTPUT=s3a://bucket/crest-audit \
#              CREST_MODEL=/opt/models/crest-base-onnx /opt/crest-spark/jobs/nightly.sh >> /var/log/crest-nightly.log 2>&1
#
# Environment: CREST_INPUT, CREST_OUTPUT, CREST_MODEL (required); CREST_MASTER (e.g. yarn, spark://host:7077;
# default: embedded local[*]); CREST_LOOKBACK_DAYS (default 1: yesterday only); CREST_DT (a day or FROM..TO,
# overrides the computed days, e.g. for a backfill); CREST_LABEL_ARGS (more label options, e.g.
# "--messages-col messages --roles user,assistant"); CREST_LOCK (lock file, default /tmp/crest-nightly.lock).
# The run ends with the audit report (label --report): CREST_OUTPUT/_crest_report/report.html (one self-contained
# page to open or mail), report.md, report.json and alerts.json over every committed day (docs/REPORT.md).
# CREST_FAIL_ON_ALERT=1 makes an alert (an unusual day, language or cluster) exit with 4, for paging.
# Exit code: the job's (0 done, 1 the job failed, 2 the command line or its input is wrong, e.g. yesterday's
# partition is missing, 4 an alert with CREST_FAIL_ON_ALERT=1), or 75 when another run still holds the lock.
# Re-running after a failure is always safe.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${CREST_INPUT:?set CREST_INPUT, the folder of dt=YYYY-MM-DD partitions, e.g. s3a://bucket/chat-logs}"
: "${CREST_OUTPUT:?set CREST_OUTPUT, e.g. s3a://bucket/crest-audit}"
: "${CREST_MODEL:?set CREST_MODEL, a model bundle folder on this machine}"
lookback="${CREST_LOOKBACK_DAYS:-1}"
if [ -n "${CREST_DT:-}" ]; then
  days="$CREST_DT"
elif [ "$lookback" -le 1 ]; then
  days="$(date -u -d yesterday +%F)"
else
  days="$(date -u -d "$lookback days ago" +%F)..$(date -u -d yesterday +%F)"
fi

# one run per output at a time: two runs would remove each other's staging folders
exec 9>"${CREST_LOCK:-/tmp/crest-nightly.lock}"
if ! flock -n 9; then
  echo "crest nightly: another run holds ${CREST_LOCK:-/tmp/crest-nightly.lock}; not starting" >&2
  exit 75
fi

echo "crest nightly: $(date -u +%FT%TZ) label --resume --dt $days, $CREST_INPUT -> $CREST_OUTPUT"
args=(label --resume --report --input "$CREST_INPUT" --output "$CREST_OUTPUT" --model "$CREST_MODEL" --dt "$days")
[ "${CREST_FAIL_ON_ALERT:-0}" = 1 ] && args+=(--fail-on-alert)
[ -n "${CREST_MASTER:-}" ] && args+=(--master "$CREST_MASTER")
# shellcheck disable=SC2206
[ -n "${CREST_LABEL_ARGS:-}" ] && args+=(${CREST_LABEL_ARGS})
"$here/spark-submit.sh" "${args[@]}"
