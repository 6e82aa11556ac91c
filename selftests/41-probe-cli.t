#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 41-probe-cli: xol probe without the perf oracle: errors that say what and
# where (the binary, the debug information, close names), perf's naming
# (groups, __return, NAME=, suffixes), -F/-V/-L listings, symbols without
# DWARF, and the one step: `xol trace|stat -x BIN -e SPEC` resolves specs
# and the probes fire with the right values (in a program and in a shared
# library); functions C nests, found and fired.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets(qw(probe-c-O0 probe-c-O2 probe-cxx-O0 probe-lib libprobe.so probe-nested-O0 probe-nested-O2));
my $c2 = target('probe-c-O2');
my $c0 = target('probe-c-O0');
my $lib = target('libprobe.so');

sub probe { run([xol(), 'probe', @_]) }

# --- errors: what, where, and what is close --------------------------------------
my @errors = (
	[[$c2, 'item_wieght'], qr/'item_wieght': item_wieght not found in \Q$c2\E \(DWARF from \Q$c2\E\); did you mean item_weight\?/,
	 'a misspelt function: the binary, the DWARF, the close name'],
	[[$c2, 'fill nmae'], qr/no variable 'nmae' in fill at 0x[0-9a-f]+; did you mean name\?/,
	 'a misspelt variable: the function, the address, the close name'],
	[[$c2, 'fill it->nmae'], qr/'it' \(type item\) has no member 'nmae'; did you mean name/,
	 'a misspelt member: the type, the close members'],
	[[$c2, 'fill it.name'], qr/'it' is a pointer: use '->name', not '.name'/, 'a pointer used with .'],
	[[$c2, 'fill i->x'], qr/'i' does not point to a structure|'i' is not a structure/, '-> on an int'],
	[[$c2, 'name_len:3'], qr/name_len:3 \(line \d+ of \S+probe-c.c\) has no code/, 'a line without code says why'],
	[[$c2, 'item_weight:4'], qr/line \d+ has no code of its own: its first instruction \(0x[0-9a-f]+\) is line \d+'s; probe item_weight:0 instead/,
	 'a line sharing its address: which line to probe instead'],
	[[$c2, 'fill:x'], qr/non-digit char in the line number 'x'/, 'a bad line number'],
	[[$c2, 'fill%entry'], qr/%entry is not supported/, 'an unknown %place'],
	[[$c2, 'fill name:u8x'], qr/uprobe_events would refuse the definition:\n.*Unknown type/s, 'a bad type: the kernel\'s error'],
	[[$c2, 'scale%return'], qr/scale is inlined there: an inlined instance has no return to probe/,
	 '%return on an inlined function says why not'],
	[['/nonexistent/app', 'main'], qr{/nonexistent/app: No such file or directory}, 'a missing binary'],
);
for my $e (@errors) {
	my ($args, $re, $what) = @$e;
	my $r = probe('-x', @$args);
	isnt($r->{code}, 0, "$what: fails");
	like($r->{err}, $re, "$what: says so") or diag($r->{err});
	is($r->{out}, '', "$what: prints no definition");
}

# --- naming ------------------------------------------------------------------------
my $r = probe('-x', $c2, 'fill', 'fill%return $retval', 'fill i', 'mine=fill', 'grp:ev=mix c', 'ite*');
my @g = map { /^([pr]):(\S+) / ? "$1:$2" : $_ } split /\n/, $r->{out};
is("@g", 'p:probe_probe/fill r:probe_probe/fill__return p:probe_probe/fill_1 p:probe_probe/mine p:grp/ev p:probe_probe/item_weight',
   'names: probe_<stem>, __return, _N for a name taken by an earlier spec, EVENT=, GROUP:EVENT=, globs by function');
$r = probe('-x', $lib, 'lp_sum');
like($r->{out}, qr{^p:probe_libprobe/lp_sum \Q$lib\E:0x[0-9a-f]+$}, 'a library: group probe_libprobe, a file offset');
is(probe('-x', $c2, 'fill')->{out}, "p:probe_probe/fill $c2:" . symoff($c2, 'fill') . "\n",
   'the offset is the file offset of the symbol (PIE)');

# --- listings ----------------------------------------------------------------------
$r = probe('-x', $c2, '-F', 'fi*');
is($r->{out}, "fill\n", '-F FILTER: the matching functions');
$r = probe('-x', $c2, '-F');
like($r->{out}, qr/^item_weight$/m, '-F: every function');
unlike($r->{out}, qr/^_/m, '-F: without _* by default');
$r = probe('-x', $c0, '-V', 'item_weight:7');
like($r->{out}, qr/Available variables at item_weight:7\n\s+\@<item_weight\+\d+>\n/, '-V: the place');
like($r->{out}, qr/\tconst struct item\*\tp\n/, '-V: a local of the for scope, with its type');
like($r->{out}, qr/\tint\textra\n/, '-V: a local of the nested if scope');
$r = probe('-x', $c2, '-L', 'name_len');
like($r->{out}, qr/^<name_len\@\S+probe-c\.c:0>\n\s+0  __attribute__/, '-L FUNC: from its declaration');
like($r->{out}, qr/^\s+2  \tint n = /m, '-L: a line with code is numbered');
like($r->{out}, qr/^ {9}\n/m, '-L: a line without code is not');

