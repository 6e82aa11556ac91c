#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: trace the bundled example program and show what xol prints.
set -e
B=${1:-build}
cd "$(dirname "$0")/.."
B=$(realpath --relative-to=. "$B")
app=$B/targets/app
off=$(selftests/lib/symoff "$app" work)

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "The example program $app calls work(a, b, name) for each fruit; work is at file offset $off."
run "$B/xol" events -e "p:demo/work $app:$off a=%di b=%si:s32 name=+0(%dx):string" \
	-e "r:demo/work_ret $app:$off rv=\$retval:s64"
run "$B/xol" events -e "p:demo/work $app:$off a=%di b=%si:s32 name=+0(%dx):string" --format demo/work
echo
echo "A mistake is reported as the kernel's error_log reports it:"
run "$B/xol" events -e "p:demo/work $app:$off a=%rdi" || true
echo
echo "Tracing: one line per hit, as the kernel's trace_pipe prints it; the summary goes to stderr."
status=0
run "$B/xol" trace -e "p:demo/work $app:$off a=%di b=%si:s32 name=+0(%dx):string" \
	-e "r:demo/work_ret $app:$off rv=\$retval:s64" -- "$app" 6 || status=$?
untraced=0
"$app" 6 >/dev/null || untraced=$?
echo
echo "xol exited with the program's own status, $status (untraced: $untraced)."
[ "$status" = "$untraced" ]
echo
echo "Counting only, as perf stat counts (the jump path: no trap per hit):"
printf '\n$ %s\n' "$B/xol stat -e p:demo/work $app:$off -- $app 1000000 >/dev/null"
"$B/xol" stat -e "p:demo/work $app:$off" -- "$app" 1000000 >/dev/null || true
