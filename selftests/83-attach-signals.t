#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 83-attach-signals: attaching to a program whose worker threads block
# every signal (selftests/targets/sigblock.c).  The kernel kills a thread
# that hits an int3 with SIGTRAP blocked, or faults with SIGSEGV blocked;
# so the session unblocks the agent's signals in the threads it holds, and
# the injected agent interposes the program's later sigaction() and
# pthread_sigmask() through its GOT as a preloaded one does by symbol.
# With a probe on the trap path (and on the jump path) fetching from a bad
# address: the program lives, a thread started after the attach with all
# signals blocked is traced too, the program's own SIGSEGV handler
# installed after the attach runs, and it exits 0.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IPC::Open2;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep);
use Test::More;
use XolInv;
no warnings 'exec';

need_targets('sigblock');
my $bin = target('sigblock');
my $def = "p:sig/work $bin:" . symoff($bin, 'work') . ' v=+0(%di):u64 i=%di:u64';
my $d = scratch();

for my $path ('--trap', 'jump') {
	my ($out, $in);
	my $pid = open2($out, $in, $bin);
	$in->autoflush(1);
	is(scalar <$out>, "ready\n", "$path: the program runs");
	my $trace = "$d/trace$path.txt";
	my $x = fork // die "fork: $!\n";
	if (!$x) {
		$ENV{TMPDIR} = $d;
		open(STDERR, '>', "$d/xol$path.err");
		exec xol(), 'trace', ($path eq '--trap' ? ('--trap') : ()), '-o', $trace, '-p', $pid,
			'-e', $def, '--duration', '2';
		POSIX::_exit(127);
	}
	for (1 .. 500) {
		last if (XolInv::slurp("$d/xol$path.err") // '') =~ /attached/;
		sleep 0.01;
	}
	like(XolInv::slurp("$d/xol$path.err") // '', qr/attached to $pid/, "$path: attached");
	print $in "more\n";
	is(scalar <$out>, "more\n", "$path: a new thread, with every signal blocked, and a fault of its own");
	waitpid($x, 0);
	is($? >> 8, 0, "$path: the session ended") or diag(XolInv::slurp("$d/xol$path.err"));
	ok(kill(0, $pid) && waitpid($pid, WNOHANG) == 0, "$path: the program lives");
	print $in "stop\n";
	close $in;
	my $rest = join '', <$out>;
	waitpid($pid, 0);
	is($?, 0, "$path: the program exits 0") or diag($rest);
	like($rest, qr/^own SIGSEGV handler ran$/m, "$path: its own SIGSEGV handler, installed after the attach, ran");
	my ($ta) = $rest =~ /^tid A (\d+)/m;
	my ($tb) = $rest =~ /^tid B (\d+)/m;
	my %per;
	for (split /\n/, XolInv::slurp($trace) // '') {
		$per{$1}++ if /^ *sigblock-(\d+) +\[\d{3}\] .{5} +\d+\.\d{6}: work: \(0x[0-9a-f]+\) v=\d+ i=\d+$/;
	}
	ok($ta && $per{$ta}, "$path: thread A (started blocked, before the attach) traced: "
	   . ($per{$ta // 0} // 0) . ' lines');
	ok($tb && $per{$tb}, "$path: thread B (started blocked, after the attach) traced: "
	   . ($per{$tb // 0} // 0) . ' lines');
}

done_testing();
