#!/usr/bin/env bash
# Builds a real colour image-folder data set for `dna run --dataset folder` from Debian's
# oxygen-icon-theme package: one sub-folder per icon category (the class), PNG files inside.
#
#   scripts/make-icon-folder.sh [--small] [OUT_DIR] [MAX_PER_CLASS]
#
#   default      7 classes (actions apps devices emotes mimetypes places status), at most 450 per class,
#                about 1,050 images, in $HOME/.cache/dnanas/icons-oxygen-icon-theme
#   --small      5 classes (actions apps devices mimetypes status), at most 60 per class, about 300
#                images, in $HOME/.cache/dnanas/icons-oxygen-icon-theme-small (for a fast automated test)
#
# Why these choices:
# - The package ships PNGs only (no SVG), and SkiaSharp in this project decodes PNG/JPEG/BMP/GIF/WEBP,
#   so files are copied as they are, never converted.
# - Each icon exists at up to 7 sizes (16..256 px). Taking every size would let the tool's random
#   train/test hold-out put the same drawing on both sides, so ONE size is chosen per icon name. The
#   data set still has mixed sizes, because different icons get different sizes.
# - Aliases are symlinks in the package; only regular files are used, so an alias never counts twice.
#   Names filed under two chosen categories (ambiguous label) are dropped, and icons whose bytes equal
#   another icon's at some size keep only the first name (sorted), so no duplicate pictures remain.
# - Selection is deterministic: a fixed seed hashed with each name (no $RANDOM, no sort -R), under
#   LC_ALL=C so the order does not depend on the locale. The same package version gives the same files.
# - With one size per name, the categories are unequal (actions has ~680 icons, places ~50), so the
#   classes are imbalanced; the cap on the largest class keeps the total in 1,000-2,000.
set -euo pipefail
export LC_ALL=C
export DEBIAN_FRONTEND=noninteractive

PKG=oxygen-icon-theme
THEME_DIR=usr/share/icons/oxygen/base
SEED=dnanas-icons-2
MIN_SIZE=16   # the 8x8 emblems/places are too small to be photographs of anything

small=0
args=()
for arg in "$@"; do
  case "$arg" in
    --small) small=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done

if [ "$small" -eq 1 ]; then
  classes="actions apps devices mimetypes status"
  default_max=60
  default_out="$HOME/.cache/dnanas/icons-$PKG-small"
else
  classes="actions apps devices emotes mimetypes places status"
  default_max=450
  default_out="$HOME/.cache/dnanas/icons-$PKG"
fi
out="${args[0]:-$default_out}"
max="${args[1]:-$default_max}"
case "$max" in ''|*[!0-9]*|0) echo "MAX_PER_CLASS must be a positive integer, got '$max'" >&2; exit 2 ;; esac
out="$(realpath -m "$out")"

# Idempotence: a hidden stamp (the tool skips dot-files) records the parameters, the image count and the
# summary. If they match what is on disk, nothing is downloaded.
stamp="$out/.make-icon-folder"
key="pkg=$PKG classes=$classes max=$max seed=$SEED min_size=$MIN_SIZE"
if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$key" ]; then
  expected="$(sed -n 2p "$stamp")"
  actual="$(find "$out" -mindepth 2 -maxdepth 2 -type f -name '*.png' | wc -l)"
  if [ "$actual" = "$expected" ]; then
    sed -n 3p "$stamp"
    exit 0
  fi
