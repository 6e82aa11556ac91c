#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 40-probe-oracle: `xol probe -x BIN SPEC` prints the uprobe_events lines
# that `perf probe -n -v -x BIN SPEC` writes ("Writing event: ..."), for
# every spec of data/probe-oracle.specs (C and C++, -O0 and -O2, PIE, not
# PIE and a shared library; structs, pointers, arrays, inlined functions,
# nested functions, line probes, return probes, locals in nested scopes).  At least 50 must
# be the same.  Then the cases where perf is wrong or refuses and xol is
# right, each saying why and proving it.
#
# Needs root, perf and tracefs (perf -n still reads uprobe_events for the
# names in use); skips otherwise.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets(qw(probe-c-O0 probe-c-O2 probe-c-O0-nopie probe-c-O2-nopie probe-cxx-O0 probe-cxx-O2
		libprobe.so probe-nested-O0 probe-nested-O2));
if (my $why = kernel_unusable(with => 'perf')) {
	plan skip_all => "perf probe oracle unavailable: $why";
}
my $events = slurp('/sys/kernel/tracing/uprobe_events') // '';
plan skip_all => 'uprobe_events already holds probe_probe/probe_libprobe events: perf would name ours _1'
	if $events =~ /^[pr]:probe_(?:probe|libprobe)\//m;

