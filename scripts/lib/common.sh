# Shared by the scripts in scripts/: locate the project, build it when needed, print a classpath.
# shellcheck shell=bash

PEKKOCHAT_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STAMP="$PEKKOCHAT_HOME/target/.built"
# shellcheck source=scripts/lib/cds.sh
source "$PEKKOCHAT_HOME/scripts/lib/cds.sh"

# Builds (without tests) when target/ is missing or older than pom.xml or anything under src/main,
# then makes the class-data archives when they are missing or stale (cds.sh).
ensure_built() {
  # A training run (cds.sh) is started by a build check already under way.
  [ -z "${PEKKOCHAT_CDS_TRAIN:-}" ] || return 0
  if [ -f "$STAMP" ] && [ -d "$PEKKOCHAT_HOME/target/lib" ] && [ -f "$PEKKOCHAT_HOME/target/pekko-chat.jar" ] \
     && [ -z "$(find "$PEKKOCHAT_HOME/pom.xml" "$PEKKOCHAT_HOME/src/main" -newer "$STAMP" -print -quit)" ]; then
    cds_ensure
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
  cds_ensure
}

# The project's jar and its libraries, named one by one in a fixed order: a class-data archive
# only fits the classpath it was made with, and it can only hold classes from jars.
#   classpath          everything (the server, the bench)
#   classpath client   without the libraries named in scripts/lib/server-only-jars
classpath() {
  local cp="$PEKKOCHAT_HOME/target/pekko-chat.jar" jar name prefix LC_ALL=C
  local -a skip=()
  if [ "${1:-}" = client ]; then
    while read -r prefix; do
      case "$prefix" in ''|'#'*) ;; *) skip+=("$prefix") ;; esac
    done <"$PEKKOCHAT_HOME/scripts/lib/server-only-jars"
  fi
  for jar in "$PEKKOCHAT_HOME"/target/lib/*.jar; do
    name="${jar##*/}"
    for prefix in ${skip[@]+"${skip[@]}"}; do
      [[ "$name" == "$prefix"* ]] && continue 2
    done
    cp="$cp:$jar"
  done
  echo "$cp"
}

# True when the arguments already name a config file.
has_config_flag() {
  local a
  for a in "$@"; do
    case "$a" in --config|--config=*) return 0 ;; esac
  done
  return 1
}
