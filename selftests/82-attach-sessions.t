#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 82-attach-sessions: several sessions on one process.  A program runs
# under one session (B, launched) that probes tick(); meanwhile other
# sessions attach to it with -p and probe the same tick() (the probepoint
# they share is patched once) and come and go: one alone, then two at
# once that end at different times.  Each attached session counts some
# hits, and B counts every call of the whole run exactly, whichever
# sessions came and went, and the program's output is as untraced.
# Twice: B counting (xol stat: the trampoline's counting path, rebuilt
# as the sessions' events join and leave the site) and B recording every
# call (xol trace: one line each).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Test::More;
use XolInv;
no warnings 'exec';

need_targets('spin');
my $spin = target('spin');
my $off = symoff($spin, 'tick');
my $d = scratch();
my $rounds = 250; # 2000 calls every 10 ms: about 2.5 s

my $plain = `'$spin' $rounds 2>/dev/null`;
my $plain_status = $? >> 8;
like($plain, qr/^spin: \d+ calls, sum \d+$/, 'untraced run');

# The spin process that session B (xol, $xol) started.
sub target_of {
	my ($xol) = @_;
	for (1 .. 500) {
		for my $stat (glob '/proc/[0-9]*/stat') {
			my $s = XolInv::slurp($stat) // next;
			return $1 if $s =~ /^(\d+) \(spin\) \S+ $xol /;
		}
		sleep 0.01;
	}
	return undef;
}

# Start an attached session counting tick() in $pid for $secs; returns its pid.
sub attached {
	my ($pid, $name, $secs) = @_;
	my $p = fork // die "fork: $!\n";
	if (!$p) {
		$ENV{TMPDIR} = $d;
		open(STDOUT, '>', '/dev/null');
		open(STDERR, '>', "$d/$name.err");
		exec xol(), 'stat', '-x', ',', '-p', $pid, '-e', "p:$name/tick $spin:$off",
			'--duration', $secs;
		POSIX::_exit(127);
	}
	return $p;
}

sub hits_of {
	my ($name) = @_;
	my $err = XolInv::slurp("$d/$name.err") // '';
	return $err =~ /^(\d+),\d+,$name:tick$/m ? $1 : undef;
}

for my $mode ('stat', 'trace') {
	my $out = "$d/b-$mode.out";
	my $b = fork // die "fork: $!\n";
	if (!$b) {
		$ENV{TMPDIR} = $d;
		open(STDOUT, '>', "$d/b-$mode.prog");
		open(STDERR, '>', "$d/b-$mode.err");
		my @how = $mode eq 'stat' ? ('stat', '-x', ',', '-o', $out) : ('trace', '-o', $out);
		exec xol(), @how, '-e', "p:sb/tick $spin:$off", '--', $spin, $rounds;
		POSIX::_exit(127);
	}
	my $pid = target_of($b);
	ok($pid, "$mode: the program runs under session B") or next;
	sleep 0.3;
	# One session alone, then two at once that end at different times.
	my $a1 = attached($pid, "a1$mode", 0.5);
	waitpid($a1, 0);
	is($? >> 8, 0, "$mode: session A1 attached and ended") or diag(XolInv::slurp("$d/a1$mode.err"));
	my $a2 = attached($pid, "a2$mode", 1.0);
	sleep 0.2;
	my $a3 = attached($pid, "a3$mode", 0.3);
	waitpid($a3, 0);
	is($? >> 8, 0, "$mode: session A3 attached beside A2 and ended")
		or diag(XolInv::slurp("$d/a3$mode.err"));
	waitpid($a2, 0);
	is($? >> 8, 0, "$mode: session A2 ended after A3") or diag(XolInv::slurp("$d/a2$mode.err"));
	waitpid($b, 0);
	is($? >> 8, $plain_status, "$mode: session B ended with the program's exit status")
		or diag(XolInv::slurp("$d/b-$mode.err"));
	is(XolInv::slurp("$d/b-$mode.prog"), $plain, "$mode: the program's output as untraced");

	my $calls = $rounds * 2000;
	for my $a ("a1$mode", "a2$mode", "a3$mode") {
		my $h = hits_of($a);
		ok(defined $h && $h > 0 && $h < $calls, "$mode: $a counted some calls, not all ("
		   . ($h // 'none') . ")") or diag(XolInv::slurp("$d/$a.err"));
	}
	if ($mode eq 'stat') {
		my ($h) = (XolInv::slurp($out) // '') =~ /^(\d+),\d+,sb:tick$/m;
		is($h, $calls, 'stat: B counted every call of the run, across the other sessions');
	} else {
		my $lines = () = (XolInv::slurp($out) // '') =~ /: tick: \(0x[0-9a-f]+\)$/mg;
		is($lines, $calls, 'trace: B recorded every call of the run, across the other sessions');
	}
}

done_testing();
