# Class-data sharing (AppCDS) archives for a fast start; sourced by common.sh.
# shellcheck shell=bash
#
# A JVM spends most of a cold start loading, verifying and linking classes: the client loads
# about 4,300 of them before it is connected. An AppCDS archive holds them pre-parsed and
# pre-verified, mapped straight into memory: with it the client is ready in about half the time
# (docs/BENCHMARKS.md, "Start-up"). The archives are made once per build by a training run of
# the real scripts (JDK 17: -XX:ArchiveClassesAtExit, a dynamic archive on top of the JDK's own):
# a server on a free loopback port and a client that joins it, lists users and quits.
#   target/cds/server.jsa  used by scripts/run-server
#   target/cds/client.jsa  used by scripts/run-client
#   target/cds/jdk         the JDK they were made with
# An archive only fits the exact JDK and jars it was made from; when either changes it is made
# again at the next start (a few seconds, said on stderr), and a JVM handed an archive that does
# not fit ignores it without a word (-Xshare:auto, its warning switched off) and just starts
# slower. PEKKOCHAT_CDS=off starts without archives and never makes them.

CDS_DIR="$PEKKOCHAT_HOME/target/cds"

# The java the scripts run and its class library, so that archives follow a JDK upgrade.
jdk_fingerprint() {
  local java
  java="$(readlink -f "$(command -v java)")" || return 1
  echo "$java $(stat -c '%s %Y' "$(dirname "$(dirname "$java")")/lib/modules" 2>/dev/null)"
}

# True when both archives are there, newer than the jars, and from the JDK on the PATH.
cds_fresh() {
  [ -s "$CDS_DIR/server.jsa" ] && [ -s "$CDS_DIR/client.jsa" ] && [ -f "$CDS_DIR/jdk" ] || return 1
  [ "$(cat "$CDS_DIR/jdk")" = "$(jdk_fingerprint)" ] || return 1
  [ -z "$(find "$PEKKOCHAT_HOME/target/pekko-chat.jar" "$PEKKOCHAT_HOME/target/lib" \
            -newer "$CDS_DIR/client.jsa" -print -quit 2>/dev/null)" ]
}

# Makes the archives unless they are fresh (or PEKKOCHAT_CDS=off). Never fails the caller.
cds_ensure() {
  [ "${PEKKOCHAT_CDS:-on}" != "off" ] || return 0
  [ -z "${PEKKOCHAT_CDS_TRAIN:-}" ] || return 0
  cds_fresh && return 0
  # A training run that failed is not retried at every start, only after the next build.
  if [ -f "$CDS_DIR/failed" ] && [ -z "$(find "$PEKKOCHAT_HOME/target/pekko-chat.jar" "$PEKKOCHAT_HOME/target/lib" \
            -newer "$CDS_DIR/failed" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  cds_train || true
}

# JVM options for scripts/run-server (server) or scripts/run-client (client): use its archive,
# or, during a training run, write it.
cds_options() {
  [ "${PEKKOCHAT_CDS:-on}" != "off" ] || return 0
  if [ -n "${PEKKOCHAT_CDS_TRAIN:-}" ]; then
    echo "-XX:ArchiveClassesAtExit=$PEKKOCHAT_CDS_TRAIN -Xlog:cds=off -Xlog:cds+dynamic=off"
  elif [ -s "$CDS_DIR/$1.jsa" ]; then
    echo "-XX:SharedArchiveFile=$CDS_DIR/$1.jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
}

# The training run: the real scripts, each JVM writing its archive as it exits.
cds_train() {
  local tmp port="" server_pid i ok=1
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/pekko-chat-cds.XXXXXX")" || return 1
  mkdir -p "$CDS_DIR" || return 1
  echo "pekko-chat: making class-data archives for a fast start (once per build, a few seconds)..." >&2
  # An empty config, not conf/*.conf: a deployment's TLS settings must not keep the two apart.
  : >"$tmp/empty.conf"
  PEKKOCHAT_CDS_TRAIN="$tmp/server.jsa" PEKKOCHAT_DATA_DIR="$tmp/data" JAVA_OPTS="-Dpekko-chat.server.spool-directory=$tmp/spool" \
    "$PEKKOCHAT_HOME/scripts/run-server" --host 127.0.0.1 --port 0 --config "$tmp/empty.conf" \
    >"$tmp/server.out" 2>&1 </dev/null &
  server_pid=$!
  for ((i = 0; i < 600; i++)); do
    port="$(sed -n 's/.*listening on .*:\([0-9][0-9]*\).*/\1/p' "$tmp/server.out" | head -n 1)"
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$port" ]; then
    export PEKKOCHAT_CDS_TRAIN="$tmp/client.jsa" PEKKOCHAT_CLIENT_LOG_DIR="$tmp/logs"
    local client=("$PEKKOCHAT_HOME/scripts/run-client" 127.0.0.1 -p "$port" -u cds-training --config "$tmp/empty.conf")
    # In a pseudo-terminal (script(1)) if there is one, so that the terminal's classes (JLine)
    # are archived too; /quit is typed until the client has gone. Else, or if that fails, piped.
    if ! command -v script >/dev/null 2>&1 \
       || ! { { trap '' PIPE; printf '/users\r/help\r'; while sleep 0.5; do printf '/quit\r' || break; done; } 2>/dev/null \
              | TERM=xterm-256color timeout 60 script -qec "$(printf '%q ' "${client[@]}")" /dev/null \
              >"$tmp/client.out" 2>&1; } \
       || [ ! -s "$tmp/client.jsa" ]; then
      printf '/users\n/help\n/quit\n' | timeout 60 "${client[@]}" >"$tmp/client-piped.out" 2>&1 || ok=0
    fi
    unset PEKKOCHAT_CDS_TRAIN PEKKOCHAT_CLIENT_LOG_DIR
  else
    ok=0
  fi
  kill -TERM "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  if [ "$ok" = 1 ] && [ -s "$tmp/server.jsa" ] && [ -s "$tmp/client.jsa" ]; then
    jdk_fingerprint >"$tmp/jdk"
    mv -f "$tmp/server.jsa" "$CDS_DIR/server.jsa" && mv -f "$tmp/client.jsa" "$CDS_DIR/client.jsa" \
      && mv -f "$tmp/jdk" "$CDS_DIR/jdk"
    rm -rf "$tmp" "$CDS_DIR/failed"
    return 0
  fi
  touch "$CDS_DIR/failed"
  echo "pekko-chat: could not make the class-data archives (output kept in $tmp); starting without them." >&2
  return 1
}
