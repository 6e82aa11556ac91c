#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 81-attach-bad-pids: every PID xol cannot attach to gives a clear error,
# a non-zero exit status, and changes nothing: no process that does not
# exist, a zombie, a kernel thread, a process already being ptraced, a
# static binary (no libc to load the agent with), a malformed PID list.
# A process served by another session already is not one of them: a
# second session attaches beside the first (82-attach-sessions.t).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep);
use Test::More;
use XolInv;
no warnings 'exec';

need_targets(qw(spin app-static));
my $spin = target('spin');
my $def = "p:bad/tick $spin:" . symoff($spin, 'tick');
my $d = scratch();

sub attach {
	my ($pids, @more) = @_;
	my $cmd = join ' ', map { "'$_'" } xol(), 'stat', '-p', $pids, '-e', $def, '--duration', '0.2', @more;
	my $err = `$cmd 2>&1 >/dev/null`;
	return ($? >> 8, $err);
}

sub has_agent {
	my ($pid) = @_;
	return (XolInv::slurp("/proc/$pid/maps") // '') =~ /libxol-agent/;
}

# a PID that is free: a child's, once reaped
my $gone = fork // die;
POSIX::_exit(0) unless $gone;
waitpid($gone, 0);
my ($st, $err) = attach($gone);
ok($st != 0 && $err =~ /^xol: no process with PID $gone$/m, 'no such process') or diag($err);

($st, $err) = attach('12ab');
ok($st != 0 && $err =~ /bad PID list '12ab'/, 'not a PID') or diag($err);

# a zombie: a child that exited, not reaped
my $z = fork // die;
POSIX::_exit(0) unless $z;
sleep 0.1;
($st, $err) = attach($z);
ok($st != 0 && $err =~ /^xol: $z \(.*\) is a zombie/m, 'a zombie') or diag($err);
waitpid($z, 0);

# a kernel thread: kthreadd
SKIP: {
	skip 'no kthreadd as PID 2 (a container?)', 1
		unless (XolInv::slurp('/proc/2/stat') // '') =~ /\(kthreadd\)/;
	($st, $err) = attach(2);
	ok($st != 0 && $err =~ /^xol: 2 \(kthreadd\) is a kernel thread/m, 'a kernel thread') or diag($err);
}

# a process already traced: the child stops at exec under PTRACE_TRACEME
SKIP: {
	skip 'PTRACE_TRACEME is wired for x86_64 only', 2 unless `uname -m` =~ /^x86_64/;
	my $t = fork // die;
	if (!$t) {
		syscall(101, 0, 0, 0, 0); # ptrace(PTRACE_TRACEME)
		exec $spin, 300;
		POSIX::_exit(127);
	}
	waitpid($t, WUNTRACED); # stopped at exec, traced by us
	($st, $err) = attach($t);
	ok($st != 0 && $err =~ /^xol: $t \(.*\) is already being traced by $$ /m, 'a process being ptraced')
		or diag($err);
	ok(!has_agent($t), '... and nothing was loaded into it');
	kill 'KILL', $t;
	waitpid($t, 0);
}

# a static binary is no bad PID: xol maps the agent that needs no libc (85-static.t)
my $s = fork // die;
if (!$s) {
	open(STDOUT, '>', '/dev/null');
	exec target('app-static'), 100000000;
	POSIX::_exit(127);
}
sleep 0.1;
($st, $err) = attach($s);
ok($st == 0 && $err =~ /^xol: attached to $s \(app-static\)/m, 'a static binary is attached')
	or diag($err);
kill 'KILL', $s;
waitpid($s, 0);

# a second session beside a first one is accepted
my $p = fork // die;
if (!$p) {
	open(STDERR, '>', '/dev/null');
	exec $spin, 300;
	POSIX::_exit(127);
}
sleep 0.2;
my $first = fork // die;
if (!$first) {
	open(STDERR, '>', "$d/first.err");
	open(STDOUT, '>', '/dev/null');
	exec xol(), 'stat', '-p', $p, '-e', $def, '--duration', '2';
	POSIX::_exit(127);
}
for (1 .. 300) {
	last if (XolInv::slurp("$d/first.err") // '') =~ /attached/;
	sleep 0.01;
}
($st, $err) = attach($p);
is($st, 0, 'a process another session traces: a second session attaches') or diag($err);
waitpid($first, 0);
is($? >> 8, 0, '... while the first session ends well');
($st, $err) = attach($p);
is($st, 0, 'and the next one attaches again') or diag($err);
kill 'KILL', $p;
waitpid($p, 0);
done_testing();
