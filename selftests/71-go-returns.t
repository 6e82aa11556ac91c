#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 71-go-returns: return probes on a Go program (cgo-enabled, so the agent
# gets in with LD_PRELOAD).  Go's stacks move when they grow, and its
# garbage collector, preemption and unwinder walk them, so xol never
# hijacks a return address there: it probes each ret instruction of the
# function instead.  The target (selftests/targets/go-ret.go) runs probed
# functions in 8 goroutines through deep recursion with big frames (the
# stacks are copied while probes fire), runtime.GC(), a long call-free
# loop that only a signal preempts, and nil dereferences that Go recovers
# from (its SIGSEGV handler behind the agent's), and prints how often each
# probed function ran.  Under `xol trace` (jump path and --trap), with
# entry and return probes on main.leaf and main.pick (leaf functions: no
# stack check, so no second entry through morestack) and on main.deep
# (which grows the stack), and a return probe on main.faults:
#
#   - stdout, stderr and the exit status are those of the untraced run;
#   - goroutine stacks were copied meanwhile (runtime.copystack ran; how
#     often runtime.asyncPreempt2 ran is said, not checked);
#   - (-v) with the jump path, the rets that end 5 bytes of straight code
#     get a jump over it (7 of them) and the others the trap path;
#   - each return event has exactly as many hits (and lines) as the
#     program counted calls, none missed or lost (leaf, pick: as many as
#     their entries);
#   - $retval is Go's first integer result (%ax): leaf's results are 7x+3
#     of its entries' arguments x (%ax too), pick's are pick(x), as sets,
#     faults' are -1 (set by the deferred recover);
#   - the lines read as an ordinary return probe's, (RET <- FUNC): FUNC is
#     the entry probe's address, RET the address after a call of the
#     function (from objdump);
#   - returns pair with their entries by goroutine (%r14) and depth below
#     the top of its stack (+8(%r14) - %sp), however the stack moved in
#     between: every return of leaf with its entry (and 7x+3 of its x),
#     every return of deep with an entry, the entries of deep left over
#     being exactly its second entries after runtime.morestack;
#   - xol stat counts the same (entries through the counting fast path);
#   - the same return probe written in perf probe's language
#     (-x BIN 'main.leaf%return $retval') counts and fetches the same.
use strict;
use warnings;
no warnings 'portable'; # 64-bit addresses through hex()
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

if (!grep { -x "$_/go" } split /:/, $ENV{PATH} // '') {
	plan skip_all => 'go is not installed (apt-get install golang-go): no Go target';
}
need_targets('go-ret');

my $bin = target('go-ret');
my %off = map { $_ => symoff($bin, "main.$_") } qw(leaf pick deep faults);
# g=%r14: the running goroutine (Go's register ABI keeps it there); d: the
# top of its stack (g.stack.hi), which moves with the stack.
my $gd = 'g=%r14 d=+8(%r14):x64 sp=%sp';
my @defs = (
	"p:go/leaf $bin:$off{leaf} x=%ax:s64 $gd",
	"r:go/leaf_ret $bin:$off{leaf} rv=\$retval:s64 $gd",
	"p:go/pick $bin:$off{pick} x=%ax:s64",
	"r:go/pick_ret $bin:$off{pick} rv=\$retval:s64",
	"p:go/deep $bin:$off{deep} $gd",
	"r:go/deep_ret $bin:$off{deep} rv=\$retval:s64 $gd",
	"r:go/faults_ret $bin:$off{faults} rv=\$retval:s64",
	# how often a signal preempted a goroutine meanwhile (said, not checked)
	"p:go/preempt $bin:" . symoff($bin, 'runtime.asyncPreempt2'),
	"p:go/copystack $bin:" . symoff($bin, 'runtime.copystack'),
);

