#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 70-return-probes: return probes never break the program.  One target per
# case; each counts its own calls of the probed functions, the ones that
# returned normally, and the ones left without returning, and prints
# "calls=C returned=R left=L".  Under `xol trace` (jump path and --trap)
# with a return probe on each function:
#
#   - stdout, the program's stderr and the exit status are those of the
#     untraced run;
#   - the return events' hits are exactly R (one line each, with $retval),
#     none missed or lost, and the frames left abnormally are reported as
#     left: "xol: EVENT: L calls left without returning ...".
#
# Cases: recursion 10,000 deep (and beyond the shadow stack's depth: the
# excess entries are misses, the program unharmed), longjmp and siglongjmp
# (from the frames and from signal handlers, on an alternate stack too),
# C++ exceptions caught above, in the middle, rethrown and uncaught
# (std::terminate, SIGABRT, as untraced), backtrace() and _Unwind_Backtrace
# inside probed frames and a throw through them, pthread_exit and
# cancellation, swapcontext coroutines switching inside probed frames (one
# left suspended), signal handlers running probed functions, fork inside a
# probed function, and a stress: 2 threads, exceptions at random depths,
# 1,000,000 calls; and every register a function may clobber, and the flags
# CF PF AF ZF SF DF OF, as the function returned them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

my @cases = (
	# target, args, probed functions (symbols), env, path options
	['ret-recurse', [10000], ['rec']],
	['ret-longjmp', [], ['dive']],
	['ret-cxx', [], ['_Z4diveii', '_Z6middleii', '_Z7rethrowii']],
	['ret-cxx', ['uncaught'], ['_Z4diveii', '_Z6middleii', '_Z7rethrowii']],
	['ret-backtrace', [], ['_Z4leafi', '_Z3midii', '_Z3topi']],
	['ret-threads', [], ['work']],
	['ret-coro', [], ['step']],
	['ret-signal', [], ['nest']],
	['ret-fork', [], ['outer']],
	['ret-regs', [], ['flagret']],
);
need_targets((map { $_->[0] } @cases), 'ret-stress');

# calls, returned, left: summed over every "calls=" line the program printed
sub own_counts {
	my ($text) = @_;
	my %n = (calls => 0, returned => 0, left => 0);
	while ($text =~ /calls=(\d+) returned=(\d+) left=(\d+)/g) {
		$n{calls} += $1;
		$n{returned} += $2;
		$n{left} += $3;
	}
	return \%n;
}

sub left_reported {
	my ($r) = @_;
	my $n = 0;
	$n += $_ for values %{$r->{left}};
	return $n;
}

sub check {
	my ($name, $prog, $args, $funcs, %o) = @_;
	my $bin = target($prog);
	my @defs = map { "r:ret/f$_ $bin:" . symoff($bin, $funcs->[$_]) . ' rv=$retval:s64' } 0 .. $#$funcs;
	my $plain = run([$bin, @$args], %o);
	my $own = own_counts($plain->{out} . $plain->{err});
	for my $how ('jump', 'trap') {
		my $r = trace(\@defs, [$bin, @$args], %o, opts => [$how eq 'trap' ? ('--trap') : ()]);
		my $t = "$name ($how)";
		is($r->{code}, $plain->{code}, "$t: exit status " . status_text($plain->{status}));
		is($r->{out}, $plain->{out}, "$t: same stdout");
		is($r->{err}, $plain->{err}, "$t: same stderr");
		my ($hits, $misses, $lost) = (0, 0, 0);
		for my $i (0 .. $#$funcs) {
			my $s = $r->{summary}{"ret:f$i"} // {};
			$hits += $s->{hits} // 0;
			$misses += $s->{misses} // 0;
			$lost += $s->{lost} // 0;
		}
		my @lines = grep { $_ && $_->{event} =~ /^f\d+$/ } map { parse_line($_) } @{$r->{trace}};
		is($hits, $own->{returned}, "$t: $own->{returned} returns recorded")
			or diag(explain($r->{summary}), $r->{xol_err});
		is($misses + $lost, 0, "$t: none missed or lost");
		is(scalar(@lines), $hits - $lost, "$t: one line per return");
		ok(!grep({ !defined $_->{ret_ip} || !defined $_->{arg}{rv} } @lines),
		   "$t: every line is a return line with \$retval");
		is(left_reported($r), $own->{left}, "$t: $own->{left} frames counted as left")
			or diag(explain($r->{left}));
		is($r->{xol_err}, '', "$t: nothing to complain about") or diag($r->{xol_err});
	}
	return $own;
}

for my $c (@cases) {
	my ($prog, $args, $funcs) = @$c;
	check(join(' ', $prog, @$args), $prog, $args, $funcs);
}

# Beyond the shadow stack's depth: entries are misses, the program is unharmed.
{
	my $bin = target('ret-recurse');
	my $def = "r:ret/rec $bin:" . symoff($bin, 'rec') . ' rv=$retval:s64';
	for my $depth (undef, 1000) {
		my $plain = run([$bin, 20000]);
		my $r = trace([$def], [$bin, 20000], env => { defined $depth ? (XOL_RETURN_DEPTH => $depth) : () });
		my $max = $depth // 16384;
		my $t = 'recursion 20000 deep, shadow depth ' . $max;
		is($r->{code}, $plain->{code}, "$t: exit status");
		is($r->{out}, $plain->{out}, "$t: same stdout");
		is($r->{summary}{'ret:rec'}{hits}, 20001, "$t: 20001 hits");
		is($r->{summary}{'ret:rec'}{misses}, 20001 - $max, "$t: the " . (20001 - $max) . " entries beyond it are misses");
		is(scalar(@{$r->{trace}}), $max, "$t: $max return lines");
	}
}

# Stress: 2 threads, recursion, exceptions thrown and caught at random depths.
{
	my $bin = target('ret-stress');
	my $def = "r:ret/rec $bin:" . symoff($bin, '_Z3reciiiPj') . ' rv=$retval:s64';
	my $plain = run([$bin]);
	my $own = own_counts($plain->{err});
	ok($own->{calls} >= 1000000, "stress: $own->{calls} calls");
	my $r = trace([$def], [$bin], output => '/dev/null', opts => ['--buffer-size', '64M'], timeout => 120);
	is($r->{code}, 0, 'stress: exit 0');
	is(join('', sort split /^/, $r->{out}), join('', sort split /^/, $plain->{out}),
	   'stress: same stdout (the threads\' lines in any order)');
	my $traced = own_counts($r->{err});
	is($traced->{calls}, $own->{calls}, 'stress: same calls');
	is($r->{summary}{'ret:rec'}{hits}, $own->{returned}, "stress: $own->{returned} returns counted");
	is($r->{summary}{'ret:rec'}{misses}, 0, 'stress: none missed');
	is(left_reported($r), $own->{left}, "stress: $own->{left} left by exceptions");
}

done_testing();
