#!/usr/bin/env bash
# Check the HTML weekly report in a real browser: render it, screenshot it in headless
# Chromium with the network blocked, and leave the PNG to look at.
#
# Installs nothing. Needs:
#   - triage installed in the Python that $PYTHON names (default: python3), matplotlib included;
#   - chromium on PATH (Debian: apt-get install chromium);
#   - a CJK font so the Chinese labels render (Debian: apt-get install fonts-noto-cjk);
#     without one, the labels show as boxes and this script says so.
#
# Usage: benchmarks/check_report_html.sh [INPUT] [WEEK] [OUT_DIR]
#   INPUT    complaint file (default: tests/data/report_input.csv, the golden-test input)
#   WEEK     ISO week (default: 2025-W31)
#   OUT_DIR  where report.html and report.png go (default: a new temporary folder)
# Then open OUT_DIR/report.png: the headline, two charts (category bars, trend lines) with
# readable Chinese labels, and the tables should all be there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
input="${1:-$here/tests/data/report_input.csv}"
week="${2:-2025-W31}"
out="${3:-$(mktemp -d)}"
python="${PYTHON:-python3}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

command -v chromium >/dev/null || { echo "needs chromium (Debian: apt-get install chromium)" >&2; exit 1; }
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    echo "warning: no CJK font found (Debian: apt-get install fonts-noto-cjk); Chinese will show as boxes" >&2
fi

"$python" -m triage report "$input" --week "$week" --format html -o "$out/report.html" --force

# Self-contained: no scripts, stylesheets or images fetched from anywhere.
if grep -Eo '(src|href)="[^"#]*"|url\([^#)][^)]*\)|@import' "$out/report.html" | grep -q .; then
    echo "FAIL: report.html refers to outside resources:" >&2
    grep -Eo '(src|href)="[^"#]*"|url\([^#)][^)]*\)|@import' "$out/report.html" >&2
    exit 1
fi

# A proxy that does not exist: any network fetch fails, so the screenshot shows the offline page.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --proxy-server="127.0.0.1:9" --window-size=1200,2000 \
    --screenshot="$out/report.png" "file://$out/report.html" 2>/dev/null

size=$(stat -c %s "$out/report.png")
[ "$size" -gt 50000 ] || { echo "FAIL: screenshot is only $size bytes" >&2; exit 1; }
echo "ok: $out/report.html ($(stat -c %s "$out/report.html") bytes) -> $out/report.png ($size bytes)"
