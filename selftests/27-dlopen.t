#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 27-dlopen: a library loaded later is armed when it is loaded, and again
# when it is loaded anew after dlclose (probepoints are (file, offset), as
# the kernel's: every mapping of the file gets the probe).
#
# dlphases N LIB calls phase(1), dlopen(LIB), N x plug_work(), dlclose,
# phase(2), the same again, phase(3), and says after each dlclose that the
# library is no longer mapped; the library's constructor calls
# plug_work(-1) inside each dlopen.  With probes on phase() in the program
# and on plug_work() in the library, between phase 1 and 2 and again
# between phase 2 and 3: the constructor's hit (i=-1: the probe is armed
# when the library is mapped, before its constructors run, as the kernel's
# are) and then N hits, i = 0..N-1; and the program's output unchanged.
# The library is loaded by path, with probes placed by jumps (the default)
# and by int3 (--trap), and by name, through the program's own RUNPATH,
# which the dynamic linker searches for the object that called dlopen.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets(qw(dlphases libinvplug.so));

my $N = 50;
my $bin = target('dlphases');
my $lib = target('libinvplug.so');
my @defs = ("p:inv/phase $bin:" . symoff($bin, 'phase') . ' k=%di:s32',
	    "p:inv/plug $lib:" . symoff($lib, 'plug_work') . ' i=%di:s32');

my $says = "phase 1: $N calls, mapped after dlclose: no\n" .
	   "phase 2: $N calls, mapped after dlclose: no\nsum " . (7 * $N * ($N - 1) + 2 * $N) . "\n";

# --- by path ---------------------------------------------------------------------
my $plain = run([$bin, $N, $lib]);
is($plain->{out}, $says, "untraced, $N calls in each phase, and dlclose unmaps the library");
for my $p (['jump path', []], ['trap path', ['--trap']]) {
	my ($path, $opts) = @$p;
	my $r = trace(\@defs, [$bin, $N, $lib], opts => $opts);
	is($r->{out}, $plain->{out}, "$path: the same output");
	is($r->{code}, $plain->{code}, "$path: the same exit status");
	is($r->{xol_err}, '', "$path: every probe placed") or diag($r->{xol_err});

	# plug_work's i values between phase k and k+1
	my (%in, $k);
	for my $p (map { parse_line($_) } @{$r->{trace}}) {
		next unless $p;
		if ($p->{event} eq 'phase') {
			$k = $p->{arg}{k};
		} elsif ($p->{event} eq 'plug') {
			push @{$in{$k // 0}}, $p->{arg}{i};
		}
	}
	for my $k (1, 2) {
		my @i = @{$in{$k} // []};
		my $when = $k == 1 ? 'when first loaded' : 'again when loaded after dlclose';
		is(join(' ', grep { $_ >= 0 } @i), join(' ', 0 .. $N - 1),
		   "$path: armed $when: $N hits, i=0..@{[$N - 1]}");
		is(join(' ', grep { $_ < 0 } @i), '-1', "$path: armed $when before its constructor ran (i=-1)");
	}
	ok(!$in{0} && !$in{3}, "$path: no hit before the first dlopen or after the last dlclose");
	is($r->{summary}{'inv:phase'}{hits}, 3, "$path: 3 hits of phase()");
	is($r->{summary}{'inv:plug'}{hits}, 2 * ($N + 1),
	   "$path: the summary counts " . 2 * ($N + 1) . ' hits of plug_work');
}

# --- by name, through the program's RUNPATH -----------------------------------------
$plain = run([$bin, $N]);
is($plain->{out}, $says, 'by name: untraced, the library is found through RUNPATH $ORIGIN');
my $r = trace(\@defs, [$bin, $N]);
is($r->{out}, $plain->{out}, 'by name: traced, the same output (the library found as untraced)');
is($r->{code}, $plain->{code}, 'by name: traced, the same exit status');
is($r->{summary}{'inv:plug'}{hits}, 2 * ($N + 1), 'by name: ' . 2 * ($N + 1) . ' hits of plug_work');

SKIP: {
	my $why = kernel_unusable(with => 'perf');
	skip "kernel oracle unavailable: $why", 1 if $why;
	my $grp = kernel_define(27, map { s{^p:inv/}{p:GRP/}r } @defs);
	my ($kr, $n) = perf_stat(["$grp:plug", "$grp:phase"], [$bin, $N, $lib]);
	kernel_clear();
	is_deeply([$n->{"$grp:plug"}, $n->{"$grp:phase"}], [2 * ($N + 1), 3],
		  'the kernel\'s uprobes count ' . 2 * ($N + 1) . ' hits of plug_work (constructors included) and 3 of phase()');
}

done_testing();