# Pair each return with the most recent entry of the same goroutine at the
# same depth below its stack's top (an entry's d - sp is its return's
# d - sp - 8: the return address popped).  Returns (returns paired,
# entries left unpaired, pairs whose results are wrong by CHECK).
sub pair {
	my ($r, $f, $check) = @_;
	my (%open, $paired, $wrong);
	my @l = grep { $_->{event} eq $f || $_->{event} eq "${f}_ret" } @{$r->{lines}};
	my $unpaired_ret = 0;
	for my $l (@l) { # in the order of the trace: by time, exactly
		my $depth = hex($l->{arg}{d}) - hex($l->{arg}{sp});
		if ($l->{event} eq $f) {
			push @{$open{"$l->{arg}{g} $depth"}}, $l;
			next;
		}
		my $e = pop @{$open{"$l->{arg}{g} " . ($depth + 8)} // []};
		if (!$e) {
			$unpaired_ret++;
			next;
		}
		$paired++;
		$wrong++ if $check && !$check->($e, $l);
	}
	my $left = 0;
	$left += @$_ for values %open;
	return ($paired // 0, $left, $wrong // 0, $unpaired_ret);
}

# What main.pick returns (go-ret.go).
sub pick {
	my ($x) = @_;
	my $m = $x % 4;
	return $x + 1 if $m == 0;
	return $x * 2 if $m == 1;
	return $x > 100 ? $x - 100 : -$x if $m == 2;
	return 42;
}

# The return address of every call of a main.* function in the binary, by
# callee: link-time addresses.
my %calls_of;
{
	my $callee;
	for (`objdump -d --no-show-raw-insn '$bin'`) {
		next unless /^\s+([0-9a-f]+):/;
		$calls_of{$callee}{hex $1} = 1 if $callee;
		$callee = /\scall\s.*<(main\.\w+)>$/ ? $1 : undef;
	}
}
my %nm = map { (split ' ')[2] => hex((split ' ')[0]) } grep { /^[0-9a-f]+ [Tt] main\.(leaf|pick|deep|faults)$/ } `nm '$bin'`;

my @cmd = ($bin, 16); # rounds: 8 goroutines × 16 × (a recursion 20-320 deep, 50 picks)
my $plain = run(\@cmd);
is($plain->{code}, 0, 'untraced: exit 0');
my ($leaf, $pick, $deep, $faults) =
	$plain->{out} =~ /leaf calls=(\d+) pick calls=(\d+) deep calls=(\d+) .*recovered=(\d+)/;
ok($leaf && $pick && $deep && $faults,
   "untraced: leaf $leaf, pick $pick, deep $deep calls, $faults nil dereferences recovered") or BAIL_OUT('go-ret printed no counts');
my %calls = (leaf => $leaf, pick => $pick, deep => $deep, faults => $faults);

for my $how ('jump', 'trap') {
	my $r = trace(\@defs, \@cmd, opts => ['-v', '--buffer-size', '64M', $how eq 'trap' ? ('--trap') : ()],
		      timeout => 180);
	my $t = "go ($how)";
	# -v: how each site was placed.  The rets of leaf, deep and faults end
	# straight code of 5 bytes or more; two of pick's five do.
	my @v = $r->{xol_err} =~ /^xol: go\/\w+_ret in .*$/mg;
	$r->{xol_err} =~ s/^xol: go\/\w+ in .*\n?//mg;
	my $ret_jumps = grep { /up to the ret displaced/ } @v;
	my $ret_traps = grep { /trap: int3 at 0x[0-9a-f]+, 'ret'/ } @v;
	if ($how eq 'jump') {
		ok($ret_jumps >= 6 && $ret_traps >= 3, "$t: $ret_jumps rets on the jump path, $ret_traps on the trap path")
			or diag(join "\n", @v);
	} else {
		is($ret_jumps, 0, "$t: every ret on the trap path ($ret_traps)");
	}
	$r->{lines} = [grep { $_ } map { parse_line($_) } @{$r->{trace}}];
	my $copies = $r->{summary}{'go:copystack'}{hits} // 0;
	ok($copies > 0, "$t: goroutine stacks were copied while probed ($copies times)");
	note("$t: goroutines preempted by a signal ", $r->{summary}{'go:preempt'}{hits} // 0, ' times');
	my %ev;
	push @{$ev{$_->{event}}}, $_ for @{$r->{lines}};
	is($r->{code}, $plain->{code}, "$t: exit status");
	is($r->{out}, $plain->{out}, "$t: same stdout");
	is($r->{err}, $plain->{err}, "$t: same stderr");
	is($r->{xol_err}, '', "$t: nothing to complain about");

	# Where the binary was loaded (0 unless it is a PIE): from leaf's entries.
	my ($first) = @{$ev{leaf} // []};
	my $bias = $first ? hex($first->{ip}) - $nm{'main.leaf'} : 0;
	for my $f (qw(leaf pick deep faults)) {
		my $s = $r->{summary}{"go:${f}_ret"} // {};
		is($s->{hits}, $calls{$f}, "$t: $f: $calls{$f} returns counted") or diag(explain($r->{summary}));
		is(($s->{misses} // 0) + ($s->{lost} // 0), 0, "$t: $f: none missed or lost");
		my @rl = @{$ev{"${f}_ret"} // []};
		is(scalar(@rl), $calls{$f}, "$t: $f: one line per return");
		ok(!grep({ !defined $_->{ret_ip} || !defined $_->{arg}{rv} } @rl),
		   "$t: $f: every line is a return line with \$retval");

		# (RET <- FUNC): FUNC where the function is, RET after a call of it
		# (parse_line() names them ip and ret_ip, in the order of the text).
		my %funcs = map { $_->{ret_ip} => 1 } @rl;
		is(join(' ', keys %funcs), sprintf('0x%x', $nm{"main.$f"} + $bias),
		   "$t: $f: __probe_func is the function's entry");
		my $rets = $calls_of{"main.$f"} // {};
		my @bad = grep { !$rets->{hex($_->{ip}) - $bias} } @rl;
		is(scalar(@bad), 0, "$t: $f: __probe_ret_ip is after a call of it (" .
		   scalar(keys %$rets) . ' call sites)') or diag($bad[0]{ip});
		if ($f eq 'faults') {
			is(scalar(grep { $_->{arg}{rv} != -1 } @rl), 0,
			   "$t: faults: returns -1 after the recovered panic (SIGSEGV passed on to Go)");
		}
		next if $f eq 'deep' || $f eq 'faults';

		my @el = @{$ev{$f} // []};
		is(scalar(@el), $calls{$f}, "$t: $f: as many entries");
		my $want = join ',', sort { $a <=> $b } map { $f eq 'leaf' ? 7 * $_->{arg}{x} + 3 : pick($_->{arg}{x}) } @el;
		my $got = join ',', sort { $a <=> $b } map { $_->{arg}{rv} } @rl;
		ok($got eq $want, "$t: $f: \$retval is the result of each entry's argument");
	}

	# Entries and returns pair by goroutine and depth, through stack copies.
	my ($paired, $left, $wrong, $stray) = pair($r, 'leaf', sub { $_[1]{arg}{rv} == 7 * $_[0]{arg}{x} + 3 });
	is("$paired $left $wrong $stray", "$calls{leaf} 0 0 0",
	   "$t: leaf: every return pairs with its entry (goroutine, depth), \$retval = 7x+3");
	($paired, $left, $wrong, $stray) = pair($r, 'deep');
	my $e = @{$ev{deep} // []};
	is("$paired $stray", "$calls{deep} 0", "$t: deep: every return pairs with an entry");
	is($left, $e - $calls{deep}, "$t: deep: the entries left unpaired are the " . ($e - $calls{deep}) .
	   ' second entries after runtime.morestack');
}

# xol stat: entries counted by the counting fast path (on the agent's
# stack), returns at the rets.
{
	my $r = run([xol(), 'stat', '-x,', '-e', "p:go/leaf $bin:$off{leaf}", '-e', "r:go/leaf_ret $bin:$off{leaf}",
		     '-e', "r:go/pick_ret $bin:$off{pick}", '--', @cmd]);
	is($r->{code}, $plain->{code}, 'xol stat: exit status');
	is($r->{out}, $plain->{out}, 'xol stat: same stdout');
	my %n = map { (split /,/)[2] => (split /,/)[0] } grep { /^\d+,/ } split /\n/, $r->{err};
	is("$n{'go:leaf'} $n{'go:leaf_ret'} $n{'go:pick_ret'}", "$leaf $leaf $pick",
	   "xol stat: $leaf entries and returns of leaf, $pick returns of pick");
}

# The same through perf probe's spec language (xol probe): FUNC%return.
{
	my $r = trace(['main.leaf%return $retval', 'main.leaf x'], \@cmd, opts => ['-x', $bin]);
	my $t = 'xol trace -x: main.leaf%return $retval';
	is($r->{code}, $plain->{code}, "$t: exit status");
	is($r->{out}, $plain->{out}, "$t: same stdout");
	is($r->{summary}{'probe_go:main__return'}{hits}, $leaf, "$t: $leaf returns counted");
	my @l = grep { $_ } map { parse_line($_) } @{$r->{trace}};
	my $want = join ',', sort { $a <=> $b } map { 7 * $_->{arg}{x} + 3 } grep { $_->{event} eq 'main' } @l;
	my $got = join ',', sort { $a <=> $b } map { hex $_->{arg}{arg1} } grep { $_->{event} eq 'main__return' } @l;
	ok($got eq $want, "$t: \$retval (arg1) is 7x+3 of the entries' x");
}

done_testing();
