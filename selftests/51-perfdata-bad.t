#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 51-perfdata-bad: a truncated or corrupt perf.data gives a clear error, never
# a crash.
#
#   - xol script and xol report on every prefix of a recording (file and pipe
#     format) and on copies with bytes flipped: exit 0 or 1, never a signal,
#     and a failure always says "xol script: FILE: ..." on stderr;
#   - the libFuzzer harness selftests/fuzz/fuzz-perfdata (the reader with
#     address, undefined-behaviour and leak sanitizers) runs for a bounded
#     time from the seeds selftests/data/record-seed-*: no crash, no leak.
#     XOL_FUZZ_SECONDS sets the time (30); it skips where clang cannot build
#     a libFuzzer binary.
use strict;
use warnings;
use Cwd qw(abs_path);
use FindBin;
use File::Temp qw(tempdir);
use Test::More;

my $top = abs_path("$FindBin::Bin/..");
my $build = abs_path($ENV{XOL_BUILD} // "$top/build") // die "no build directory\n";
my $xol = "$build/xol";
plan skip_all => 'xol is not built' unless -x $xol;
my $tmp = tempdir(CLEANUP => 1);

sub slurp { local $/; open my $f, '<', $_[0] or die "$_[0]: $!\n"; binmode $f; my $s = <$f>; $s }
sub spew { open my $f, '>', $_[0] or die; binmode $f; print $f $_[1]; close $f }

for my $seed (glob "$top/selftests/data/record-seed-*") {
	my $name = $seed =~ s{.*/}{}r;
	my $bytes = slurp($seed);
	my $len = length $bytes;
	my ($bad, $quiet) = (0, 0);
	# every prefix up to 256 bytes (the header, the attrs), then every 13th byte
	for (my $cut = 0; $cut < $len; $cut += $cut < 256 ? 1 : 13) {
		spew("$tmp/cut", substr($bytes, 0, $cut));
		my $err = `$xol script -i $tmp/cut 2>&1 >/dev/null`;
		my $st = $?;
		$bad++ if $st & 127 || ($st >> 8) > 1;
		$quiet++ if ($st >> 8) == 1 && $err !~ /^xol script: \S+: \S/m;
	}
	is($bad, 0, "$name: xol script on every truncation exits 0 or 1, never by a signal");
	is($quiet, 0, "$name: every failure on a truncation says what is wrong");

	# flipped bytes, deterministic
	srand(7);
	$bad = 0;
	my $first;
	for my $i (1 .. 150) {
		my $c = $bytes;
		for (1 .. 1 + int(rand(4))) {
			my $at = int(rand($len));
			substr($c, $at, 1) = chr(int(rand(256)));
		}
		spew("$tmp/flip", $c);
		for my $cmd ("script", $i % 2 ? "report --sort comm,tid,name" : "report --latency work") {
			system("$xol $cmd -i $tmp/flip >/dev/null 2>&1");
			next unless $? & 127 || ($? >> 8) > 2;
			$bad++;
			$first //= "xol $cmd: status $?";
			spew("$build/perfdata-bad-$name", $c);
		}
	}
	is($bad, 0, "$name: xol script and report on 150 corrupted copies never crash")
		or diag("$first (the input: $build/perfdata-bad-$name)");
}

my $err = `$xol script -i $tmp/none 2>&1`;
like($err, qr/^xol script: .*none: No such file or directory$/m, 'a missing file is named');
spew("$tmp/text", "hello, world\n" x 10);
$err = `$xol script -i $tmp/text 2>&1`;
like($err, qr/not a perf\.data file/, 'a file that is not perf.data is named as such');

# --- the fuzz harness ---------------------------------------------------------
my $seconds = $ENV{XOL_FUZZ_SECONDS} // 30;
my $clang = $ENV{CLANG} // 'clang';
open my $fh, '>', "$tmp/t.c" or die;
print $fh "#include <stddef.h>\n#include <stdint.h>\n",
	"int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n";
close $fh;
SKIP: {
	skip "$clang cannot build libFuzzer binaries", 2
		if system("$clang -fsanitize=fuzzer,address,undefined -o $tmp/t $tmp/t.c >/dev/null 2>&1");
	my $log = `make -s -C $top/selftests/fuzz O=$build/fuzz build-perfdata 2>&1`;
	ok($? == 0, 'the perf.data fuzz harness builds') or do { diag($log); skip 'no harness', 1 };
	$log = `make -s -C $top/selftests/fuzz O=$build/fuzz run-perfdata FUZZ_SECONDS=$seconds 2>&1`;
	my $st = $?;
	my ($runs) = $log =~ /stat::number_of_executed_units:\s*(\d+)/;
	ok($st == 0 && $log !~ /ERROR: |runtime error/,
	   "the perf.data reader survives ${seconds}s of fuzzing (" . ($runs // 0) . " inputs)")
		or diag(join "\n", grep { /ERROR|runtime error|SUMMARY|crash-/ } split /\n/, $log);
}

done_testing();
