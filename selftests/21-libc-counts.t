#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 21-libc-counts: probes on libc's malloc, free, memcpy and clock_gettime
# count exactly (the hit path itself calls none of them).
#
# The libc-calls target makes N rounds of malloc, 2 x memcpy, clock_gettime
# and free between mark_begin() and mark_end(), and prints the counts it
# made.  memcpy is an IFUNC: the probe goes on the implementation the
# program really runs (libc-calls finds it with dladdr).  Counted are the
# hits of the program's thread between the two markers, and they must be
#   - what the program says it called, and
#   - what the kernel's own uprobes count for the same definitions in the
#     same window (perf record), where root, tracefs and perf are there;
# and over the whole run, start and exit included, xol's summary must count
# what the kernel counts (perf stat): the agent's own calls are not the
# program's.  Probes placed by jumps (the default) and by int3 (--trap).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets('libc-calls');

my $N = 2000;
my @funcs = qw(malloc free memcpy clock_gettime);
my $bin = target('libc-calls');
my $w = libc_where();
my %args = (malloc => ' size=%di:u64', free => ' ptr=%di:x64', memcpy => ' n=%dx:u64',
	    clock_gettime => ' clk=%di:s32');
my @defs = ("p:GRP/begin $bin:" . symoff($bin, 'mark_begin'),
	    "p:GRP/end $bin:" . symoff($bin, 'mark_end'),
	    map { "p:GRP/$_ $w->{$_}[0]:$w->{$_}[1]$args{$_}" } @funcs);
note("memcpy runs $w->{memcpy}[0]:$w->{memcpy}[1] ($w->{memcpy}[2])");

# { event => count } of TID's events strictly between begin and end; EVENTS
# is a list of [tid, event].
sub window {
	my (@events) = @_;
	my (%n, $tid, $in);
	for my $e (@events) {
		my ($t, $name) = @$e;
		if ($name eq 'begin' && !defined $tid) {
			($tid, $in) = ($t, 1);
		} elsif ($name eq 'end' && defined $tid && $t == $tid) {
			$in = 0;
			$n{end}++;
		} elsif ($in && $t == $tid) {
			$n{$name}++;
		}
	}
	$n{$_} //= 0 for @funcs;
	return \%n;
}

my $plain = run([$bin, $N]);
my %says = $plain->{out} =~ /^(\w+)=(\d+)$/mg;
is_deeply([map { $says{$_} } @funcs], [$N, $N, 2 * $N, $N],
	  "untraced, libc-calls $N makes $N mallocs, frees, clock_gettimes and " . 2 * $N . ' memcpys');

my @xdefs = map { s{^p:GRP/}{p:inv/}r } @defs;
my (%r, %x);
for my $p (['jump path', []], ['trap path', ['--trap']]) {
	my ($path, $opts) = @$p;
	my $r = $r{$path} = trace(\@xdefs, [$bin, $N], opts => $opts);
	is($r->{code}, 0, "$path: libc-calls exits 0");
	is($r->{out}, $plain->{out}, "$path: it prints what it prints untraced");
	is($r->{xol_err}, '', "$path: every probe was placed") or diag($r->{xol_err});

	my $x = $x{$path} = window(map { my $p = parse_line($_); $p ? [$p->{tid}, $p->{event}] : () } @{$r->{trace}});
	is($x->{end}, 1, "$path: xol saw both markers");
	is($x->{$_}, $says{$_}, "$path: xol counts $_ between the markers as the program does ($says{$_})")
		for @funcs;

	for my $e (@funcs) {
		my $s = $r->{summary}{"inv:$e"};
		my $lines = grep { /: $e: / } @{$r->{trace}};
		ok($s && $s->{misses} == 0 && $s->{lost} == 0 && $s->{hits} == $lines,
		   "$path: $e: nothing missed or lost, every hit of the run printed ($lines)")
			or diag(explain($s));
	}
}

SKIP: {
	my $why = kernel_unusable(with => 'perf');
	skip "kernel oracle unavailable: $why", 1 + 4 * @funcs if $why;
	my $grp = kernel_define(21, @defs);
	my ($kr, @kev) = perf_record([map { "$grp:$_" } 'begin', 'end', @funcs], [$bin, $N]);
	my $k = window(map { [$_->[0], (split /:/, $_->[1])[1]] } @kev);
	is($k->{end}, 1, 'the kernel saw both markers');

	# The whole run, the program's start and end included.
	my ($sr, $kn) = perf_stat([map { "$grp:$_" } @funcs], [$bin, $N]);
	kernel_clear();
	for my $path (sort keys %x) {
		is($x{$path}{$_}, $k->{$_}, "$path: xol counts $_ between the markers as the kernel's uprobes do ($k->{$_})")
			for @funcs;
		is($r{$path}{summary}{"inv:$_"}{hits}, $kn->{"$grp:$_"},
		   "$path: xol counts $_ over the whole run as the kernel does ($kn->{\"$grp:$_\"})")
			for @funcs;
	}
}

done_testing();
