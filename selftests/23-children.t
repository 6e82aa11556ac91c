#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 23-children: every process of a traced command is traced, as the kernel
# traces every process that maps the probed file, and each line names the
# process it came from.
#
#   - A shell script starts the probed program in background children (fork
#     + exec), in a grandchild shell, and finally by exec of itself; it
#     prints each program's pid.  Each run of `app N` must give exactly its
#     N hits of work(), a=0..N-1 in order, with that pid and the comm "app".
#   - procs 2 1000 fork forks without exec: fork() returns in both processes
#     (a return probe: the parent's line has the child's pid as the value,
#     the child's has 0 and the child's pid as its own), and the 2 x 2
#     worker threads of the two processes each give their 1000 step() hits,
#     with a thread id of their own and the comm "procs".
#   - comms: names that change.  tick(n) is called by the program (0), by a
#     forked child after prctl(PR_SET_NAME) (1), by a thread named by its
#     creator (2), by a thread that named itself (3), and by the program
#     after renaming itself (4); the program prints each name as the kernel
#     has it.  Each hit must show that name, as the task's comm and as
#     $comm, as the kernel's uprobes do; and the parent's probes must still
#     fire after its forked child exited (probes placed by jumps, and by
#     int3 with --trap).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets(qw(app procs libc-calls));

my $app = target('app');
my $work = "p:inv/work $app:" . symoff($app, 'work') . ' a=%di';

# --- a shell script and its children ------------------------------------------
my $script = <<"EOF";
for n in 1 2 3; do '$app' \$n >/dev/null & echo "\$n \$!"; done
wait
sh -c "'$app' 4 >/dev/null & echo \\"4 \\\$!\\"; wait"
echo "5 \$\$"
exec '$app' 5 >/dev/null
EOF
my $r = trace([$work], ['sh', '-c', $script]);
is($r->{code}, run([$app, 5])->{code}, 'the script ends with the exit status of app 5, its exec');
my %pid_of = reverse $r->{out} =~ /^(\d+) (\d+)$/mg;
my %n_of = reverse %pid_of;
is(join(' ', sort values %pid_of), '1 2 3 4 5', 'the script started app 1, 2, 3, 4 and 5');
my @work = by_event($r, 'work');
is(scalar(@work), 1 + 2 + 3 + 4 + 5, 'every hit of every app is printed (15)');
is($r->{summary}{'inv:work'}{hits}, 15, 'the summary counts 15 hits');
for my $n (1 .. 5) {
	my $pid = $n_of{$n} // -1;
	my @mine = grep { $_->{tid} == $pid } @work;
	is(join(' ', map { $_->{arg}{a} } @mine), join(' ', map { sprintf '0x%x', $_ } 0 .. $n - 1),
	   "app $n (pid $pid): its own $n hits, a=0..@{[$n - 1]}, under its pid");
	is(join(' ', map { $_->{comm} } @mine), join(' ', ('app') x $n), "app $n: comm app");
}
my %known = map { $_ => 1 } values %n_of;
is(scalar(grep { !$known{$_->{tid}} } @work), 0, 'no hit under any other pid');

# --- fork without exec -----------------------------------------------------------
my $procs = target('procs');
my $w = libc_where();
my @defs = ("p:inv/step $procs:" . symoff($procs, 'step') . ' w=%di:s32',
	    "r:inv/fork $w->{fork}[0]:$w->{fork}[1] ret=\$retval:s32");
$r = trace(\@defs, [$procs, 2, 1000, 'fork']);
is($r->{code}, 0, 'procs 2 1000 fork exits 0');
is($r->{out}, "child total=2000\nparent total=2000\n", 'each process counted its 2000 calls');

my @fork = by_event($r, 'fork');
is(scalar(@fork), 2, 'fork returned twice: in the parent and in the child');
my ($parent) = grep { $_->{arg}{ret} > 0 } @fork;
my ($child) = grep { $_->{arg}{ret} == 0 } @fork;
ok($parent && $child && $child->{tid} == $parent->{arg}{ret},
   "the child's line has the child's pid, the one fork() gave the parent")
	or diag(explain(\@fork));
is(join(' ', map { $_->{comm} } @fork), 'procs procs', 'both with comm procs');

my @step = by_event($r, 'step');
is(scalar(@step), 4000, 'every step() hit of both processes is printed (4000)');
is($r->{summary}{'inv:step'}{hits}, 4000, 'the summary counts 4000 hits');
my $per = count_by(sub { $_[0]{tid} }, @step);
is(join(' ', sort values %$per), '1000 1000 1000 1000', 'four threads, 1000 hits each');
my %main = map { $_ => 1 } grep { defined } map { $_->{tid} } $parent, $child;
is(scalar(grep { $main{$_} } keys %$per), 0, 'the workers are threads of their own, not the main threads');
my %w_of;
$w_of{$_->{tid}}{$_->{arg}{w}} = 1 for @step;
is(join(' ', sort map { join ',', keys %$_ } values %w_of), '0 0 1 1',
   'each thread is one worker, and each process has workers 0 and 1');
is(scalar(grep { $_->{comm} ne 'procs' } @step), 0, 'all with comm procs');

# --- names that change --------------------------------------------------------
my $comms = target('comms');
my $tick = "p:inv/tick $comms:" . symoff($comms, 'tick') . ' n=%di:s32 c=$comm';
for my $run ([[], []], [['nofork'], []], [[], ['--trap']]) {
	my ($args, $opts) = @$run;
	my $name = join ' ', 'comms', @$args, @$opts;
	my $plain = run([$comms, @$args]);
	my %says = $plain->{out} =~ /^(\d) (.*)$/mg;
	my @n = @$args ? (0, 2, 3, 4) : (0 .. 4);
	is(join(' ', sort keys %says), "@n", "$name: untraced, tick(@{[join ',', @n]}) under names of their own");
	$r = trace([$tick], [$comms, @$args], opts => $opts);
	is($r->{out}, $plain->{out}, "$name: traced, the program sees the same names");
	my @hits = by_event($r, 'tick');
	is(join(' ', map { $_->{arg}{n} } @hits), "@n",
	   "$name: one hit for each tick(), " . (@$args ? 'in order' : 'the parent\'s after its child exited too'));
	for my $n (@n) {
		my ($h) = grep { $_->{arg}{n} == $n } @hits;
		is($h && $h->{comm}, $says{$n}, "$name: tick($n) shows its task as $says{$n}");
		is($h && $h->{arg}{c}, "\"$says{$n}\"", "$name: tick($n) records \$comm=\"$says{$n}\"");
	}
}

done_testing();
