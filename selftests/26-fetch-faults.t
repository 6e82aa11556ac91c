#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 26-fetch-faults: a fetch that faults never crashes the target (invariant
# 3) and prints what the kernel prints: (fault) for a string, 0 for a
# number that cannot be read at all, and the bytes that could be read of a
# number running into an unreadable page (the kernel's copy stops there).
#
# The faults target calls show(s, n) nine times with pointers good and bad
# (NULL, 1, a PROT_NONE page, a non-canonical and a kernel address, an
# empty string, a string and a number running into a PROT_NONE page) and
# never reads them itself.  Three events dereference them:
#   show   s=+0(%di):string n=+0(%si):s64 u=+0(%si):u64 x=+0(%si):x32
#   deref  double dereferences, an array, a ustring, stack slots near and far
#   bits   bitfields of *n
#   jump   s=+0(%di):string n=+0(%si):s64, on show_jump(s, n), called after
#          each show(): on the jump path its trampoline writes the record,
#          string and number included
# With probes placed by jumps (the default) and by int3 (--trap): the
# program's output and exit status are its own; `show` prints the literal
# values below; and, where root and tracefs are there, every line of every
# event is the kernel's own line for the same definition and the same run
# (ASLR off), from the event name on.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets('faults');
exclusive('26-fetch-faults'); # the kernel's probe on faults would be armed in our xol run too

my $bin = target('faults');
my $off = symoff($bin, 'show');
my %args = (
	show  => 's=+0(%di):string n=+0(%si):s64 u=+0(%si):u64 x=+0(%si):x32',
	deref => 'dd=+0(+0(%si)):u64 ds=+0(+0(%di)):string a=+0(%si):u8[3] us=+0(%di):ustring ' .
		 'ret=+0(%sp):x64 far=+0x7ffffff0(%sp):u64',
	bits  => 'b0=+0(%si):b4@0/32 b1=+0(%si):b2@1/32 b2=+0(%si):b3@3/8 b3=+0(%si):b4@4/64',
	jump  => 's=+0(%di):string n=+0(%si):s64',
);
my @events = qw(show deref bits jump);
my $jump_off = symoff($bin, 'show_jump');
my @defs = map { "p:GRP/$_ $bin:" . ($_ eq 'jump' ? $jump_off : $off) . " $args{$_}" } @events;

my @calls = ('a good string and number', 'NULL', 'the address 1', 'a PROT_NONE page',
	     'a non-canonical address', 'a kernel address', 'an empty string',
	     'a string and a number running into a PROT_NONE page', 'a good string and number again');
my $bad = 's=(fault) n=0 u=0 x=0x0';
my @show = ('s="hello" n=42 u=42 x=0x2a', ($bad) x 5, 's="" n=42 u=42 x=0x2a',
	    's=(fault) n=1667391744 u=1667391744 x=0x63626100', 's="hello" n=42 u=42 x=0x2a');
my %todo;	# "event call" => reason, for known engine bugs

my $plain = run([$bin]);
is($plain->{out}, "faults: 9 calls\n", 'untraced, faults makes its 9 calls');

my @xdefs = map { s{^p:GRP/}{p:inv/}r } @defs;
my @paths = (['jump path', []], ['trap path', ['--trap']]);
my %x;	# path => event => [parsed lines]
for my $p (@paths) {
	my ($path, $opts) = @$p;
	my $r = trace(\@xdefs, [$bin], prefix => ['setarch', '-R'], opts => [@$opts, '-v']);
	is($r->{out}, $plain->{out}, "$path: the program prints the same");
	is($r->{err}, $plain->{err}, "$path: and the same on stderr");
	is($r->{code}, $plain->{code}, "$path: it exits as untraced ($plain->{code})");
	like($r->{xol_err}, qr{inv/jump .*the trampoline writes the record},
	     "$path: jump's trampoline writes its record, string and number included") unless @$opts;
	for my $e (@events) {
		$x{$path}{$e} = [by_event($r, $e)];
		is(scalar(@{$x{$path}{$e}}), 9, "$path: $e: one line per call");
	}
	for my $i (0 .. $#calls) {
		local $TODO = $todo{"show $i"};
		my $l = $x{$path}{show}[$i];
		is($l && $l->{args}, " $show[$i]", "$path: show with $calls[$i]: $show[$i]");
		my $want = $show[$i] =~ s/ u=.*//r;
		my $jl = $x{$path}{jump}[$i];
		is($jl && $jl->{args}, " $want", "$path: jump with $calls[$i]: $want");
	}
}

SKIP: {
	my $why = kernel_unusable();
	skip "kernel oracle unavailable: $why", @paths * @events * @calls if $why;
	my $grp = kernel_define(26, @defs);
	my ($kr, @lines) = tracefs_record([map { "$grp:$_" } @events], [$bin]);
	kernel_clear();
	my %k;
	for (map { parse_line($_) } @lines) {
		push @{$k{$_->{event}}}, $_ if $_;
	}
	my $text = sub { my ($p) = @_; $p ? "$p->{event}: ($p->{ip})$p->{args}" : '(no line)' };
	for my $path (map { $_->[0] } @paths) {
		for my $e (@events) {
			for my $i (0 .. $#calls) {
				local $TODO = $todo{"$e $i"};
				is($text->($x{$path}{$e}[$i]), $text->($k{$e}[$i]),
				   "$path: $e with $calls[$i]: as the kernel prints it");
			}
		}
	}
}

done_testing();