fi
# Never delete a folder this script did not make.
if [ -e "$out" ] && [ ! -f "$stamp" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  echo "$out exists, is not empty and was not made by this script: choose another OUT_DIR" >&2
  exit 1
fi

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
tmp="$(mktemp -d)"
stage=""
trap 'rm -rf "$tmp" ${stage:+"$stage"}' EXIT

# Download only (no install), like ensure-data.sh does for python3-sklearn; refresh the lists if stale.
(cd "$tmp" && { apt-get download "$PKG" >/dev/null 2>&1 || { $SUDO apt-get update -qq && apt-get download "$PKG" >/dev/null; }; })
deb="$(ls "$tmp"/"${PKG}"_*.deb)"
version="$(dpkg-deb -f "$deb" Version)"
dpkg -x "$deb" "$tmp/x"
base="$tmp/x/$THEME_DIR"
[ -d "$base" ] || { echo "$PKG $version has no $THEME_DIR" >&2; exit 1; }

# One line per regular PNG: md5 ./SIZExSIZE/CATEGORY/NAME.png
(cd "$base" && find . -type f -name '*.png' -print0 | sort -z | xargs -0 md5sum) > "$tmp/all.txt"

# Pick the files. Output: CLASS NAME SIZE RELATIVE_PATH, at most $max per class.
awk -v classes="$classes" -v seed="$SEED" -v max="$max" -v minsize="$MIN_SIZE" '
  BEGIN {
    for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
    n = split(classes, cl, " "); for (i = 1; i <= n; i++) want[cl[i]] = 1
  }
  # String hash in plain awk (mawk has no xor): a polynomial pass, exact in doubles (131 * 2^31 < 2^53),
  # then rounds of v*v+c modulo a prime below 2^26 (so v*v stays exact). The polynomial pass alone is
  # linear, which would make e.g. "name@16" beat "name@22" for almost every name; the squaring breaks that.
  function h(s,   i, v) {
    s = seed "|" s "|" seed; v = 0
    for (i = 1; i <= length(s); i++) v = (v * 131 + ord[substr(s, i, 1)]) % 2147483629
    v = v % 67108859
    for (i = 0; i < 4; i++) v = (v * v + 40503) % 67108859
    return v
  }
  {
    md5 = $1; path = substr($0, 35); sub(/^\.\//, "", path)
    split(path, p, "/"); size = p[1]; sub(/x.*/, "", size); cat = p[2]; name = p[3]; sub(/\.png$/, "", name)
    if (!(cat in want) || size + 0 < minsize) next
    k = cat "/" name
    if (!(k in seen)) { seen[k] = 1; keys[++nk] = k; kname[k] = name; kcat[k] = cat }
    if (!((name, cat) in incat)) { incat[name, cat] = 1; ncat[name]++ }
    nsz[k]++; sz[k, nsz[k]] = size; pth[k, nsz[k]] = path
    # Keys arrive in sorted path order, not name order, so keep the smallest key per checksum.
    if (!(md5 in first) || k < first[md5]) first[md5] = k
    nm[k] = nm[k] " " md5
  }
  END {
    for (i = 1; i <= nk; i++) {
      k = keys[i]
      if (ncat[kname[k]] > 1) continue                  # same name in two classes: ambiguous label
      m = split(nm[k], sums, " "); dup = 0
      for (j = 1; j <= m; j++) if (first[sums[j]] != k) dup = 1
      if (dup) continue                                 # same picture as an earlier icon
      best = 1; bh = h(k "@" sz[k, 1])
      for (j = 2; j <= nsz[k]; j++) { t = h(k "@" sz[k, j]); if (t < bh) { bh = t; best = j } }
      printf "%s %010d %s %s %s\n", kcat[k], h(k), kname[k], sz[k, best], pth[k, best]
    }
  }' "$tmp/all.txt" | sort -k1,1 -k2,2 | awk -v max="$max" '++c[$1] <= max { print $1, $3, $4, $5 }' > "$tmp/pick.txt"

# Build next to the destination, then swap it in, so an interrupted run never leaves a half folder.
mkdir -p "$(dirname "$out")"
stage="$(mktemp -d "$out.tmp.XXXXXX")"
# The file name carries the real pixel size from the PNG header (bytes 16-23: width, height), because a
# few files in the theme's 16x16/64x64/256x256 folders are really 22 or 128 px.
while read -r cat name size path; do
  read -r w1 w2 w3 w4 h1 h2 h3 h4 < <(od -An -tu1 -j16 -N8 "$base/$path")
  w=$(( (w1 << 24) | (w2 << 16) | (w3 << 8) | w4 )); h=$(( (h1 << 24) | (h2 << 16) | (h3 << 8) | h4 ))
  if [ "$w" -eq "$h" ]; then dim="${w}px"; else dim="${w}x${h}px"; fi
  mkdir -p "$stage/$cat"
  cp "$base/$path" "$stage/$cat/$name-$dim.png"
  echo "$cat $w" >> "$tmp/real.txt"
done < "$tmp/pick.txt"

total="$(wc -l < "$tmp/pick.txt")"
counts="$(awk '{ c[$1]++ } END { for (k in c) printf "%s=%d\n", k, c[k] }' "$tmp/pick.txt" | sort | paste -sd' ')"
sizes="$(awk '{ c[$2]++ } END { for (k in c) printf "%d:%d\n", k, c[k] }' "$tmp/real.txt" | sort -n | sed 's/:/px=/' | paste -sd' ')"
range="$(awk 'NR == 1 || $2 < lo { lo = $2 } NR == 1 || $2 > hi { hi = $2 } END { print lo "-" hi "px" }' "$tmp/real.txt")"
nclass="$(awk '{ print $1 }' "$tmp/pick.txt" | sort -u | wc -l)"
summary="$out: $PKG $version, $nclass classes, $total PNG images ($counts), sizes $range ($sizes)"
printf '%s\n%s\n%s\n' "$key" "$total" "$summary" > "$stage/.make-icon-folder"

rm -rf "$out"
mv "$stage" "$out"
stage=""
echo "$summary"
