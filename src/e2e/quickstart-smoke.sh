#!/usr/bin/env bash
# End to end as a user: quickstart on 1,000 training / 1,000 test images; checks the files it promises and the
# accuracy line it prints.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
log="$out/quickstart.log"
"$root/deploy/bin/quickstart" --limit 1000 --epochs 1 --out "$out/run" | tee "$log"
grep -Eq '^test accuracy 0\.[0-9]{4} \(1000 images\)$' "$log" || { echo "e2e: no accuracy line" >&2; exit 1; }
for f in data/train/manifest.json data/test/manifest.json model/model.zip model/metrics.json; do
  [ -s "$out/run/$f" ] || { echo "e2e: missing $f" >&2; exit 1; }
done
echo "e2e: quickstart smoke passed"
