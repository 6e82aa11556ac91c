#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 20-same-behaviour: a traced program behaves exactly as untraced
# (invariant 1).  Each case runs a command without xol, then under `xol
# trace` with probes that fire, placed by jumps (the default) and by int3
# (--trap), and wants the same stdout, the same stderr (the summary taken
# off) and the same exit status, death by signal included (xol exits
# 128 + N as a shell reports it).  Every case also says what the untraced
# run does, so that it cannot quietly test nothing, and checks that the
# probes fired and that every hit is accounted for.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets(qw(app app-nopie app-O0 procs sigs libc-calls));

my $w = libc_where();
my ($libc_malloc, $libc_write) = map { "$w->{$_}[0]:$w->{$_}[1]" } qw(malloc write);
my $app = target('app');
my $procs = target('procs');
my $sigs = target('sigs');

# A directory whose listing cannot change under us.
my $dir = scratch() . '/listing';
mkdir $dir or die "$dir: $!\n";
for my $f (qw(alpha beta gamma)) {
	open my $fh, '>', "$dir/$f" or die "$dir/$f: $!\n";
	print $fh "$f\n" x length $f;
	close $fh;
}
mkdir "$dir/sub";
system('touch', '-h', '-d', '2024-01-02 03:04:05', glob("$dir/*"), $dir) == 0 or die "touch\n";
my $input = scratch() . '/input';
open my $in, '>', $input or die "$input: $!\n";
print $in "first line\nsecond line\nthird\n";
close $in;

sub probe { my ($bin, $sym, $rest) = @_; "p:inv/$sym $bin:" . symoff($bin, $sym) . ($rest // '') }

# name, command, definitions, what the untraced run does, options for run()
my @cases = (
	['app: exit status from its result', [$app, 7],
	 [probe($app, 'work', ' a=%di b=%si:s32 name=+0(%dx):string')], 'exit 44'],
	['app without PIE', [target('app-nopie'), 9],
	 [probe(target('app-nopie'), 'work', ' a=%di b=%si:s32')], 'exit 30'],
	['app at -O0, entry and return probes', [target('app-O0'), 5],
	 [probe(target('app-O0'), 'work', ' a=%di'),
	  'r:inv/work_ret ' . target('app-O0') . ':' . symoff(target('app-O0'), 'work') . ' rv=$retval:s64'],
	 'exit 40'],
	['procs: 4 threads', [$procs, 4, 1000],
	 [probe($procs, 'step', ' w=%di:s32 i=%si:s32')], 'exit 0'],
	['procs: fork without exec', [$procs, 2, 1000, 'fork'],
	 [probe($procs, 'step', ' w=%di:s32')], 'exit 0'],
	['ls -l of a fixed directory, malloc and write probed', ['ls', '-l', '--full-time', $dir],
	 ["p:inv/malloc $libc_malloc size=%di:u64", "p:inv/write $libc_write fd=%di:s32 n=%dx:u64"],
	 'exit 0', env => { LC_ALL => 'C', TZ => 'UTC' }],
	['ls of a missing file: stderr and exit 2', ['ls', "$dir/missing"],
	 ["p:inv/malloc $libc_malloc size=%di:u64"], 'exit 2', env => { LC_ALL => 'C' }],
	['sh: stdout, stderr, a failing child and exit 3',
	 ['sh', '-c', "echo out; echo err >&2; ls $dir/missing; $app 3; exit 3"],
	 ["p:inv/write $libc_write fd=%di:s32 n=%dx:u64", probe($app, 'work', ' a=%di')], 'exit 3',
	 env => { LC_ALL => 'C' }],
	['sh: reads stdin', ['sh', '-c', 'read first; echo "got $first"; cat; echo done >&2'],
	 ["p:inv/write $libc_write fd=%di:s32 n=%dx:u64"], 'exit 0', in => $input],
	['sh: killed by SIGSEGV', ['sh', '-c', 'echo before; kill -SEGV $$; echo after'],
	 ["p:inv/write $libc_write fd=%di:s32"], 'killed by SIGSEGV'],
	['sh: killed by SIGKILL', ['sh', '-c', 'echo before; kill -KILL $$; echo after'],
	 ["p:inv/write $libc_write fd=%di:s32"], 'killed by SIGKILL'],
	['sh: exit status 255 of an exec', ['sh', '-c', "exec sh -c 'echo inner; exit 255'"],
	 ["p:inv/write $libc_write fd=%di:s32"], 'exit 255'],
	['NULL dereference, no handler', [$sigs, 'default', 'null'],
	 [probe($sigs, 'victim', ' what=%di:s32')], 'killed by SIGSEGV'],
	['raise(SIGTRAP), no handler', [$sigs, 'default', 'trap'],
	 [probe($sigs, 'victim', ' what=%di:s32')], 'killed by SIGTRAP'],
);

# Both ways of placing a probe: the jump to a trampoline where it is safe
# (the default), and int3 everywhere (--trap).
my @paths = (['jump path', []], ['trap path', ['--trap']]);

plan tests => (1 + 5 * @paths) * @cases;

for my $c (@cases) {
	my ($name, $cmd, $defs, $expect, %o) = @$c;
	my $plain = run($cmd, %o);
	is(status_text($plain->{status}), $expect, "$name: untraced, $expect");

	for my $p (@paths) {
		my ($path, $opts) = @$p;
		my $traced = trace($defs, $cmd, %o, opts => $opts);
		is($traced->{out}, $plain->{out}, "$name, $path: same stdout");
		is($traced->{err}, $plain->{err}, "$name, $path: same stderr");
		is($traced->{code}, $plain->{code}, "$name, $path: same exit status ($plain->{code})");

		my ($hits, $lost, $misses) = (0, 0, 0);
		for my $e (values %{$traced->{summary}}) {
			$hits += $e->{hits};
			$lost += $e->{lost};
			$misses += $e->{misses};
		}
		ok($traced->{has_summary} && $hits > 0, "$name, $path: the probes fired ($hits hits)")
			or diag("xol said: $traced->{xol_err}\nstderr: $traced->{err}");
		my $lines = grep { parse_line($_) } @{$traced->{trace}};
		is($lines + $lost, $hits - $misses, "$name, $path: printed + lost = hits - misses");
	}
}
