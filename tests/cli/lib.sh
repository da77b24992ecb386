# lib.sh: what the command-line test scripts share (cli_test.sh, control_test.sh,
# reload_test.sh source it). The script sets case_name, wactor, tmp, out and err first; $log,
# when set, is the log of a `wactor run` in the background (run_pid), shown on failure and
# stopped by stop_background (call it from the script's EXIT trap).
# No sleep here is a synchronisation: every wait polls for a condition, with a bound.

run_pid=
log=

fail() {
    echo "FAIL $case_name: $*"
    echo "--- stdout"; cat "$out" 2>/dev/null
    echo "--- stderr"; cat "$err" 2>/dev/null
    if [ -n "$log" ]; then echo "--- run's log"; cat "$log" 2>/dev/null; fi
    exit 1
}

# run CMD...: runs it with stdin from /dev/null, sets $status.
run() {
    "$@" </dev/null >"$out" 2>"$err"
    status=$?
}

expect_status() {
    [ "$status" -eq "$1" ] || fail "exit status $status, expected $1"
}

# The error output is exactly one line starting with "wactor: " and containing $1.
expect_one_error_line() {
    [ "$(wc -l <"$err")" -eq 1 ] || fail "expected one line on stderr"
    grep -q '^wactor: ' "$err" || fail "stderr does not start with 'wactor: '"
    grep -qF -- "$1" "$err" || fail "stderr does not mention '$1'"
}

# Standard output is exactly $1 (no newline added).
expect_stdout() {
    printf '%s' "$1" >"$tmp/expected"
    cmp -s "$out" "$tmp/expected" || fail "expected exactly '$1' on stdout"
}

expect_no_stdout() {
    [ ! -s "$out" ] || fail "expected nothing on stdout"
}

# until_true CMD...: polls CMD until it succeeds (10 s at most).
until_true() {
    tries=0
    until "$@"; do
        tries=$((tries + 1))
        [ "$tries" -le 500 ] || fail "still false after 10 s: $*"
        sleep 0.02
    done
}

# wait_for_line FILE PATTERN: polls FILE until a line matches PATTERN (10 s at most).
wait_for_line() {
    until_true grep -q -- "$2" "$1"
}

# start_run [FLAGS...]: `wactor run FLAGS $app` in the background, its log in $log; returns
# once it says it is running.
start_run() {
    : >"$log"
    "$wactor" run "$@" "$app" </dev/null >/dev/null 2>"$log" &
    run_pid=$!
    wait_for_line "$log" '^wactor: running [0-9]* components$'
}

# stop_run: SIGTERM to the background run, which must exit 0.
stop_run() {
    kill -TERM "$run_pid"
    wait "$run_pid"
    status=$?
    run_pid=
    expect_status 0
}

# For the EXIT trap: the background run, if still there, is stopped.
stop_background() {
    if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
        kill -TERM "$run_pid" 2>/dev/null
        wait "$run_pid" 2>/dev/null
    fi
}
