#!/usr/bin/env bash
# Makes docs/report-screenshot.png, the README's picture of report.html: labels the bundled examples with the
# bundled demo model (language detection on, --report), opens the page in headless Chromium (Debian's chromium
# package) and shrinks the PNG with pngquant and optipng when they are installed.
#   tools/report-screenshot.sh [OUT.png] [WIDTHxHEIGHT]      defaults: docs/report-screenshot.png 1000x1500
# The window size is the crop: the page's top (alerts, totals, quarantine, languages, clusters) at 1000 px wide.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/report-screenshot.png}"
size="${2:-1000x1500}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "report-screenshot: no $chromium (apt-get install chromium)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
./spark-submit.sh label --input examples/messages.jsonl --output "$work/crest-demo" --detect-language --report
page="$work/crest-demo/_crest_report/report.html"

# a fresh profile and no background networking: the browser fetches nothing but the page
mkdir -p "$work/profile"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size="${size/x/,}" --screenshot="$work/shot.png" \
  "file://$page" 2>"$work/chromium.log" || { cat "$work/chromium.log" >&2; exit 1; }

if command -v pngquant >/dev/null 2>&1; then
  pngquant --force --quality 70-95 --speed 1 --output "$work/shot-q.png" "$work/shot.png" && mv "$work/shot-q.png" "$work/shot.png"
fi
if command -v optipng >/dev/null 2>&1; then
  optipng -quiet -o5 "$work/shot.png"
fi
cp "$work/shot.png" "$out"
echo "report-screenshot: $out, $(stat -c %s "$out") bytes, window $size"
