#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 03-fuzz-events: the uprobe_events parser survives arbitrary bytes.
#
# Builds the libFuzzer harness selftests/fuzz/fuzz-events (trace/ with
# address, undefined-behaviour and leak sanitizers) and runs it for a bounded
# time, from the seed corpus made of the uprobe_events tables: no crash, no
# leak, no input slower than 5 s, no more than 2 GiB.  XOL_FUZZ_SECONDS sets
# the time (60); `make fuzz` runs it longer.  Skips where clang cannot build
# a libFuzzer binary.
use strict;
use warnings;
use Cwd qw(abs_path);
use FindBin;
use File::Temp qw(tempdir);
use Test::More;

my $top = abs_path("$FindBin::Bin/..");
my $build = abs_path($ENV{XOL_BUILD} // "$top/build") // die "no build directory\n";
my $out = "$build/fuzz";
my $seconds = $ENV{XOL_FUZZ_SECONDS} // 60;
my $clang = $ENV{CLANG} // 'clang';

my $probe = tempdir(CLEANUP => 1);
open my $fh, '>', "$probe/t.c" or die "$probe/t.c: $!\n";
print $fh "#include <stddef.h>\n#include <stdint.h>\n",
	"int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n";
close $fh;
plan skip_all => "$clang cannot build libFuzzer binaries (-fsanitize=fuzzer,address,undefined)"
	if system("$clang -fsanitize=fuzzer,address,undefined -o $probe/t $probe/t.c >/dev/null 2>&1");

plan tests => 2;

my $log = `make -s -C $top/selftests/fuzz O=$out build 2>&1`;
ok($? == 0, 'the fuzz harness builds from trace/ and arch/x86/regs.c') or do {
	diag($log);
	exit 0;
};

# -timeout=20: one input takes well under 0.1 s; on a shared 2-core machine a
# stall of a few seconds is not a hang (one was seen at 7 s with 5 as the limit).
my $cmd = "cd $out/sandbox && XOL_FUZZ_DIR=$out/sandbox $out/fuzz-events " .
	"-max_total_time=$seconds -timeout=20 -rss_limit_mb=2048 -detect_leaks=1 " .
	"-print_final_stats=1 -dict=$top/selftests/fuzz/events.dict -artifact_prefix=$out/ " .
	"$out/corpus $out/seed 2>&1";
system("mkdir -p $out/corpus $out/sandbox");
my @out = `$cmd`;
my $status = $? >> 8;
my ($runs, $secs) = map { /^Done (\d+) runs in (\d+) second/ ? ($1, $2) : () } @out;
my ($rate) = map { /average_exec_per_sec:\s*(\d+)/ ? $1 : () } @out;
ok($status == 0 && defined $runs, "fuzz-events runs ${seconds}s with no crash, leak, timeout or OOM")
	or diag(join '', grep { !/^#\d+\s|^\s+#\d+ 0x/ } @out[-60 .. -1]);
diag(sprintf 'fuzz: %s executions in %s s (%s/s), corpus %s',
	$runs // '?', $secs // '?', $rate // '?', "$out/corpus");
