#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 22-threads-lost: nothing is lost silently (invariant 2).  procs 4 1000000
# runs 4 threads that call step(w, i) a million times each, under a probe
# recording both arguments: every one of the 4,000,000 hits is either a line
# of the trace or counted as lost, and the summary says so:
#     lines printed + lost = hits - misses = 4,000,000
# Then 4 x 250,000 with rings big enough for all (--buffer-size 1G):
# nothing lost, each thread's 250,000 lines exactly once; and 4 x 100,000
# with rings so small (--buffer-size 64k) that records must be dropped,
# probes placed by int3 (--trap): lost > 0 and the sum still holds.  A size too small for
# any ring (4k) is refused before the program runs, never traced silently.
# A static program, which the agent cannot get into, is not silently
# reported as "0 hits".  Every line is read as it is written (through a FIFO, never stored): it
# must parse, name its worker w (0..3) with a thread of its own, and each
# thread's i must only grow (a ring hands out its records once, in order).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Fcntl qw(O_WRONLY O_NONBLOCK);
use POSIX qw(mkfifo);
use Test::More;
use XolInv;

need_targets('procs', 'app-static');

my $bin = target('procs');
# 8-byte registers: on the jump path the trampoline itself writes the records
my $def = "p:inv/step $bin:" . symoff($bin, 'step') . ' w=%di:s64 i=%si:s64';

# Trace procs THREADS CALLS with OPTS; returns the run and what a reader of
# the FIFO saw: { lines, bad (unparsable), tids => { tid => [w, count] },
# disorder (a thread's i not growing), mixed (a tid with two workers) }.
sub traced {
	my ($threads, $calls, @opts) = @_;
	my $fifo = scratch() . "/trace.fifo";
	unlink $fifo;
	mkfifo($fifo, 0600) or die "mkfifo: $!\n";
	my $res = scratch() . '/reader.out';
	my $reader = fork // die "fork: $!\n";
	if (!$reader) {
		open my $in, '<', $fifo or POSIX::_exit(1);
		my ($lines, $bad, $disorder, $mixed, %last, %w, %n) = (0, 0, 0, 0);
		while (<$in>) {
			if (/^.{16}-(\d+) +\[\d{3}\] \.{5} +\d+\.\d{6}: step: \(0x[0-9a-f]+\) w=(\d+) i=(\d+)$/) {
				$lines++;
				$disorder++ if exists $last{$1} && $3 <= $last{$1};
				$last{$1} = $3;
				$mixed++ if exists $w{$1} && $w{$1} != $2;
				$w{$1} = $2;
				$n{$1}++;
			} else {
				$bad++;
			}
		}
		open my $out, '>', $res or POSIX::_exit(1);
		print $out "$lines $bad $disorder $mixed\n";
		print $out "$_ $w{$_} $n{$_}\n" for sort keys %n;
		close $out;
		POSIX::_exit(0);
	}
	my $r = trace([$def], [$bin, $threads, $calls], output => $fifo, opts => \@opts, timeout => 120);
	# If xol never opened the FIFO, the reader still waits in open(): let it see EOF.
	if (sysopen(my $fh, $fifo, O_WRONLY | O_NONBLOCK)) {
		close $fh;
	}
	waitpid($reader, 0);
	my ($head, @t) = split /\n/, XolInv::slurp($res) // "0 0 0 0\n";
	my %seen;
	@seen{qw(lines bad disorder mixed)} = split ' ', $head;
	$seen{tids} = { map { my ($tid, $w, $n) = split; ($tid => [$w, $n]) } @t };
	return ($r, \%seen);
}

sub accounts {
	my ($name, $threads, $calls, $r, $seen) = @_;
	my $total = $threads * $calls;
	my $s = $r->{summary}{'inv:step'} // { hits => -1, misses => -1, lost => -1 };

	is($r->{code}, 0, "$name: procs exits 0");
	is($r->{out}, "parent total=$total\n", "$name: procs counted $total calls itself");
	is($s->{hits}, $total, "$name: the summary counts $total hits");
	is($seen->{lines} + $s->{lost}, $s->{hits} - $s->{misses},
	   "$name: lines printed ($seen->{lines}) + lost ($s->{lost}) = hits - misses ($s->{misses})");
	is($seen->{bad}, 0, "$name: every line is a step line with w and i");
	# A thread whose records were all dropped has no line: with losses, at most.
	my @tids = keys %{$seen->{tids}};
	my @w = sort map { $_->[0] } values %{$seen->{tids}};
	my %uniq = map { $_ => 1 } @w;
	if ($s->{lost}) {
		ok(@tids >= 1 && @tids <= $threads, "$name: lines from 1 to $threads threads (" . @tids . ')');
		ok(keys %uniq == @w && !grep({ $_ < 0 || $_ >= $threads } @w),
		   "$name: one thread per worker (@w)");
	} else {
		is(scalar(@tids), $threads, "$name: nothing lost: lines from $threads threads");
		is(join(' ', map { $_->[0] . ':' . $_->[1] } sort { $a->[0] <=> $b->[0] } values %{$seen->{tids}}),
		   join(' ', map { "$_:$calls" } 0 .. $threads - 1),
		   "$name: nothing lost: one thread per worker, $calls lines each");
	}
	is($seen->{mixed}, 0, "$name: a thread's lines all name its own worker");
	is($seen->{disorder}, 0, "$name: each thread's i only grows (no record twice, none out of order)");
	return $s;
}

my ($r, $seen) = traced(4, 1_000_000);
my $s = accounts('4 x 1,000,000, default rings', 4, 1_000_000, $r, $seen);

# Rings big enough for every record: nothing lost, each exactly once.
($r, $seen) = traced(4, 250_000, '--buffer-size', '1G');
$s = accounts('4 x 250,000, --buffer-size 1G', 4, 250_000, $r, $seen);
is($s->{lost}, 0, '4 x 250,000, --buffer-size 1G: nothing lost');

# Rings so small that most records cannot fit.
($r, $seen) = traced(4, 100_000, '--buffer-size', '64k', '--trap');
$s = accounts('4 x 100,000, --buffer-size 64k --trap', 4, 100_000, $r, $seen);
cmp_ok($s->{lost}, '>', 0, '4 x 100,000, --buffer-size 64k --trap: records were lost, and counted');

# Smaller than any ring: refused before anything runs, never traced silently.
$r = trace([$def], [$bin, 4, 1000], opts => ['--buffer-size', '4k']);
is($r->{code}, 2, '--buffer-size 4k: xol trace refuses it (exit 2)');
like($r->{xol_err}, qr/--buffer-size/, '--buffer-size 4k: and says why');
is($r->{out}, '', '--buffer-size 4k: the program is not run');

# A program the agent cannot get into (static: no LD_PRELOAD) is not
# silently "0 hits": it is traced (5 hits), or xol says it was not.
my $static = target('app-static');
$r = trace(["p:inv/work $static:" . symoff($static, 'work') . ' a=%di'], [$static, 5]);
is($r->{out}, run([$static, 5])->{out}, 'a static program runs as untraced');
ok(($r->{summary}{'inv:work'}{hits} // 0) == 5 || $r->{xol_err} =~ /nothing was traced/,
   'a static program: its 5 hits are counted, or xol says it was not traced')
	or diag(explain($r->{summary}), "xol said: '$r->{xol_err}'");

done_testing();
