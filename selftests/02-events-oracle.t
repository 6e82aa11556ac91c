#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 02-events-oracle: the same tables as 01-events-golden, written to the live
# kernel's uprobe_events and to `xol events`, compared with each other:
# listing, format files (ID: aside), error message, command and caret.
#
# Needs root and tracefs with uprobe_events; skips otherwise.  Events are
# created only in groups named *xoltest* (or with default names in group
# uprobes) and only those are deleted, also when the test is interrupted.
# Runs of this test on one machine take turns (a lock file).  Set
# XOL_ORACLE_MISMATCHES=FILE to get every difference written to FILE.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolEvents;

my $xol = xol_path();
plan skip_all => "$xol is not built" unless -x $xol;
if (my $why = kernel_unusable()) {
	plan skip_all => "kernel oracle unavailable: $why";
}
enter_fixture();    # relative paths in the tables are relative to it

my $dir = data_dir();
my @good = read_good("$dir/uprobe-good.defs");
my @ggood = read_golden_good("$dir/uprobe-good.golden");
my @bad = read_bad("$dir/uprobe-bad.defs");
my @gbad = read_golden_bad("$dir/uprobe-bad.golden");
my ($matched, $total, $gmatched, $bmatched, @report, @drift, @kbugs) = (0, 0, 0, 0);

sub short {
	my $s = shift;
	$s =~ s/\n/ \\n /g;
	$s =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
	return length $s > 90 ? substr($s, 0, 87) . '...' : $s;
}

for my $i (0 .. $#good) {
	my $s = $good[$i];
	my $k = kernel_good($s->{writes});
	push @kbugs, @{$k->{kernel_bugs} // []};
	my $name = ($s->{about} || short(join ' ; ', @{$s->{writes}})) . " (uprobe-good.defs:$s->{line})";
	my @d = compare_good($k, xol_good($s->{writes}, [map { $_->[0] } @{$k->{formats}}]));
	push @drift, $name if $ggood[$i] && !golden_stale_good($s, $ggood[$i]) && compare_good($ggood[$i], $k);
	$total++;
	@d ? push(@report, $name, map { "    $_" } @d) : ($matched++, $gmatched++);
	TODO: {
		local $TODO = $s->{todo};
		ok(!@d, "xol and the kernel agree: $name") or diag(join "\n", @d);
	}
}

for my $i (0 .. $#bad) {
	my $c = $bad[$i];
	my $k = kernel_bad($c);
	my $name = "$c->{id}: " . short($c->{write}) . " (uprobe-bad.defs:$c->{line})";
	my @d = compare_bad($k, xol_bad($c));
	my $g = $gbad[$i];
	push @drift, $name if $g && !golden_stale_bad($c, $g) &&
		grep { ($g->{$_} // '') ne ($k->{$_} // '') } qw(errno logged message command pos);
	$total++;
	@d ? push(@report, $name, map { "    $_" } @d) : ($matched++, $bmatched++);
	TODO: {
		local $TODO = $c->{todo};
		ok(!@d, "xol and the kernel agree: $name") or diag(join "\n", @d);
	}
}

diag(sprintf 'kernel oracle: %d/%d definitions matched (good scenarios %d/%d, bad definitions %d/%d) on Linux %s',
	$matched, $total, $gmatched, scalar @good, $bmatched, scalar @bad, (POSIX::uname())[2]);
diag(scalar(@drift) . " case(s) where this kernel differs from the golden files, e.g. $drift[0]") if @drift;
diag("kernel bug worked around: $_ (6.18 reads the field names from the freed probe)") for @kbugs;

if (my $f = $ENV{XOL_ORACLE_MISMATCHES}) {
	open my $fh, '>', $f or die "$f: $!\n";
	print $fh "# xol events vs Linux ", (POSIX::uname())[2], ": $matched/$total definitions matched\n";
	print $fh "# (- is the kernel, + is xol)\n";
	print $fh "$_\n" for @report;
	close $fh;
}

done_testing();
