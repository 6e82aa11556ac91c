#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 42-probe-sdt: SDT markers (<sys/sdt.h>).  probe-sdt N fires xolsdt:tick
# (guarded by a semaphore: it fires only while the semaphore is set) and
# xolsdt:plain (no semaphore) N times, and says how often it saw the
# semaphore set.  `xol list sdt` lists both; `sdt_xolsdt:tick` and
# `%xolsdt:plain` resolve to probes with arg1..argN and, for tick, the
# semaphore as (REF_CTR_OFFSET); under `xol trace` both fire N times with
# the marker's values, the semaphore is set while armed (and only then).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets(qw(probe-sdt));
my $bin = target('probe-sdt');
my $N = 5;

my $l = run([xol(), 'list', 'sdt', '-x', $bin]);
like($l->{out}, qr/^sdt_xolsdt:tick +\Q$bin\E:0x[0-9a-f]+ semaphore 0x[0-9a-f]+  \S+\@\S+ \S+\@\S+$/m,
     'list sdt: the marker with a semaphore, its offset, the semaphore, two args');
like($l->{out}, qr/^sdt_xolsdt:plain +\Q$bin\E:0x[0-9a-f]+  \S+\@\S+ \S+\@\S+ \S+\@\S+$/m,
     'list sdt: the marker without, three args');

my $p = run([xol(), 'probe', '-x', $bin, 'sdt_xolsdt:tick', '%xolsdt:plain']);
my @d = split /\n/, $p->{out};
like($d[0] // '', qr{^p:sdt_xolsdt/tick \Q$bin\E:0x[0-9a-f]+\(0x[0-9a-f]+\) arg1=\S+:s32 arg2=\S+:s64$},
     'sdt_PROVIDER:NAME: group sdt_PROVIDER, the semaphore as (REF_CTR_OFFSET), typed args');
like($d[1] // '', qr{^p:sdt_xolsdt/plain \Q$bin\E:0x[0-9a-f]+ arg1=\S+:s32 arg2=\S+:s64 arg3=\S+:s32$},
     '%PROVIDER:NAME: no semaphore, three args');
my $bad = run([xol(), 'probe', '-x', $bin, 'sdt_xolsdt:tock']);
like($bad->{err}, qr/no SDT marker xolsdt:tock; its markers: xolsdt:tick, xolsdt:plain/, 'a wrong marker: the markers there are');

is(run([$bin, $N])->{out}, "enabled 0 of $N\n", 'untraced: the semaphore is never set');
for my $how (['by definitions', \@d, []], ['in one step', ['sdt_xolsdt:tick', '%xolsdt:plain'], ['-x', $bin]],
	     ['trap path', \@d, ['--trap']]) {
	my ($what, $defs, $opts) = @$how;
	my $r = trace($defs, [$bin, $N], opts => $opts);
	is($r->{out}, "enabled $N of $N\n", "$what: the semaphore is set while armed");
	my @t = by_event($r, 'tick');
	is(join(' ', map { "$_->{arg}{arg1}/$_->{arg}{arg2}" } @t),
	   join(' ', map { "$_/" . ($_ * 1000 + 7) } 0 .. $N - 1), "$what: tick fires with (i, i * 1000 + 7)");
	my @pl = by_event($r, 'plain');
	is(join(' ', map { "$_->{arg}{arg1}/$_->{arg}{arg2}/$_->{arg}{arg3}" } @pl),
	   join(' ', map { "$_/" . ($_ * 1000) . '/' . -$_ } 0 .. $N - 1), "$what: plain fires with (i, i * 1000, -i)");
}

done_testing();
