#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 84-attach-other-user: root (CAP_SYS_PTRACE) attaches to a process of
# another user, as the kernel's permissions allow: the agent in it, which
# runs as that user, reaches the session (the socket is opened to it), the
# probe counts, and the process runs on.  Meanwhile a process of the same
# user that is not the traced one (nor started by it) connects to the
# session's socket with a well-formed HELLO: the session closes it unserved.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(:sys_wait_h);
use Socket;
use Time::HiRes qw(sleep);
use Test::More;
use XolInv;
no warnings 'exec';

plan skip_all => 'needs root (CAP_SYS_PTRACE) to attach to another user' if $> != 0;
need_targets('spin');
my $spin = target('spin');
my ($uid, $gid) = (65534, 65534); # nobody
plan skip_all => "user $uid cannot run $spin (a folder above it is closed to others)"
	if system('setpriv', "--reuid=$uid", "--regid=$gid", '--clear-groups', 'test', '-x', $spin);
plan skip_all => "user $uid cannot read the agent (a folder above it is closed to others)"
	if system('setpriv', "--reuid=$uid", "--regid=$gid", '--clear-groups', 'test', '-r',
		  build() . '/libxol-agent.so');
my $def = "p:other/tick $spin:" . symoff($spin, 'tick');
my $d = scratch();
chmod 0711, $d;

# spin run by nobody
my $pid = fork // die "fork: $!\n";
if (!$pid) {
	open(STDOUT, '>', '/dev/null');
	open(STDERR, '>', '/dev/null');
	exec 'setpriv', "--reuid=$uid", "--regid=$gid", '--clear-groups', $spin, 300;
	POSIX::_exit(127);
}
sleep 0.3;
my ($st_uid) = (XolInv::slurp("/proc/$pid/status") // '') =~ /^Uid:\s+(\d+)/m;
is($st_uid, $uid, "the program runs as uid $uid");

my $x = fork // die "fork: $!\n";
if (!$x) {
	$ENV{TMPDIR} = $d;
	open(STDOUT, '>', '/dev/null');
	open(STDERR, '>', "$d/xol.err");
	exec xol(), 'stat', '-x', ',', '-p', $pid, '-e', $def, '--duration', '1.5';
	POSIX::_exit(127);
}
for (1 .. 500) {
	last if (XolInv::slurp("$d/xol.err") // '') =~ /attached/;
	sleep 0.01;
}
like(XolInv::slurp("$d/xol.err") // '', qr/^xol: attached to $pid \(spin\)/m,
     'root attached to the other user\'s process');

# An intruder of the same uid, not the traced process: a valid HELLO, then what comes back.
my ($sock) = glob "$d/xol-*/ctl";
ok($sock && -S $sock, 'the session\'s socket') or diag(`ls -la $d`);
my $hello = q{
	socket(my $s, AF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!";
	connect($s, pack_sockaddr_un($ARGV[0])) or do { print "refused: $!"; exit };
	send($s, pack("LLll a16 a256", 1, 0x786f6c31, $$, getppid(), "intruder", "/bin/perl"), 0);
	my $n = recv($s, my $buf, 4096, 0);
	print defined $n && length($buf) ? "answered" : "closed";
};
my $intruder = `setpriv --reuid=$uid --regid=$gid --clear-groups perl -MSocket -e '$hello' '$sock' 2>&1`;
like($intruder, qr/^(closed|refused: .*)$/, "another process of uid $uid is not served: $intruder");
my $own = `perl -MSocket -e '$hello' '$sock' 2>&1`;
is($own, 'answered', 'the same HELLO from the session\'s own user is answered (it is well formed)');

waitpid($x, 0);
is($? >> 8, 0, 'the session ended') or diag(XolInv::slurp("$d/xol.err"));
my ($hits) = (XolInv::slurp("$d/xol.err") // '') =~ /^(\d+),\d+,other:tick$/m;
ok($hits && $hits > 0, 'the probe counted in the other user\'s process: ' . ($hits // 'none'));
ok(kill(0, $pid) && waitpid($pid, WNOHANG) == 0, 'the process runs on after the detach');
kill 'KILL', $pid;
waitpid($pid, 0);
done_testing();
