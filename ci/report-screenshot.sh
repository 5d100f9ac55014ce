#!/usr/bin/env bash
# Renders the HTML report in headless Chromium and checks that a screenshot
# comes out (issue 7). The report must exist: run `benchgate gate` or
# `benchgate report` first.
#
# Usage: bash ci/report-screenshot.sh [REPORT_HTML] [SCREENSHOT_PNG] [HEIGHT]
# The window is 1400 px wide and HEIGHT (default 2200) px tall; 900 shows
# what the first screen of a laptop shows.
# Exit: 0 = screenshot written, 1 = Chromium ran but produced no image,
#       2 = usage error (no report), 3 = Chromium is not installed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

report=${1:-reports/index.html}
shot=${2:-target/report-screenshot.png}
height=${3:-2200}

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "report-screenshot: no Chromium found; install Debian's \`chromium\` package" >&2
  exit 3
fi
if [ ! -f "$report" ]; then
  echo "report-screenshot: $report does not exist; run \`benchgate gate\` or \`benchgate report\` first" >&2
  exit 2
fi

mkdir -p "$(dirname "$shot")"
rm -f "$shot"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The background-networking flags keep Chromium from dialling Google's
# services, which a closed CI network refuses over and over.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" \
  --window-size=1400,"$height" --screenshot="$(realpath -m "$shot")" \
  "file://$(realpath "$report")" > "$profile/chromium.log" 2>&1
code=$?

if [ ! -s "$shot" ] || [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
  echo "report-screenshot: Chromium (exit $code) wrote no PNG at $shot; its log:" >&2
  cat "$profile/chromium.log" >&2
  exit 1
fi
echo "report-screenshot: $report rendered to $shot ($(stat -c %s "$shot") bytes)"
