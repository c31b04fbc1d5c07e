# Shared by the scripts in scripts/: locate the project, build it when needed, print a classpath.
# shellcheck shell=bash

PEKKOCHAT_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STAMP="$PEKKOCHAT_HOME/target/.built"

# Builds (without tests) when target/ is missing or older than pom.xml or anything under src/main.
ensure_built() {
  if [ -f "$STAMP" ] && [ -d "$PEKKOCHAT_HOME/target/lib" ] \
     && [ -z "$(find "$PEKKOCHAT_HOME/pom.xml" "$PEKKOCHAT_HOME/src/main" -newer "$STAMP" -print -quit)" ]; then
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "pekko-chat: Maven (mvn) is needed to build; install it (apt-get install maven) and retry." >&2
    exit 1
  fi
  echo "pekko-chat: building (mvn package, tests skipped)..." >&2
  if ! (cd "$PEKKOCHAT_HOME" && mvn -B -q -DskipTests package >&2); then
    echo "pekko-chat: build failed; see the Maven output above." >&2
    exit 1
  fi
  touch "$STAMP"
}

classpath() {
  echo "$PEKKOCHAT_HOME/target/classes:$PEKKOCHAT_HOME/target/lib/*"
}

# True when the arguments already name a config file.
has_config_flag() {
  local a
  for a in "$@"; do
    case "$a" in --config|--config=*) return 0 ;; esac
  done
  return 1
}
