#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 01-events-golden: `xol events` says what Linux 6.18 says for every line of
# the uprobe_events tables, with no kernel needed.
#
#   selftests/data/uprobe-good.defs   each scenario prints the kernel's
#                                     uprobe_events listing, and each event
#                                     its format file (the ID: line aside)
#   selftests/data/uprobe-bad.defs    each definition fails: exit status 1,
#                                     nothing on stdout, and on stderr the
#                                     kernel's error_log entry, with its
#                                     message, command and caret column
#                                     (or one line where the kernel logs
#                                     nothing)
#
# The expected outputs are selftests/data/uprobe-*.golden, read off the
# kernel by selftests/lib/gen-golden.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolEvents;

my $xol = xol_path();
plan skip_all => "$xol is not built" unless -x $xol;
enter_fixture();    # relative paths in the tables are relative to it

my $dir = data_dir();
my @good = read_good("$dir/uprobe-good.defs");
my @ggood = read_golden_good("$dir/uprobe-good.golden");
my @bad = read_bad("$dir/uprobe-bad.defs");
my @gbad = read_golden_bad("$dir/uprobe-bad.golden");

sub short {
	my $s = shift;
	$s =~ s/\n/ \\n /g;
	$s =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
	return length $s > 90 ? substr($s, 0, 87) . '...' : $s;
}

for my $i (0 .. $#good) {
	my ($s, $g) = ($good[$i], $ggood[$i]);
	my $name = ($s->{about} || short(join ' ; ', @{$s->{writes}})) . " (uprobe-good.defs:$s->{line})";
	if (my $why = golden_stale_good($s, $g)) {
		fail($name);
		diag("golden entry $why: run selftests/lib/gen-golden");
		next;
	}
	my @d = compare_good($g, xol_good($s->{writes}, [map { $_->[0] } @{$g->{formats}}]));
	TODO: {
		local $TODO = $s->{todo};
		ok(!@d, $name) or diag(join "\n", @d);
	}
}

for my $i (0 .. $#bad) {
	my ($c, $g) = ($bad[$i], $gbad[$i]);
	my $what = $c->{logged} ? "$c->{id} at column $c->{pos}" : "$c->{id}, not logged";
	my $name = "$what: " . short($c->{write}) . " (uprobe-bad.defs:$c->{line})";
	if (my $why = golden_stale_bad($c, $g)) {
		fail($name);
		diag("golden entry $why: run selftests/lib/gen-golden");
		next;
	}
	my @d = compare_bad($g, xol_bad($c));
	TODO: {
		local $TODO = $c->{todo};
		ok(!@d, $name) or diag(join "\n", @d);
	}
}

# The command itself: what reading an empty uprobe_events and a missing
# format file give.
{
	my $out = `$xol events 2>&1`;
	ok($? == 0 && $out eq '', 'no definitions: an empty listing, exit status 0');
	my @err = `$xol events -e 'p:xoltest/a /bin/sh:0x10' --format xoltest/none 2>&1 >/dev/null`;
	my $st = $? >> 8;
	my $stdout = `$xol events -e 'p:xoltest/a /bin/sh:0x10' --format xoltest/none 2>/dev/null`;
	ok($st == 1 && @err == 1 && $stdout eq '', 'the format of a missing event: exit 1, one line on stderr')
		or diag("exit $st, stderr: @err, stdout: $stdout");
}

done_testing();
