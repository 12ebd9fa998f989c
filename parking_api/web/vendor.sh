#!/usr/bin/env bash
# Vendor the map page's browser dependency (MapLibre GL JS) from the pinned package-lock.json.
#
#   parking_api/web/vendor.sh          install the locked version (npm ci checks each package against the lock's
#                                      integrity hash) and copy its browser bundle and licence into static/vendor/,
#                                      recording their SHA-256 in static/vendor/SHA256SUMS
#   parking_api/web/vendor.sh --check  the same install, compared with what is vendored: exit 1 when they differ
#
# Needs node and npm, and the npm registry; the service itself never does (it serves the vendored files).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
vendor="$here/static/vendor"
files=(maplibre-gl/maplibre-gl.js maplibre-gl/maplibre-gl.css maplibre-gl/LICENSE.txt)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
mkdir -p "$work/out/maplibre-gl"
for file in "${files[@]}"; do
    name=$(basename "$file")
    src="$work/node_modules/maplibre-gl/dist/$name"
    [ -f "$src" ] || src="$work/node_modules/maplibre-gl/$name"
    cp "$src" "$work/out/$file"
done
(cd "$work/out" && sha256sum "${files[@]}" >SHA256SUMS)

if [ "${1:-}" = "--check" ]; then
    for file in "${files[@]}" SHA256SUMS; do
        cmp -s "$work/out/$file" "$vendor/$file" || { echo "differs from the lock: static/vendor/$file" >&2; exit 1; }
    done
    echo "static/vendor matches package-lock.json"
else
    mkdir -p "$vendor/maplibre-gl"
    for file in "${files[@]}" SHA256SUMS; do cp "$work/out/$file" "$vendor/$file"; done
    echo "vendored: ${files[*]}"
fi
