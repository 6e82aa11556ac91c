#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 85-static: static programs, which have no dynamic linker to load the
# agent and no libc it could use.  xol maps xol-agent-static.so into them
# itself, launched (held at their exec, armed before their first
# instruction) and attached (-p).  A static C program (glibc's libc.a)
# and a static Go program (CGO_ENABLED=0; Go's returns are probed at the
# function's ret instructions), each with an entry and a return probe:
# output and exit status as untraced, every call counted exactly, the
# values right, and an attached program runs on after the session ends.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Handle;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep);
use Test::More;
use XolInv;
no warnings 'exec';

need_targets('static-c');
if (!(`grep -m1 -ow fsgsbase /proc/cpuinfo` =~ /fsgsbase/)) {
	plan skip_all => 'this CPU or kernel lets no program set %gs (FSGSBASE): no static agent';
}
my $c = target('static-c');
my $go = -e target('go-static') ? target('go-static') : undef;
my $d = scratch();

# Run @cmd with $input on stdin: (stdout, stderr, status).
sub run_in {
	my ($input, @cmd) = @_;
	open(my $in, '>', "$d/in") or die;
	print $in $input;
	close $in;
	my $q = join ' ', map { "'$_'" } @cmd;
	my $out = `$q <'$d/in' 2>'$d/err'`;
	return ($out, XolInv::slurp("$d/err") // '', $? >> 8);
}

# --- launched -------------------------------------------------------------
# With a child after fork, followed: its calls are traced too, under its own pid.
my ($plain, undef, $plain_st) = run_in("5\nfork 7\n3\n", $c);
is($plain_st, 3, 'static C, untraced: exit status 3');
my ($out, $err, $st) = run_in("5\nfork 7\n3\n", xol(), 'trace', '-x', $c, '-e', 'work a b',
			      '-e', 'work%return $retval', '--', $c);
# Counting only: the trampolines' counting path, which finds the thread's block through %gs
# and checks it is this thread's; the child's first hit after its fork takes the long way
# (the page the fork wiped), and its hits are counted from then on.
{
	my ($sout, $serr, $sst) = run_in("20000\nfork 7\n3\n", xol(), 'stat', '-v', '-x', ',',
					 '-x', $c, '-e', 'work', '--', $c);
	is($sst, 3, 'static C, counting only: exit status as untraced') or diag($serr);
	like($serr, qr/^20010,0,[^\n]*:work$/m, 'static C, counting only: 20,010 hits, the child\'s 7 among them')
		or diag($sout, $serr);
	like($serr, qr{probe_static/work in static-c\[\d+\] at [^\n]*: jump:}, 'static C, counting only: on the jump path');
}

# A fetch that faults, in a program with a SIGSEGV handler of its own: (fault)-free, unharmed.
my ($fout, $ferr, $fst) = run_in("4\n", xol(), 'trace', '-x', $c, '-e',
				 'work a bad=+0x700000000000(%di):u64 s=+0x700000000000(%di):string', '--', $c);
is($fst, 3, 'static C, a fetch of a bad address: the program runs on') or diag($ferr);
unlike($ferr, qr/its own SIGSEGV handler/, '... its own SIGSEGV handler never sees the fetch\'s fault');
is(scalar(() = $fout =~ /work: \(0x[0-9a-f]+\) a=\d+ bad=0 s=\(fault\)$/mg), 4,
   '... 4 events, the string (fault) as the kernel prints it') or diag($fout);
is($st, 3, 'static C launched: exit status as untraced') or diag($err);
my @prog = grep { /^(round|child)/ } split /\n/, $out;
is(join("\n", @prog) . "\n", $plain, 'static C launched: output as untraced, the child\'s too');
like($err, qr/^\s+15\s+0\s+0\s+probe_static:work$/m, 'static C launched: 15 hits, the child\'s 7 among them')
	or diag($err);
# Per process, in order: each entry's a and b, and its return's 3a + b.
my (%seq, %want);
for (split /\n/, $out) {
	push @{ $seq{$1} }, "$2,$3" if /-(\d+)\s+\[\d+\] \S+ +[\d.]+: work: \(0x[0-9a-f]+\) a=(-?\d+) b=(-?\d+)$/;
	push @{ $seq{$1} }, hex($2) if /-(\d+)\s+\[\d+\] \S+ +[\d.]+: work__return: \(.*\) arg1=(0x[0-9a-f]+)$/;
}
my @pids = sort { $a <=> $b } keys %seq;
is(scalar(@pids), 2, 'static C launched: events from the program and its child') or diag($out);
my $parent = join ' ', (map { ("$_,0", 3 * $_) } 0 .. 4), (map { ("$_,1", 3 * $_ + 1) } 0 .. 2);
my $child = join ' ', map { ("$_,100", 3 * $_ + 100) } 0 .. 6;
is(join(' ', @{ $seq{$pids[0]} // [] }), $parent, 'static C launched: the program\'s arguments and $retval');
is(join(' ', @{ $seq{$pids[1]} // [] }), $child, 'static C launched: the child\'s arguments and $retval');

# --- attached ----------------------------------------------------------------
# The program, reading its rounds from a pipe; a session attached to it
# counts one round of 10,000 calls exactly; the next round runs untraced.
sub attached_counts {
	my ($bin, $n, $spec_entry, $spec_ret, $calls) = @_;
	pipe(my $r, my $w) or die;
	my $pid = fork // die;
	if (!$pid) {
		close $w;
		open(STDIN, '<&', $r) or die;
		open(STDOUT, '>', "$d/prog.out") or die;
		exec $bin;
		POSIX::_exit(127);
	}
	close $r;
	$w->autoflush(1);
	print $w "$n\n"; # a round before the session, untraced
	sleep 0.3;
	unlink "$d/stat.err";
	my $x = fork // die;
	if (!$x) {
		open(STDOUT, '>', "$d/stat.out");
		open(STDERR, '>', "$d/stat.err");
		exec xol(), 'stat', '-x', ',', '-p', $pid, '-x', $bin, '-e', $spec_entry,
			'-e', $spec_ret, '--duration', 3;
		POSIX::_exit(127);
	}
	for (1 .. 300) {
		last if (XolInv::slurp("$d/stat.err") // '') =~ /attached to/;
		sleep 0.01;
	}
	print $w "$n\n"; # counted
	waitpid($x, 0);
	my $xst = $? >> 8;
	print $w "$n\n"; # after the session: untraced again
	close $w;
	waitpid($pid, 0);
	return ($xst, $? >> 8, XolInv::slurp("$d/stat.out") // '',
		XolInv::slurp("$d/stat.err") // '', XolInv::slurp("$d/prog.out") // '');
}

my ($xst, $pst, $stat, $serr, $pout) = attached_counts($c, 10000, 'work a b', 'work%return $retval');
is($xst, 0, 'static C attached: the session ends well') or diag($serr);
is($pst, 3, 'static C attached: the program runs on and exits as untraced');
my ($p3) = run_in("10000\n10000\n10000\n", $c);
is($pout, $p3, 'static C attached: its output as untraced');
like($serr, qr/^10000,0,[^\n]*:work$/m, 'static C attached: 10,000 entries counted') or diag($stat, $serr);
like($serr, qr/^10000,0,[^\n]*:work__return$/m, 'static C attached: 10,000 returns counted');

# Attached 30 times in a row: each time armed and let go, the agent mapped once
# (the later sessions find it) and the process's memory flat.
{
	pipe(my $r, my $w) or die;
	my $pid = fork // die;
	if (!$pid) {
		close $w;
		open(STDIN, '<&', $r) or die;
		open(STDOUT, '>', '/dev/null');
		exec $c;
		POSIX::_exit(127);
	}
	close $r;
	my ($fails, $rss5, $rss) = (0, 0, 0);
	for my $i (1 .. 30) {
		my $q = join ' ', map { "'$_'" } xol(), 'stat', '-p', $pid, '-x', $c, '-e', 'work a b',
			'-e', 'work%return $retval', '--duration', '0.02';
		my $e = `$q 2>&1 >/dev/null`;
		$fails++ if $? || $e !~ /attached to $pid/;
		# private memory: a session's rings (shared) stay mapped until the next one comes
		($rss) = (XolInv::slurp("/proc/$pid/smaps_rollup") // '') =~ /Pss_Anon:\s+(\d+)/;
		$rss5 = $rss if $i == 5;
	}
	my $maps = XolInv::slurp("/proc/$pid/maps") // '';
	my $agents = () = $maps =~ /^\S+ r-xp .*xol-agent-static\.so/mg;
	close $w;
	waitpid($pid, 0);
	is($fails, 0, 'static C attached 30 times in a row: every session armed and ended');
	is($agents, 1, '... the agent mapped once');
	ok($rss - $rss5 < 256, "... its memory flat (Pss_Anon ${rss5} kB at the 5th, ${rss} kB at the 30th)");
	is($? >> 8, 3, '... and it exits as untraced');
}

SKIP: {
	skip 'no go (Debian golang-go) to build a static Go program', 9 unless $go;
	my ($gplain, undef, $gst) = run_in("1\n2\n", $go);
	like($gplain, qr/^round 1 \d+\nround 2 \d+\n$/, 'static Go, untraced');
	($out, $err, $st) = run_in("1\n2\n", xol(), 'stat', '-x', ',', '-x', $go, '-e', 'main.leaf',
				   '-e', 'main.leaf%return $retval', '--', $go);
	is($st, $gst, 'static Go launched: exit status as untraced') or diag($err);
	my @lines = split /\n/, $out;
	is(join("\n", grep { /^round / } @lines) . "\n", $gplain, 'static Go launched: output as untraced');
	like($err, qr/^168000,0,[^\n]*:main$/m, 'static Go launched: 2 x 84,000 entries') or diag($out, $err);
	like($err, qr/^168000,0,[^\n]*:main__return$/m, 'static Go launched: 2 x 84,000 returns');

	($xst, $pst, $stat, $serr, $pout) = attached_counts($go, 1, 'main.leaf', 'main.leaf%return $retval');
	is($xst, 0, 'static Go attached: the session ends well') or diag($serr);
	like($pout, qr/^(round 1 \d+\n){3}$/, 'static Go attached: runs on, output as untraced') or diag($pout);
	like($serr, qr/^84000,0,[^\n]*:main$/m, 'static Go attached: 84,000 entries counted')
		or diag($stat, $serr);
	like($serr, qr/^84000,0,[^\n]*:main__return$/m, 'static Go attached: 84,000 returns counted');
}

done_testing();
