#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 24-session-killed: the target never depends on xol staying alive
# (invariant 3).  `xol trace` is killed with SIGKILL while the program runs
# and its probes fire continuously; the program must run on untraced: the
# same stdout, stderr and exit status as a run without xol, and the probed
# instruction restored in its memory soon after.
#
# This test makes itself the subreaper of its children
# (PR_SET_CHILD_SUBREAPER), so the program, orphaned when xol dies, is
# reparented here and its own exit status can be collected.
#
#   - spin 150: one thread, tick() called 2000 times every 10 ms (~1.5 s)
#   - procs 4 50000000 (jump) / 2000000 (int3): four threads hammering step(), killed mid-run
# each with probes placed by jumps (the default) and by int3 (--trap).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Test::More;
use XolInv;
no warnings 'portable'; # 64-bit addresses

need_targets(qw(spin procs));
plan skip_all => 'PR_SET_CHILD_SUBREAPER is wired for x86_64 only'
	unless `uname -m` =~ /^x86_64/;
syscall(157, 36, 1, 0, 0, 0) == 0 or plan skip_all => "prctl(PR_SET_CHILD_SUBREAPER): $!";

# Start CMD under xol trace in the background: returns (xol pid, trace file,
# stdout file, stderr file).
sub start {
	my ($def, $cmd, $tag, @opts) = @_;
	my $d = scratch();
	my @f = map { "$d/$tag.$_" } qw(trace out err);
	unlink @f;
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		$ENV{TMPDIR} = $d;
		open(STDIN, '<', '/dev/null') && open(STDOUT, '>', $f[1]) && open(STDERR, '>', $f[2]) &&
			exec xol(), 'trace', @opts, '-o', $f[0], '-e', $def, '--', @$cmd;
		POSIX::_exit(127);
	}
	return ($pid, @f);
}

# The first parsed line of FILE, once there is one (undef after 10 s).
sub first_hit {
	my ($file) = @_;
	for (1 .. 1000) {
		my $t = XolInv::slurp($file) // '';
		for (split /\n/, $t) {
			my $p = parse_line($_);
			return $p if $p;
		}
		sleep 0.01;
	}
	return undef;
}

# One byte of PID's memory at ADDR (hex), or undef.
sub peek {
	my ($pid, $addr) = @_;
	open my $m, '<:raw', "/proc/$pid/mem" or return undef;
	sysseek($m, hex $addr, 0) or return undef;
	sysread($m, my $b, 1) == 1 or return undef;
	return ord $b;
}

# The byte at file offset OFF of BIN.
sub file_byte {
	my ($bin, $off) = @_;
	open my $f, '<:raw', $bin or die "$bin: $!\n";
	sysseek($f, hex $off, 0);
	sysread($f, my $b, 1);
	return ord $b;
}

for my $case (['spin 150', 'spin', 'tick', ' i=%di', [], 150],
	      ['spin 150, --trap', 'spin', 'tick', ' i=%di', ['--trap'], 150],
	      # the jump path is ~100x faster than int3: give it as much longer to run
	      ['procs 4 50000000', 'procs', 'step', ' w=%di:s32 i=%si:s32', [], 4, 50_000_000],
	      ['procs 4 2000000, --trap', 'procs', 'step', ' w=%di:s32 i=%si:s32', ['--trap'], 4, 2_000_000]) {
	my ($name, $t, $sym, $args, $opts, @argv) = @$case;
	my $bin = target($t);
	my $off = symoff($bin, $sym);
	my $plain = run([$bin, @argv]);

	my ($xol, $trace, $out, $err) = start("p:inv/$sym $bin:$off$args", [$bin, @argv], "$t@$opts", @$opts);
	my $hit = first_hit($trace);
	ok($hit, "$name: probes fire under xol trace") or diag(XolInv::slurp($err));
	sleep 0.3;
	my ($pid) = map { split ' ', XolInv::slurp($_) // '' } glob("/proc/$xol/task/*/children");
	$pid //= -1;
	my $want = file_byte($bin, $off);
	my $armed = $hit ? peek($pid, $hit->{ip}) : undef;
	ok(defined $armed && $armed != $want, "$name: the probed instruction is patched while traced")
		or diag("pid $pid: byte " . ($armed // 'unreadable') . ", file $want");
	kill 'KILL', $xol;
	waitpid($xol, 0);
	is(status_text($?), 'killed by SIGKILL', "$name: xol trace killed with SIGKILL mid-run");

	# The program, now ours: is the probe gone from its code while it runs on?
	my $byte;
	for (1 .. 300) {
		$byte = peek($pid, $hit->{ip}) if $hit;
		last if !defined $byte || $byte == $want;
		sleep 0.01;
	}
	SKIP: {
		skip "$name: ended before it could be looked at", 1 unless defined $byte;
		is(sprintf('%02x', $byte), sprintf('%02x', $want),
		   "$name: the probed instruction is restored in the running program");
	}

	my ($w, $st);
	my $deadline = time + 60;
	while (($w = waitpid(-1, WNOHANG)) != $pid) {
		last if $w < 0 || time > $deadline;
		sleep 0.01;
	}
	$st = $?;
	if ($w != $pid) {
		kill 'KILL', $pid;
		fail("$name: the program ends");
		next;
	}
	is(status_text($st), status_text($plain->{status}),
	   "$name: the program ends as untraced (" . status_text($plain->{status}) . ')');
	is(XolInv::slurp($out), $plain->{out}, "$name: same stdout");
	(my $e = XolInv::slurp($err) // '') =~ s/^xol(?: trace)?: .*\n//mg;
	is($e, $plain->{err}, "$name: same stderr");
}

done_testing();
