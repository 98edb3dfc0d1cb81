#!/usr/bin/env bash
# Runs one nightly date through bin/resnet-submit and reacts to its exit code (see 'resnet nightly --help'):
#   0 done (promoted, or skipped: the date was complete)  -> exit 0
#   4 temporary failure (storage/cluster error, date locked) -> wait RETRY_WAIT_SECONDS and retry, at most RETRIES times
#   2 bad usage, 3 bad data, 5 quality gate failed, 1 bug -> no retry: exit with that code (alert on it)
# The date is fixed once (today in UTC, or the first argument), so a retry after midnight still runs the same date.
# Each attempt's last stdout line, the one-line JSON summary, is appended to SUMMARY_LOG for alerting.
# Settings: /etc/spark-resnet/nightly.env (or NIGHTLY_ENV), see nightly.env next to this script.
set -o pipefail
env_file="$NIGHTLY_ENV"
[ -n "$env_file" ] || env_file=/etc/spark-resnet/nightly.env
# shellcheck disable=SC1090
[ -r "$env_file" ] && . "$env_file"
[ -n "$RESNET_HOME" ] || { echo "nightly: set RESNET_HOME (the unpacked distribution) in $env_file" >&2; exit 2; }
export SPARK_HOME RESNET_HOME
date_arg="$1"
[ -n "$date_arg" ] || date_arg="$(date -u +%Y-%m-%d)"
retries="$RETRIES"; [ -n "$retries" ] || retries=3
wait_seconds="$RETRY_WAIT_SECONDS"; [ -n "$wait_seconds" ] || wait_seconds=900
summary_log="$SUMMARY_LOG"; [ -n "$summary_log" ] || summary_log=/var/log/spark-resnet/nightly-summary.log

try=0
while true; do
  out="$(mktemp)"
  # word splitting of SUBMIT_OPTS and NIGHTLY_OPTS is intended
  # shellcheck disable=SC2086
  "$RESNET_HOME/bin/resnet-submit" $SUBMIT_OPTS -- nightly $NIGHTLY_OPTS --date "$date_arg" | tee "$out"
  code=$?
  tail -n 1 "$out" >> "$summary_log" 2>/dev/null || true
  rm -f "$out"
  if [ "$code" -ne 4 ] || [ "$try" -ge "$retries" ]; then
    exit "$code"
  fi
  try=$((try + 1))
  echo "nightly: temporary failure (exit 4) for $date_arg; retry $try of $retries in $wait_seconds s" >&2
  sleep "$wait_seconds"
done
