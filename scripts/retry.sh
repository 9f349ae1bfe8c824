# Sourced by .ci/run and the distribution checks: the steps that reach the
# npm registry or Debian's mirrors retry, because one stalled download (the
# registry's idle timeout on a large packument) is not a failure of the code.
#
#   retry CMD...        runs CMD up to 3 times, 10 s then 30 s apart

retry() {
  local attempt
  for attempt in 1 2 3; do
    "$@" && return 0
    [ "$attempt" -lt 3 ] || break
    echo "retry: '$*' failed (attempt $attempt of 3); trying again" >&2
    sleep $((attempt == 1 ? 10 : 30))
  done
  echo "retry: '$*' failed 3 times" >&2
  return 1
}

# What npm fetches is taken from its cache when it is there (a lockfile
# install needs nothing newer), and each request retries with back-off.
export npm_config_prefer_offline="${npm_config_prefer_offline:-true}"
export npm_config_fetch_retries="${npm_config_fetch_retries:-5}"
export npm_config_fetch_retry_mintimeout="${npm_config_fetch_retry_mintimeout:-10000}"
export npm_config_fetch_retry_maxtimeout="${npm_config_fetch_retry_maxtimeout:-60000}"

# The npm settings above, as NAME=VALUE words, for a command run under `env -i`.
npm_network_env() {
  local name
  for name in npm_config_prefer_offline npm_config_fetch_retries \
              npm_config_fetch_retry_mintimeout npm_config_fetch_retry_maxtimeout; do
    printf '%s=%s\n' "$name" "${!name}"
  done
}