sub perf_lines {
	my ($bin, $spec) = @_;
	my $r = run(['perf', 'probe', '-n', '-v', '-x', $bin, $spec]);
	return ([map { s/^Writing event: //r } grep { /^Writing event: / } split /\n/, $r->{err} . $r->{out}],
		$r->{err});
}

sub xol_lines {
	my ($bin, @specs) = @_;
	my $r = run([xol(), 'probe', '-x', $bin, @specs]);
	return ([split /\n/, $r->{out}], $r->{err}, $r->{code});
}

# --- the same as perf ---------------------------------------------------------------
my ($n, $same) = (0, 0);
open my $fh, '<', "$FindBin::Bin/data/probe-oracle.specs" or die "probe-oracle.specs: $!\n";
while (<$fh>) {
	chomp;
	next if /^#/ || !/\S/;
	my ($t, $spec) = split /\t/, $_, 2;
	my $bin = target($t);
	my ($perf) = perf_lines($bin, $spec);
	my ($xol, $err) = xol_lines($bin, $spec);
	$n++;
	if (@$perf && is_deeply($xol, $perf, "$t '$spec': the same as perf probe")) {
		$same++;
	} elsif (!@$perf) {
		fail("$t '$spec': perf probe gave nothing to compare with");
	} else {
		diag("xol said: $err") if $err;
	}
}
cmp_ok($same, '>=', 50, "at least 50 specs resolve as perf probe resolves them ($same of $n)");
diag("perf oracle: $same/$n") if $ENV{XOL_VERBOSE};

# --- where perf is wrong or refuses ----------------------------------------------
my $c0 = target('probe-c-O0');
my $cxx0 = target('probe-cxx-O0');
my $cxx2 = target('probe-cxx-O2');

# 1. Globals: perf writes "@probe_global+0", a symbol, which only kprobes
#    accept: uprobe_events refuses it.  xol writes @+FILEOFF (the kernel
#    adds it to the load address the probe's own offset implies), and the
#    values come out right.
{
	my $spec = 'name_len probe_global probe_label:string';
	my ($perf) = perf_lines($c0, $spec);
	like($perf->[0] // '', qr/probe_global=\@probe_global\+0:s32/, 'globals: perf writes a symbol (@sym)');
	my $r = run([xol(), 'events', '-e', $perf->[0] // 'p']);
	isnt($r->{code}, 0, 'globals: and uprobe_events refuses it') or diag($r->{out});
	my ($xol) = xol_lines($c0, $spec);
	like($xol->[0] // '', qr/probe_global=\@\+0x[0-9a-f]+:s32 probe_label_string=\@\+0x[0-9a-f]+:string$/,
	     'globals: xol writes file offsets (@+OFF)');
	my $t = trace([$xol->[0]], [$c0, 2]);
	my @h = by_event($t, 'name_len');
	is(scalar(@h), 2, 'globals: the probe fires');
	is($h[0]{arg}{probe_global} // '', '7', 'globals: probe_global is 7');
	is($h[0]{arg}{probe_label_string} // '', '"label"', 'globals: probe_label is "label"');
}

# 2. C++ classes: perf says "is not a data structure" for members of a
#    class (DW_TAG_class_type); xol reads them.  checkout() runs once with
#    count = rounds and total.cents = sum of (100 + r) * (r + 1).
{
	my $spec = 'checkout cart->count cart->total.cents';
	my ($perf, $perr) = perf_lines($cxx0, $spec);
	is(scalar(@$perf), 0, 'C++ class members: perf refuses');
	my ($xol) = xol_lines($cxx0, $spec);
	like($xol->[0] // '', qr/ count=\+0\(-\d+\(%bp\)\):s32 cents=\+8\(-\d+\(%bp\)\):s64$/,
	     'C++ class members: xol reads them');
	my $t = trace([$xol->[0]], [$cxx0, 3]);
	my @h = by_event($t, 'checkout');
	is(($h[0]{arg}{count} // '') . ' ' . ($h[0]{arg}{cents} // ''), '3 ' . (100 * 1 + 101 * 2 + 102 * 3),
	   'C++ class members: the values are right');
}

# 3. C++ scopes: perf takes the ':' of "::" for a line number; xol names
#    the method by its scope, the same place as its plain name.
{
	my ($perf) = perf_lines($cxx0, 'shop::Cart::add qty');
	is(scalar(@$perf), 0, 'ns::Class::method: perf cannot parse it');
	my ($a) = xol_lines($cxx0, 'shop::Cart::add qty');
	my ($b) = xol_lines($cxx0, 'add qty');
	ok(@$a && "@$a" eq "@$b", 'ns::Class::method: xol resolves it as perf resolves the plain name')
		or diag("@$a\n@$b");
}

# 4. Return probes on C++ functions at -O2: perf looks the function up by
#    its plain name in the symbol table, where it is mangled, and fails;
#    xol probes the function's entry, where the mangled symbol is.
{
	my ($perf) = perf_lines($cxx2, 'checkout%return $retval');
	is(scalar(@$perf), 0, 'C++ %return at -O2: perf cannot find the symbol');
	my ($xol) = xol_lines($cxx2, 'checkout%return $retval');
	my $off = symoff($cxx2, '_Z8checkoutPN4shop4CartEPKc');
	is($xol->[0] // '', "r:probe_probe/checkout__return $cxx2:$off \$retval",
	   'C++ %return at -O2: xol probes the mangled symbol\'s offset');
}

# 5. Two args with one name: perf writes "v=%di:x64 n=%si:s32 v=+4(%di):s32",
#    which uprobe_events refuses (a duplicated argument name); xol says so
#    with the kernel's message and caret, before anything is written.
{
	my $lib = target('libprobe.so');
	my ($perf) = perf_lines($lib, 'lp_sum v n v[1]');
	like($perf->[0] // '', qr/ v=%di:x64 n=%si:s32 v=\+4\(%di\):s32$/, 'one name twice: perf writes it');
	my $r = run([xol(), 'events', '-e', $perf->[0] // 'p']);
	isnt($r->{code}, 0, 'one name twice: and uprobe_events refuses it');
	my ($xol, $err, $code) = xol_lines($lib, 'lp_sum v n v[1]');
	isnt($code, 0, 'one name twice: xol refuses');
	like($err, qr/uprobe_events would refuse the definition:\n.*argument name is already used/si,
	     'one name twice: with the kernel\'s message');
}

done_testing();
