#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 60-script-perf: handler scripts over a real `xol record` file.
#
#   - the example scripts (hits per comm, per argument value, entry-to-return
#     latency) print the same text under `xol script -s` in Python, under
#     `perf script -s` (perf 6.1's own Python engine), and in Lua;
#   - a skeleton written by `perf script -g python` runs unmodified under
#     both tools with identical output, and `xol script -g python` writes
#     the same skeleton as perf;
#   - a `-g lua` skeleton runs;
#   - a handler that raises prints its traceback and xol exits non-zero.
#
# The recording: the app target's work(a, b, name) with every kind of
# fetch argument on entry and its return value on return.  The comparisons
# with perf are skipped where perf, or its Python support, is missing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets('app');

my $top = top();
my $d = scratch();
my $bin = target('app');
my $off = symoff($bin, 'work');
my $data = "$d/app.data";
my @defs = ("p:xolt/work $bin:$off a=%di:s64 b=%si:s32 name=+0(%dx):string c=+0(%dx):char "
	    . "arr=+0(%dx):u8[3] w=+0(%dx):u16[2] nb=%si:s16 bad=+0(%ax):string",
	    "r:xolt/work_ret $bin:$off rv=\$retval:s32");

my $r = run([xol(), 'record', '-o', $data, (map { ('-e', $_) } @defs), '--', $bin, 9]);
like($r->{err}, qr/\(18 samples\)/, 'record: 18 samples') or diag($r->{err});
BAIL_OUT("no recording") unless -s $data;

my $perf = `sh -c 'command -v perf' 2>/dev/null`;
chomp $perf;
my $perf_py = $perf && `perf version --build-options 2>/dev/null` =~ /libpython:\s*\[ on/;

sub xol_script { run([xol(), 'script', '-i', $data, @_], dir => $d) }
sub perf_script { run(['perf', 'script', '-i', $data, @_], dir => $d) }

my %py = map { $_ => "$top/scripts/python/examples/$_.py" } qw(comm-counts arg-counts latency);
my %lua = map { $_ => "$top/scripts/lua/examples/$_.lua" } qw(comm-counts arg-counts latency);
# [script, Lua prints the same (not where perf's unsigned s16/s32 show), args]
for my $case (['comm-counts', 1], ['arg-counts', 1, 'name'], ['arg-counts', 0, 'nb'],
	      ['arg-counts', 0, 'b'], ['arg-counts', 1, 'a'], ['latency', 1]) {
	my ($s, $same, @args) = @$case;
	my $x = xol_script('-s', $py{$s}, @args);
	is($x->{code}, 0, "$s @args: xol script, Python") or diag($x->{err});
	my $l = xol_script('-s', $lua{$s}, @args);
	is($l->{code}, 0, "$s @args: xol script, Lua") or diag($l->{err});
	is($l->{out}, $x->{out}, "$s @args: Lua prints what Python prints") if $same;
	SKIP: {
		skip 'no perf with Python', 2 unless $perf_py;
		my $p = perf_script('-s', $py{$s}, @args);
		is($p->{code}, 0, "$s @args: perf script");
		is($x->{out}, $p->{out}, "$s @args: xol prints what perf prints");
	}
}
like(xol_script('-s', $py{'comm-counts'})->{out},
     qr/^app\s+xolt__work\s+9\n^app\s+xolt__work_ret\s+9$/m, 'comm-counts: 9 of each');
like(xol_script('-s', $py{latency})->{out}, qr/^function 0x[0-9a-f]+: calls=9 /m,
     'latency: 9 calls paired');
my $nb = xol_script('-s', $py{'arg-counts'}, 'nb')->{out};
like($nb, qr/^xolt__work\s+65535\s+1$/m, 'Python: s16 -1 is 65535, as perf passes it');
like(xol_script('-s', $lua{'arg-counts'}, 'nb')->{out}, qr/^xolt__work\s+-1\s+1$/m,
     'Lua: s16 -1 is -1');

# perf's own skeleton, under both tools
SKIP: {
	skip 'no perf with Python', 4 unless $perf_py;
	unlink "$d/perf-script.py";
	my $g = perf_script('-g', 'python');
	ok(-s "$d/perf-script.py", 'perf script -g python wrote a skeleton');
	rename "$d/perf-script.py", "$d/perf-gen.py";
	my $p = perf_script('-s', "$d/perf-gen.py");
	my $x = xol_script('-s', "$d/perf-gen.py");
	is($x->{code}, 0, "perf's skeleton runs under xol") or diag($x->{err});
	is($x->{out}, $p->{out}, "perf's skeleton: the same output");
	xol_script('-g', 'python');
	is(slurp("$d/perf-script.py"), slurp("$d/perf-gen.py"),
	   'xol script -g python writes what perf writes');
}

unlink "$d/perf-script.lua";
xol_script('-g', 'lua');
ok(-s "$d/perf-script.lua", 'xol script -g lua wrote a skeleton');
my $gl = xol_script('-s', "$d/perf-script.lua");
is($gl->{code}, 0, 'the Lua skeleton runs') or diag($gl->{err});
like($gl->{out}, qr/^xolt__work .* name=apple, /m, 'and prints the fields');

open my $fh, '>', "$d/raise.py" or die;
print $fh "def xolt__work_ret(*a):\n    raise RuntimeError('handler failed')\n"
	. "def trace_end():\n    print('trace_end')\n";
close $fh;
my $e = xol_script('-s', "$d/raise.py");
isnt($e->{code}, 0, 'a raising handler: xol exits non-zero');
like($e->{err}, qr/Traceback.*raise\.py", line 2, in xolt__work_ret.*RuntimeError: handler failed/s,
     'and prints the traceback');
unlike($e->{out}, qr/trace_end/, 'trace_end is not called');

open $fh, '>', "$d/raise.lua" or die;
print $fh "function xolt__work_ret() error('handler failed') end\n";
close $fh;
$e = xol_script('-s', "$d/raise.lua");
isnt($e->{code}, 0, 'a failing Lua handler: xol exits non-zero');
like($e->{err}, qr/raise\.lua:1: handler failed.*stack traceback/s, 'with a traceback');

done_testing();
