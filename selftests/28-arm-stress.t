#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 28-arm-stress: a probe armed and disarmed 1,000 times while two threads
# call the probed function in a loop (issue: jump-optimized probes, live
# patching).  The program itself drives it through xol's --control FIFOs
# ("enable"/"disable", then waits for "ack"), starting disabled (-D -1), so
# it knows for each call whether the probe was armed for all of it, off for
# all of it, or being changed (see selftests/targets/arm-stress.c):
#   - no crash, exit 0, every result of the function right, as untraced;
#   - while armed every call is counted, while off none is:
#         armed <= hits <= armed + maybe
# on the jump path (counting trampoline) and, fewer rounds, the trap path.
# Then --control's bad arguments are refused before anything runs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(mkfifo);
use Test::More;
use XolInv;

need_targets('arm-stress');

my $bin = target('arm-stress');
my $def = "p:stress/work $bin:" . symoff($bin, 'work');
my $line = qr/^armed (\d+) disarmed (\d+) maybe (\d+) wrong (\d+) rounds (\d+)$/;

my $plain = run([$bin, '-', 50]);
is($plain->{status}, 0, 'untraced: exit 0');
like($plain->{out}, qr/^armed \d+ disarmed \d+ maybe \d+ wrong 0 rounds 50$/, 'untraced: every result right');

sub toggled {
	my ($rounds, @opts) = @_;
	my $d = scratch();
	my ($ctl, $ack) = ("$d/ctl", "$d/ack");
	unlink $ctl, $ack;
	mkfifo($ctl, 0600) && mkfifo($ack, 0600) or die "mkfifo: $!\n";
	my $r = run([xol(), 'stat', '-x', ',', '-D', '-1', '--control', "fifo:$ctl,$ack", @opts,
		     '-e', $def, '--', $bin, $ctl, $ack, $rounds], timeout => 300);
	my $name = "@opts" || 'jump path';
	is($r->{status}, 0, "$name, $rounds rounds: exit 0") or diag($r->{err});
	my ($armed, $off, $maybe, $wrong, $done) = $r->{out} =~ $line;
	ok(defined $armed, "$name: the program's tally") or diag($r->{out});
	return unless defined $armed;
	is($wrong, 0, "$name: every result of work() right");
	is($done, $rounds, "$name: all $rounds rounds of enable/disable acknowledged");
	cmp_ok($armed, '>', 0, "$name: calls while armed");
	cmp_ok($off, '>', 0, "$name: calls while disarmed");
	my ($hits, $misses) = $r->{err} =~ /^(\d+),(\d+),stress:work$/m;
	ok(defined $hits, "$name: xol stat -x line") or diag($r->{err});
	return unless defined $hits;
	cmp_ok($hits, '>=', $armed, "$name: every call made while armed counted ($hits >= $armed)");
	cmp_ok($hits, '<=', $armed + $maybe,
	       "$name: none made while disarmed ($hits <= $armed + $maybe)");
	is($misses, 0, "$name: no misses");
}

toggled(1000);
toggled(200, '--trap');

# Bad --control and -D: refused, nothing run.
my $marker = scratch() . '/ran';
for (['--control', 'bogus:x'], ['--control', 'fifo:' . scratch() . '/none'], ['--control', 'fd:99'],
     ['-D', 'x'], ['-D', '-2']) {
	my $r = run([xol(), 'stat', @$_, '-e', $def, '--', 'touch', $marker]);
	is($r->{status} >> 8, 2, "@$_: usage error") or diag($r->{err});
	like($r->{err}, qr/^xol.*(control|delay)/m, "@$_: says what is wrong");
	ok(!-e $marker, "@$_: the program did not run");
}

done_testing();
