#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 11-trace-golden: `xol trace` prints the hits written in data/trace-golden.defs,
# exactly: the values the target programs compute, known from their sources.
# The kernel-free half of 10-trace-oracle: it needs neither root nor tracefs.
#
# For each section, runs of each target under `xol trace` (ASLR off, a fixed
# environment; once with the jump path where it is safe, once with --trap) and
# one untraced:
#
#   - the traced run prints what the untraced one prints and exits alike;
#   - each event's hits, from the event name on, with addresses named by
#     symbol, are the expected lines (in order; sorted for [...; unordered]);
#   - xol's summary counts as many hits as it printed, no misses, none lost.
#
# Definitions marked "# TODO: why" are known bugs (reported as TODO).
use strict;
use warnings;
use FindBin;
use Test::More;
BEGIN { require "$FindBin::Bin/data/trace-lib.pl"; XolTrace->import }

plan skip_all => 'xol is not built' unless -x xol_path();
plan skip_all => 'setarch -R does not work here' if system('setarch -R true >/dev/null 2>&1');

my @sections = read_defs("$FindBin::Bin/data/trace-golden.defs");
my %targets = map { $_ => 1 } map { @{$_->{progs}} } @sections;
my $dir = stage(sort(keys %targets), 'libxoltarget.so', 'libxolplugin.so');

sub without_bases { join '', grep { !/^\S+ base 0x[0-9a-f]+$/ } split /^/, $_[0] }

# One run of PROG under xol (MODE: jump or trap) against the expected hits.
sub check_run {
	my ($sec, $prog, $mode, $plain, $x, $files, @cmd) = @_;

	is("$x->{status}\n" . without_bases($x->{out}), "$plain->{status}\n" . without_bases($plain->{out}),
	   "$prog [$mode] @cmd[1..$#cmd]: the same output and exit status as untraced")
		or diag("xol's stderr:\n$x->{err}");

	my $bases = mapped_bases($x->{out});
	my $namer = addr_namer([exe_bias($files->{BIN}), $files->{BIN}, undef],
			       map { my $n = $_; map { [$_, "$dir/$n", undef] } @{$bases->{$n}} }
			       grep { -f "$dir/$_" } sort keys %$bases);
	my @hits = parse_trace($x->{trace});
	my %seen;
	for my $ev (grep { !$seen{$_}++ } map { $_->{event} } @{$sec->{defs}}) {
		my @mine = grep { $_->{event} eq $ev } @{$sec->{defs}};
		my @want = map { @{$_->{expect}} } @mine;
		my @got = map { visible($namer->($_->{text})) } grep { $_->{event} eq $ev } @hits;
		@got = sort @got if $sec->{unordered};
		my $s = $x->{summary}{$ev} // [0, 0, 0];
		my ($todo) = map { $_->{todo} // () } @mine;
		TODO: {
			local $TODO = $todo;
			is(join("\n", @got, ''), join("\n", @want, ''),
			   "$prog [$mode]: $ev (defs line $mine[0]{line}): " . scalar(@want) . ' hits as expected');
		}
		is("@$s", scalar(@got) . ' 0 0', "$prog [$mode]: $ev: summary hits=printed, no misses, none lost");
	}
}

for my $sec (@sections) {
	for my $prog (@{$sec->{progs}}) {
		my %files = (BIN => "$dir/$prog", LIB => "$dir/libxoltarget.so",
			     PLUGIN => "$dir/libxolplugin.so");
		my @defs = map { resolve_def($_->{text}, \%files) } @{$sec->{defs}};
		my @cmd = ($files{BIN}, @{$sec->{args}});
		my $plain = run_cmd(same_env_cmd(@cmd));
		for my $m (@MODES) {
			my $x = xol_run(\@defs, $m->[1], @cmd);
			check_run($sec, $prog, $m->[0], $plain, $x, \%files, @cmd);
		}
	}
}

done_testing();
