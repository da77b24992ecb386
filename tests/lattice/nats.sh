# nats.sh: what the lattice scripts share (tests/lattice/lattice_test.sh and
# bench/lattice/run.sh source it): a real nats-server on a loopback port picked by the server
# itself, `wactor run` hosts in the background, polling with a deadline, and the cleanup that
# stops every process they started, also when the script fails.
#
# The script sets $tmp (a private folder) and $wactor first, and may define fail() (a default
# prints the message and exits 1). Then:
#   trap nats_cleanup EXIT         (or call nats_cleanup from its own EXIT trap), and
#   trap 'exit 1' HUP INT PIPE TERM (dash runs no EXIT trap when a signal ends it)
#   nats_start [ARGS...]           start nats-server (ARGS: e.g. --user u --pass p, -c FILE);
#                                  sets nats_port and nats_url; restarts reuse the port
#   nats_stop / nats_kill / nats_restart [ARGS...]
#   host_start ID MANIFEST         `wactor run MANIFEST` in the background, log $tmp/ID.log, pid in
#                                  host_pid_ID; returns once it printed "lattice ... joined as"
#   host_stop ID / host_kill ID    SIGTERM (must exit 0) / SIGKILL
#   hosts_finish                   host_stop for every host still running, then no log may hold
#                                  a sanitizer's report (a script's last check)
#   poll DESCRIPTION CMD...        CMD until it succeeds, at most $poll_seconds (fails otherwise)
# No sleep here is a synchronisation: every wait polls a condition with a deadline.

nats_bin=${NATS_SERVER:-/usr/sbin/nats-server}
nats_pid=
nats_port=
nats_url=
nats_args=
bg_pids=
host_ids=
# Generous: sanitizer builds are many times slower; a passing run never waits this long.
poll_seconds=${LATTICE_TEST_POLL_SECONDS:-60}

if ! command -v fail >/dev/null 2>&1; then
    fail() {
        echo "FAIL: $*" >&2
        exit 1
    }
fi

# poll DESCRIPTION CMD...: runs CMD (its standard output discarded) until it succeeds.
poll() {
    poll_what=$1
    shift
    poll_end=$(($(date +%s) + poll_seconds))
    until "$@" >/dev/null; do
        [ "$(date +%s)" -le "$poll_end" ] || fail "still not true after ${poll_seconds} s: $poll_what"
        sleep 0.05
    done
}

# nats_start [ARGS...]: the first start lets the server pick a free port (-p -1) and reads it
# from its ports file; later starts (nats_restart) listen on the same port again.
nats_start() {
    [ $# -gt 0 ] && nats_args="$*"
    port_arg=${nats_port:--1}
    mkdir -p "$tmp/nats"
    # shellcheck disable=SC2086 # nats_args is a list of words
    "$nats_bin" -a 127.0.0.1 -p "$port_arg" --ports_file_dir "$tmp/nats" \
        -l "$tmp/nats/server.log" $nats_args </dev/null >/dev/null 2>&1 &
    nats_pid=$!
    poll "nats-server writes its ports file" test -s "$tmp/nats/nats-server_$nats_pid.ports"
    if [ -z "$nats_port" ]; then
        nats_port=$(sed -n 's|.*nats://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
            "$tmp/nats/nats-server_$nats_pid.ports")
        [ -n "$nats_port" ] || fail "no port in $(cat "$tmp/nats/nats-server_$nats_pid.ports")"
    fi
    nats_url=nats://127.0.0.1:$nats_port
}

nats_running() {
    [ -n "$nats_pid" ] && kill -0 "$nats_pid" 2>/dev/null
}

# nats_stop: SIGTERM (the server closes its clients), waits for it to end.
nats_stop() {
    [ -n "$nats_pid" ] || return 0
    kill -TERM "$nats_pid" 2>/dev/null
    wait "$nats_pid" 2>/dev/null
    nats_pid=
}

# nats_kill: SIGKILL, as a crash.
nats_kill() {
    [ -n "$nats_pid" ] || return 0
    kill -KILL "$nats_pid" 2>/dev/null
    wait "$nats_pid" 2>/dev/null
    nats_pid=
}

nats_restart() {
    nats_kill
    nats_start "$@"
}

# host_start ID MANIFEST [RUN FLAGS...]
host_start() {
    hs_id=$1
    hs_manifest=$2
    shift 2
    : >"$tmp/$hs_id.log"
    "$wactor" run "$@" "$hs_manifest" </dev/null >/dev/null 2>"$tmp/$hs_id.log" &
    eval "host_pid_$hs_id=$!"
    bg_pids="$bg_pids $!"
    host_ids="$host_ids $hs_id"
    poll "host $hs_id joins the lattice (log: $(cat "$tmp/$hs_id.log" 2>/dev/null | tail -n 3))" \
        host_joined "$hs_id"
}

# host_joined ID: its log has the line `wactor run` prints once connected (fails at once if
# the process is gone, so that a crash is not waited for).
host_joined() {
    grep -q '^wactor: lattice .* joined as ' "$tmp/$1.log" && return 0
    kill -0 "$(host_pid "$1")" 2>/dev/null || fail "host $1 exited: $(cat "$tmp/$1.log")"
    return 1
}

host_pid() {
    eval "echo \$host_pid_$1"
}

# host_stop ID: SIGTERM; `wactor run` must leave the lattice and exit 0.
host_stop() {
    hp=$(host_pid "$1")
    kill -CONT "$hp" 2>/dev/null
    kill -TERM "$hp" 2>/dev/null
    wait "$hp"
    hs_status=$?
    [ "$hs_status" -eq 0 ] || fail "host $1 exited $hs_status after SIGTERM: $(tail -n 20 "$tmp/$1.log")"
}

host_kill() {
    hp=$(host_pid "$1")
    kill -KILL "$hp" 2>/dev/null
    wait "$hp" 2>/dev/null
}

# hosts_finish: every host still running leaves and exits 0 (so that a sanitizer's leak check
# or a crash while leaving fails the script), and no host's log holds a sanitizer's report.
hosts_finish() {
    for id in $host_ids; do
        hp=$(host_pid "$id")
        if [ -n "$hp" ] && kill -0 "$hp" 2>/dev/null; then
            host_stop "$id"
        fi
    done
    for id in $host_ids; do
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:' \
            "$tmp/$id.log"; then
            fail "host $id's log holds a sanitizer report"
        fi
    done
}

# For the EXIT trap: every host still there gets SIGTERM (after SIGCONT, in case it is stopped),
# then SIGKILL if it has not ended within 10 s; then the server.
nats_cleanup() {
    for p in $bg_pids; do
        if kill -0 "$p" 2>/dev/null; then
            kill -CONT "$p" 2>/dev/null
            kill -TERM "$p" 2>/dev/null
        fi
    done
    for p in $bg_pids; do
        n=0
        while kill -0 "$p" 2>/dev/null && [ "$n" -lt 200 ]; do
            sleep 0.05
            n=$((n + 1))
        done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    bg_pids=
    nats_kill
}