# --- without DWARF: symbols ------------------------------------------------------------
my $d = scratch();
system('objcopy', '--strip-debug', $c2, "$d/nodwarf") == 0 or die "objcopy: $?\n";
$r = probe('-x', "$d/nodwarf", 'fill', 'item_weight%return', 'mix %di:u8');
is($r->{out}, "p:probe_nodwarf/fill $d/nodwarf:" . symoff($c2, 'fill') . "\n" .
	      "r:probe_nodwarf/item_weight__return $d/nodwarf:" . symoff($c2, 'item_weight') . "\n" .
	      "p:probe_nodwarf/mix $d/nodwarf:" . symoff($c2, 'mix') . " %di:u8\n",
   'no DWARF: functions from the symbol table, register args as written');
$r = probe('-x', "$d/nodwarf", '--debug-dir', "$d/none", 'fill it');
like($r->{err}, qr/the argument 'it' needs DWARF, and \S+nodwarf has none; looked for:\n.*no \.debug_info in it/s,
     'no DWARF: a variable says where DWARF was looked for');
like($r->{err}, qr{\Q$d\E/none/\.build-id/[0-9a-f]{2}/[0-9a-f]+\.debug: none}, 'no DWARF: the build-id path looked at');

# --- one step: trace and stat resolve specs ---------------------------------------------
my $t = run([xol(), 'trace', '-x', $c2, '-e', 'fill i name:string it->hist[3]', '-e', 'item_weight%return $retval',
	     '--', $c2, 1]);
is($t->{code}, 0, 'trace -x BIN -e SPEC: runs');
my @fill = map { parse_line($_) } grep { /: fill: / } split /\n/, $t->{out};
is(join(' ', map { "$_->{arg}{i}:$_->{arg}{name_string}" } @fill),
   join(' ', map { my $i = $_; "$i:\"" . (qw(ant bee cat dog eel fox gnu hen))[$i] . '"' } 0 .. 7),
   'trace: fill i name:string, resolved and fetched');
my ($ret) = map { parse_line($_) } grep { /: item_weight__return: / } split /\n/, $t->{out};
ok($ret && $ret->{args} =~ /arg1=0x[0-9a-f]+/, 'trace: %return $retval fires');
$t = run([xol(), 'trace', '-e', 'fill i', '--', $c2, 1]);
like($t->{err}, qr/-e 'fill i' is not a uprobe_events definition; .* -x BIN/, 'trace: a spec without -x says what is missing');
my $s = run([xol(), 'stat', '-x', $c2, '-e', 'fill', '-e', '*_len', '-e', 'mix%return', '--', $c2, 5]);
like($s->{err}, qr/^\s+40\s+probe_probe:fill$/m, 'stat -x BIN: a function, counted');
like($s->{err}, qr/^\s+5\s+probe_probe:name_len$/m, 'stat -x BIN: a glob, counted');
like($s->{err}, qr/^\s+5\s+probe_probe:mix__return$/m, 'stat -x BIN: a return probe, counted');
$s = run([xol(), 'stat', '-x', ',', '-e', "p:x/fill $c2:" . symoff($c2, 'fill'), '--', $c2, 2]);
like($s->{err}, qr/^16,0,x:fill$/m, 'stat -x SEP still means perf stat\'s separator');
my $pl = target('probe-lib');
$t = run([xol(), 'trace', '-x', $lib, '-e', 'lp_append b->len s:string', '-e', 'lp_sum n v[0]', '--', $pl, 3]);
my @la = map { parse_line($_) } grep { /: lp_append: / } split /\n/, $t->{out};
is(join(' ', map { "$_->{arg}{len}/$_->{arg}{s_string}" } @la), '0x0/"ab" 0x2/"ab" 0x4/"ab"', 'a shared library: struct member and string');
my @ls = map { parse_line($_) } grep { /: lp_sum: / } split /\n/, $t->{out};
is(join(' ', map { "$_->{arg}{n}/$_->{arg}{v}" } @ls), '4/0 4/1 4/2', 'a shared library: an array element through a pointer');

# --- functions C nests: found where libdw finds them, and they fire ------------------------
my $n2 = target('probe-nested-O2');
my $n0 = target('probe-nested-O0');
$r = probe('-x', $n2, '*er');
is(join(' ', map { m{^p:probe_probe/(\w+) } ? $1 : '?' } split /\n/, $r->{out}), 'outer inner deeper',
   'a glob: each nested function after the one it is in, in DIE order');
my @at = map { m{^p:probe_probe/(\w+) \Q$n0\E:0x[0-9a-f]+$} ? $1 : '?' } split /\n/, probe('-x', $n0, 'probe-nested.c:29')->{out};
ok(@at && !grep({ $_ ne 'deeper' } @at), "a line in a nested function: its probes named after it (@at)");
$s = run([xol(), 'stat', '-x', $n2, '-e', '*er', '--', $n2, 4]);
like($s->{err}, qr/^\s+1\s+probe_probe:outer\n\s+4\s+probe_probe:inner\n\s+4\s+probe_probe:deeper$/m,
     'nested functions counted: once per call');
$t = run([xol(), 'trace', '-x', $n2, '-e', 'inner k', '--', $n2, 3]);
is(join(' ', map { $_->{arg}{k} } map { parse_line($_) } grep { /: inner: / } split /\n/, $t->{out}), '0 1 2',
   'a nested function\'s argument, read through DWARF');

done_testing();
