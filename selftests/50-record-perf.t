#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 50-record-perf: the perf.data files xol record writes are read by the real
# perf, and xol script prints them exactly as perf script does.
#
# For each recording of data/record-corpus.defs (every fetch-arg type, entry
# and return events, threads, a forked child):
#
#   - xol record succeeds and prints perf's kind of summary line;
#   - `perf script -i FILE` and `xol script -i FILE` print the same bytes;
#   - `perf report -i FILE --stdio` succeeds and lists every event;
#   - the same in pipe format (-o -), and live: xol record -o - | xol script -i -.
#
# Skips where perf is missing.
use strict;
use warnings;
use Cwd qw(abs_path);
use FindBin;
use File::Temp qw(tempdir);
use Test::More;

my $top = abs_path("$FindBin::Bin/..");
my $build = abs_path($ENV{XOL_BUILD} // "$top/build") // die "no build directory\n";
my $xol = "$build/xol";
plan skip_all => 'xol is not built' unless -x $xol;
plan skip_all => 'perf is not installed' if system('perf version >/dev/null 2>&1');

my $tmp = tempdir(CLEANUP => 1);

sub slurp { local $/; open my $f, '<', $_[0] or return ''; my $s = <$f>; close $f; $s }

sub read_corpus {
	my @secs;
	open my $f, '<', "$FindBin::Bin/data/record-corpus.defs" or die "corpus: $!\n";
	while (<$f>) {
		chomp;
		next if /^\s*(#|$)/;
		if (/^\[(\S+)\]\s+(\S+)\s*(.*)$/) {
			push @secs, { name => $1, prog => $2, args => [split ' ', $3], defs => [] };
			next;
		}
		push @{$secs[-1]{defs}}, $_;
	}
	return @secs;
}

sub symoff {
	my ($bin, $sym) = @_;
	my $off = `sh $top/selftests/lib/symoff $bin $sym`;
	chomp $off;
	return $off;
}

for my $sec (read_corpus()) {
	my $bin = "$build/targets/$sec->{prog}";
	my @defs = map {
		my $d = $_;
		$d =~ s/\@BIN\@/$bin/g;
		$d =~ s/\@(\w+)\@/symoff($bin, $1)/ge;
		$d
	} @{$sec->{defs}};
	my $defs = "$tmp/$sec->{name}.defs";
	open my $f, '>', $defs or die;
	print $f "$_\n" for @defs;
	close $f;
	my @events = map { m{^[pr]:(\S+?)/(\S+)} ? "$1:$2" : () } @defs;
	my %seen;
	@events = grep { !$seen{$_}++ } @events;
	my $cmd = "--probe-file $defs -- $bin @{$sec->{args}}";
	system("$bin @{$sec->{args}} >/dev/null 2>&1");
	my $status = $? >> 8;

	# the file format
	my $data = "$tmp/$sec->{name}.data";
	my $err = `$xol record -o $data $cmd 2>&1 >/dev/null`;
	is($? >> 8, $status, "$sec->{name}: xol record exits as the program does ($status)") or diag($err);
	like($err, qr/^\[ xol record: Captured and wrote [\d.]+ MB \Q$data\E \((\d+) samples\) \]$/m,
	     "$sec->{name}: perf's kind of summary line");
	my ($n) = $err =~ /\((\d+) samples\)/;
	ok(($n // 0) > 0, "$sec->{name}: samples were recorded");

	my $perf = `perf script -i $data 2>$tmp/perf.err`;
	is($?, 0, "$sec->{name}: perf script reads the file") or diag(slurp("$tmp/perf.err"));
	my $mine = `$xol script -i $data 2>$tmp/xol.err`;
	is($?, 0, "$sec->{name}: xol script reads the file") or diag(slurp("$tmp/xol.err"));
	ok($mine eq $perf, "$sec->{name}: xol script prints what perf script prints, byte for byte")
		or do {
			open my $a, '>', "$tmp/a" or die; print $a $perf; close $a;
			open my $b, '>', "$tmp/b" or die; print $b $mine; close $b;
			diag(`diff $tmp/a $tmp/b | head -20`);
		};
	my @lines = split /\n/, $perf;
	is(scalar(@lines), $n, "$sec->{name}: perf script prints every sample");

	my $rep = `perf report -i $data --stdio 2>$tmp/perf.err`;
	is($?, 0, "$sec->{name}: perf report --stdio succeeds") or diag(slurp("$tmp/perf.err"));
	for my $ev (@events) {
		like($rep, qr/^# Samples: \d+\s+of event '\Q$ev\E'$/m, "$sec->{name}: perf report lists $ev");
	}

	# the pipe format, read by both
	my $pdata = "$tmp/$sec->{name}.pipe";
	$err = `$xol record -o - $cmd 2>&1 >$pdata`;
	is($? >> 8, $status, "$sec->{name}: xol record -o - exits as the program does") or diag($err);
	$perf = `perf script -i - <$pdata 2>$tmp/perf.err`;
	is($?, 0, "$sec->{name}: perf script reads the pipe format") or diag(slurp("$tmp/perf.err"));
	$mine = `cat $pdata | $xol script -i - 2>$tmp/xol.err`;
	ok($? == 0 && $mine eq $perf, "$sec->{name}: xol script -i - prints what perf script -i - prints")
		or diag(slurp("$tmp/xol.err"));

	# live
	my $live = `$xol record -o - $cmd 2>/dev/null | $xol script -i - 2>$tmp/xol.err`;
	is(scalar(() = $live =~ /\n/g), $n, "$sec->{name}: live, xol record -o - | xol script -i -")
		or diag(slurp("$tmp/xol.err"));
}

done_testing();
