#!/usr/bin/env bash
# Cross-compiles the addon on a Debian x64 machine.
#
#   scripts/cross-build.sh linux-arm64 [OUT]   g++-aarch64-linux-gnu, through
#       prebuildify (binding.gyp, as for linux-x64); OUT defaults to
#       prebuilds/linux-arm64/pthreading.node, the binary the package ships.
#   scripts/cross-build.sh win32-x64 OUT       mingw-w64 (g++-mingw-w64-x86-64-posix),
#       straight from the sources with binding.gyp's flags. The N-API
#       functions are imported from node.exe through an import library made
#       from the symbols the objects use. A check only: not shipped (see
#       README, "Platforms and runtimes").
#
# Either builds in a scratch folder, never in build/: the native build of
# this machine stays as it was. Warnings fail the build, as in CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: cross-build.sh linux-arm64|win32-x64 [OUT]}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" > /dev/null || { echo "cross-build.sh $target: $1 not found (apt-get install $2)" >&2; exit 1; }
}

case "$target" in
  linux-arm64)
    need aarch64-linux-gnu-g++ g++-aarch64-linux-gnu
    out="${2:-$root/prebuilds/linux-arm64/pthreading.node}"
    cp -r "$root/native" "$root/binding.gyp" "$root/package.json" "$work/"
    ln -s "$root/node_modules" "$work/node_modules"
    (cd "$work" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ \
      AR=aarch64-linux-gnu-ar PREBUILD_STRIP_BIN=aarch64-linux-gnu-strip \
      npx --no-install prebuildify --napi --strip --arch arm64) > "$work/build.log" 2>&1 || {
      cat "$work/build.log" >&2
      exit 1
    }
    if grep -E '(warning|error):' "$work/build.log"; then echo "the arm64 build is not warning-free" >&2; exit 1; fi
    mkdir -p "$(dirname "$out")"
    cp "$work/prebuilds/linux-arm64/pthreading.node" "$out"
    ;;
  win32-x64)
    out="${2:?win32-x64 needs an output path (the binary is not shipped)}"
    cxx=x86_64-w64-mingw32-g++-posix
    need "$cxx" g++-mingw-w64-x86-64-posix
    addon_api="$(node -p "require('node-addon-api').include_dir")"
    node_headers="$(node -p "require('path').join(process.execPath, '../../include/node')")"
    [ -f "$node_headers/node_api.h" ] || node_headers=/usr/include/node
    # binding.gyp's defines and flags.
    flags=(-std=c++20 -O2 -Wall -Wextra -fno-exceptions
      -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
      -DNODE_API_NO_EXTERNAL_BUFFERS_ALLOWED
      -I "$root/native" -I "$addon_api" -I "$node_headers")
    for src in "$root"/native/core/*.cc "$root"/native/napi/*.cc; do
      "$cxx" "${flags[@]}" -c "$src" -o "$work/$(basename "$(dirname "$src")")-$(basename "$src" .cc).o" 2>> "$work/build.log" || {
        cat "$work/build.log" >&2
        exit 1
      }
    done
    if [ -s "$work/build.log" ]; then cat "$work/build.log"; echo "the Windows build is not warning-free" >&2; exit 1; fi
    # node.exe exports the N-API: an import library for what we use.
    { echo "LIBRARY node.exe"; echo "EXPORTS"
      x86_64-w64-mingw32-nm -u "$work"/*.o | grep -oE '\b(napi|node_api)_[a-z0-9_]+' | sort -u | sed 's/^/  /'; } > "$work/node.def"
    x86_64-w64-mingw32-dlltool -d "$work/node.def" -l "$work/libnode.a"
    mkdir -p "$(dirname "$out")"
    "$cxx" -shared -s -o "$out" "$work"/*.o -L"$work" -lnode -lsynchronization -static -static-libgcc -static-libstdc++
    ;;
  *)
    echo "cross-build.sh: unknown target $target (linux-arm64 or win32-x64)" >&2
    exit 2
    ;;
esac
echo "built $out"
