#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# report_html_test.sh — index.html of a failed run (tests/fixtures/results/
# 6.1-quick, Debian 6.1: 15 cases fail on dying_memcgs), written by the
# verdict step (run.sh --recheck here) and rendered by headless Chromium as
# a reader would see it offline: the page's text names the verdict and a
# failing case with its assertion, failing cases come before passing or
# skipped ones, the plots are embedded, and the screenshot is not blank.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "not ok: $*"; fail=1; }

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "not ok: chromium not installed (scripts/install-deps.sh installs it)"; exit 1; }

d=$tmp/6.1-quick
cp -r "$top/tests/fixtures/results/6.1-quick" "$d"
rc=0
"$top/scripts/verdict.sh" --recheck "$d" >/dev/null 2>"$tmp/verdict.err" || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/verdict.err"; no "verdict.sh --recheck 6.1-quick exit $rc, expected 1"; }
[ -s "$d/index.html" ] || { echo "not ok: no index.html"; exit 1; }

# Offline: nothing the page shows is fetched (no http(s) source or
# stylesheet); the plots are data: URIs.
grep -qE '(src|href)="https?:' "$d/index.html" && no "index.html loads something from the network"
if command -v gnuplot >/dev/null; then
	n=$(grep -c 'src="data:image/png;base64,' "$d/index.html")
	[ "$n" = 3 ] || no "$n plots embedded, expected 3 (dying_anon, dying_file, sizes_match)"
fi

# Chromium's own profile and cache go to the scratch folder; as root it
# needs --no-sandbox.
run_chromium() {
	HOME=$tmp timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$tmp/profile" --hide-scrollbars "$@" "file://$d/index.html" 2>>"$tmp/chromium.err"
}
run_chromium --dump-dom >"$tmp/dom.html" || { tail -n 5 "$tmp/chromium.err"; no "chromium --dump-dom failed"; }
# the text as read: tags removed, entities back
sed -e 's/<[^>]*>/ /g' -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g' "$tmp/dom.html" |
	tr -s ' \n' ' ' >"$tmp/text"
for want in "exit 1: test failure or kernel badness" "0 passed, 15 failed, 5 skipped" \
	"dying_file: dying_file.tree.offline" \
	"ASSERTION dying_memcgs: nr_dying_descendants=12 expected<=0 (waited 10032 ms)" \
	"debian linux-image-6.1.0-50-amd64 6.1.176-1"; do
	grep -qF -- "$want" "$tmp/text" || no "the rendered page lacks '$want'"
done
# failing first: the first case row is a failure, and no failure comes
# after a skipped case
order=$(grep -oE '<td class="(fail|crashed|hung|known|skip|not_run|pass)">' "$tmp/dom.html" |
	sed 's/.*="\(.*\)">/\1/' | uniq | xargs)
[ "$order" = "fail skip" ] || no "case rows in the order '$order', expected 'fail skip'"

# The screenshot: PNG decoded (stdlib only), it must show the page: more
# than one colour over at least 2 % of its pixels, the verdict's red among
# them.
run_chromium --window-size=1000,800 --screenshot="$tmp/page.png" >/dev/null ||
	{ tail -n 5 "$tmp/chromium.err"; no "chromium --screenshot failed"; }
python3 - "$tmp/page.png" <<'PY' || fail=1
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
	sys.exit("not ok: the screenshot is no PNG")
pos, idat = 8, b""
while pos < len(data):
	n, kind = struct.unpack(">I4s", data[pos:pos + 8])
	body = data[pos + 8:pos + 8 + n]
	pos += 12 + n
	if kind == b"IHDR":
		w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
	elif kind == b"IDAT":
		idat += body
if depth != 8 or ctype not in (2, 6):
	sys.exit("not ok: screenshot PNG of depth %d, colour type %d" % (depth, ctype))
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, other, red = bytearray(stride), set(), 0, 0
for y in range(h):
	f = raw[y * (stride + 1)]
	line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
	for i in range(stride):
		a = line[i - bpp] if i >= bpp else 0
		b = prev[i]
		c = prev[i - bpp] if i >= bpp else 0
		if f == 1:
			line[i] = (line[i] + a) & 255
		elif f == 2:
			line[i] = (line[i] + b) & 255
		elif f == 3:
			line[i] = (line[i] + (a + b) // 2) & 255
		elif f == 4:
			p = a + b - c
			pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
			line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
	prev = line
	for x in range(0, stride, bpp):
		px = bytes(line[x:x + 3])
		colours.add(px)
		if px != b"\xff\xff\xff":
			other += 1
		if px[0] > 150 and px[1] < 100 and px[2] < 100:
			red += 1
share = other / (w * h)
print("# screenshot %dx%d: %d colours, %.1f %% not white, %d red pixels" % (w, h, len(colours), 100 * share, red))
if len(colours) < 2 or share < 0.02 or red == 0:
	sys.exit("not ok: the screenshot looks blank")
PY
[ "$fail" = 0 ] && echo "ok: index.html of 6.1-quick rendered: verdict, failing case and assertion in its text, failing first, screenshot not blank"
exit "$fail"
