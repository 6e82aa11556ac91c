#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 12-insn-coverage: a probe at every instruction of compiled code changes
# nothing, and each probe hits exactly as often as its instruction runs.
#
# Two targets (selftests/targets/): libinsncov.so (insncov-*.c, -O2 -fPIC:
# rip-relative loads and stores, jcc, direct, PLT, indirect and tail calls,
# jump tables, push/pop, SSE and AVX moves, a .cold part, TLS, lock, ret),
# called by insncov, which prints the results and how often each function
# was entered; and insncov-funcs (insn-funcs.c: compiled code, and
# hand-written loop, jrcxz, syscall, call *(%rsp), ret $8, rep movsb, EVEX,
# ...).  Each gets one probe at every instruction boundary of its functions,
# found with the symbol table and objdump, at its file offset:
# `p:cov/FUNC_OFF FILE:0xOFF`.  Under `xol stat`, by jumps where safe (the
# default) and by int3 only (--trap):
#
#   - the program prints what it prints untraced and exits as it does;
#   - every probe is placed but those on what no probe can take, on purpose
#     ($UNPROBEABLE below; the kernel refuses it too); none misses a hit;
#   - the counts follow the control flow: every instruction of a basic
#     block counts what the block's first does, each function's first
#     instruction counts what insncov says the function was entered, and the
#     jump path counts what the trap path counts;
#   - the oracle, where root and tracefs are there: they are what the
#     kernel's uprobes count at the same offsets (of a private copy, so that
#     no other process is probed), but for the probes the kernel refuses and
#     where it is known to go wrong ($KERNEL_MISRUNS, kernel_counts_otherwise
#     below); the program prints the same under the kernel's probes too.
#
# And for libinsncov.so:
#
#   - with a probe at every third instruction (three passes, each
#     instruction once), where one jump may displace several instructions,
#     nothing changes either;
#   - under `xol trace`, every instruction of every other function prints
#     one line per hit, at its own address.
use strict;
use warnings;
no warnings qw(portable);
use FindBin;
use lib "$FindBin::Bin/lib";
use Cwd qw(abs_path);
use File::Basename qw(basename);
use File::Copy qw(copy);
use Test::More;
use XolInv;
use InsnCov;

need_targets(qw(insncov libinsncov.so insncov-funcs insncov-hold));

# What no probe can be placed on, on purpose (arch/x86/arch.h; the kernel's
# uprobes refuse it too): a relative branch with an operand-size prefix,
# where Intel and AMD disagree on the target.  Here: the call of
# __tls_get_addr in general-dynamic TLS code, `66 66 48 e8 rel32`.
my $UNPROBEABLE = qr/^data16 (?:data16 )?(?:rex\.W )?(?:call|j\w+) /;

# What the kernel's uprobes (6.18) run wrongly out of line, so not asked of
# them: under a probe, pushf pushes the trap flag (the program dies of
# SIGTRAP at its popf), and VEX- and EVEX-encoded instructions go wrong
# (`vmovq %xmm1,%rax` yields another value, `vmovdqu %ymm0,(%rdi,%rdx,1)`
# stores nothing).  Their counts are still checked: they agree with the rest
# of their basic block, and between the jump and the trap path.
my $KERNEL_MISRUNS = qr/^(?:pushf|v)/;

# Where the kernel's uprobes (6.18) count otherwise: why, or undef.
sub kernel_counts_otherwise {
	my ($p) = @_;
	# it runs a string instruction out of line one iteration at a time,
	# and counts each; xol counts the instruction once, as it runs once
	return 'the kernel counts every iteration of a rep string instruction'
		if $p->{insn}{text} =~ /^rep\S* (?:movs|stos|lods|cmps|scas|ins|outs)/;
	# after the out-of-line syscall the kernel goes on past the next int3
	return 'the kernel never hits the instruction after a syscall it probes'
		if ($p->{prev} // '') =~ /^syscall/;
	return undef;
}

my $ROUNDS = 50;
my $scratch = scratch();

# A target: the FILE probed, its functions (names matching RE) with their
# instructions and basic blocks, one probe per instruction, the program
# (CMD) that runs them and what it does untraced.
sub target_of {
	my ($file, $re, @cmd) = @_;
	my $t = { file => abs_path($file), cmd => \@cmd, name => basename($file) };
	$t->{funcs} = [functions($t->{file}, $re)];
	$t->{blocks} = [blocks($t->{file}, $t->{funcs})];
	for my $f (@{$t->{funcs}}) {
		(my $fname = $f->{name}) =~ s/\W/_/g;
		my $prev;
		for my $in (@{$f->{insns}}) {
			my $rel = $in->{addr} - $f->{addr};
			my $p = $in->{probe} = {
				name => sprintf('%s_%x', $fname, $rel), insn => $in, func => $f, prev => $prev,
				where => sprintf("%s+0x%x '%s'", $f->{name}, $rel, $in->{text}),
			};
			$prev = $in->{text};
			$p->{def} = sprintf('p:cov/%s %s:0x%x', $p->{name}, $t->{file}, $in->{off});
			push @{$t->{probes}}, $p;
		}
		note("$f->{name}: no basic blocks ($f->{unknown_flow})") if $f->{unknown_flow};
	}
	$t->{unprobeable} = { map { $_->{name} => 1 } grep { $_->{insn}{text} =~ $UNPROBEABLE } @{$t->{probes}} };
	$t->{plain} = run($t->{cmd});
	# insncov says how often each function was entered
	my %calls = $t->{plain}{out} =~ /^calls (\w+) (\d+)$/mg;
	$t->{calls} = \%calls;
	return $t;
}

# --- helpers ------------------------------------------------------------------

my $nstat = 0;

# Run T's program under `xol stat -v OPTS` with PROBES (a list), killed
# with xol after TIMEOUT seconds (a hang is a failure too).  Returns run()'s
# result with hits => { NAME => N }, misses => { NAME => N }, path =>
# { NAME => 'jump' or 'trap' }, why => { NAME => why not a jump },
# refused => { NAME => xol's message }.
sub xol_stat {
	my ($t, $probes, $timeout, @opts) = @_;
	my $n = ++$nstat;
	my ($defs, $cnt) = ("$scratch/stat$n.defs", "$scratch/stat$n.cnt");
	open my $fh, '>', $defs or die "$defs: $!\n";
	print $fh map { "$_->{def}\n" } @$probes;
	close $fh;
	my $r = run(['timeout', '-s', 'KILL', $timeout, xol(), 'stat', '-x,', '-v', '-o', $cnt,
		     '--probe-file', $defs, @opts, '--', @{$t->{cmd}}], timeout => $timeout + 10);
	for (split /\n/, slurp($cnt) // '') {
		my ($h, $m, $e) = split /,/;
		$e =~ s{^cov:}{};
		($r->{hits}{$e}, $r->{misses}{$e}) = ($h, $m);
	}
	for (split /\n/, $r->{err}) {
		next unless m{^xol: cov/(\w+) in \S+?(?: at \S+)?: (.*)$};
		my ($e, $msg) = ($1, $2);
		if ($msg =~ /^(jump|trap): (?:.*; no jump: (.*))?/) {
			$r->{path}{$e} = $1;
			$r->{why}{$e} = $2 if $2;
		} else {
			$r->{refused}{$e} = $msg;
		}
	}
	$r->{err} =~ s/^xol: .*\n//mg;
	unlink $defs, $cnt unless $ENV{XOL_KEEP};
	return $r;
}

# ok() if OUT and STATUS are those of T's untraced run; else say what differs.
sub as_untraced {
	my ($t, $out, $status, $what) = @_;
	my $plain = $t->{plain};
	return 1 if ok($out eq $plain->{out} && $status == $plain->{status}, $what);
	my %was = map { $_ => 1 } split /\n/, $plain->{out};
	my @new = grep { !$was{$_} } split /\n/, $out;
	diag('  ' . status_text($status) . ', ' . ($out eq '' ? 'no output' : scalar(@new) . ' lines differ') .
	     join('', map { "\n  $_" } @new[0 .. ($#new < 4 ? $#new : 4)]));
	return 0;
}

# The first N of a list of complaints, for diag().
sub show {
	my ($n, @l) = @_;
	my @s = map { "  $_" } @l[0 .. ($#l < $n - 1 ? $#l : $n - 1)];
	push @s, '  ... and ' . (@l - $n) . ' more' if @l > $n;
	return join "\n", @s;
}

# The probes of LIST whose counts in A and B (NAME => N) differ.
sub differ {
	my ($list, $a, $b) = @_;
	return map { "$_->{where}: " . ($a->{$_->{name}} // 'none') . ' vs ' . ($b->{$_->{name}} // 'none') }
		grep { ($a->{$_->{name}} // -1) != ($b->{$_->{name}} // -1) } @$list;
}

# What in T's counts HITS disagrees with the control flow: instructions
# that do not count what the first of their block counts, function entries
# that do not count the calls insncov reports.
sub flow_errors {
	my ($t, $hits) = @_;
	my (@block, @entry);
	for my $b (@{$t->{blocks}}) {
		my @in = grep { !$t->{unprobeable}{$_->{name}} } map { $_->{probe} } @$b;
		next unless @in;
		my $n = $hits->{$in[0]{name}} // -1;
		push @block, map { "$_->{where}: " . ($hits->{$_->{name}} // 'none') . " hits, the block's first $n" }
			grep { ($hits->{$_->{name}} // -1) != $n } @in[1 .. $#in];
	}
	for my $f (@{$t->{funcs}}) {
		my ($p, $calls) = ($f->{insns}[0]{probe}, $t->{calls}{$f->{name}});
		push @entry, "$p->{where}: " . ($hits->{$p->{name}} // 'none') . " hits, $calls calls"
			if defined $calls && ($hits->{$p->{name}} // -1) != $calls;
	}
	return (\@block, \@entry);
}

# "N by a jump, N by an int3, N refused" of PROBES in R.
sub placement {
	my ($r, $probes) = @_;
	my %by = %{count_by(sub { $r->{path}{$_[0]{name}} // 'refused' }, @$probes)};
	return sprintf('%d by a jump, %d by an int3, %d refused', $by{jump} // 0, $by{trap} // 0,
		       $by{refused} // 0);
}

# --- every instruction, by jump and by int3, and by the kernel ------------------

sub every_instruction {
	my ($t) = @_;
	my ($tn, $probes, $unprobeable) = ($t->{name}, $t->{probes}, $t->{unprobeable});
	my @counted = grep { defined $t->{calls}{$_->{name}} } @{$t->{funcs}};
	note("$tn, never placed, on purpose: " .
	     join(', ', map { $_->{where} } grep { $unprobeable->{$_->{name}} } @$probes)) if %$unprobeable;

	for my $mode (['jump path', []], ['trap path', ['--trap']]) {
		my ($path, $opts) = @$mode;
		my $r = $t->{run}{$path} = xol_stat($t, $probes, 60, @$opts);

		as_untraced($t, $r->{out}, $r->{status}, "$tn, $path: the program prints and exits as untraced");
		is($r->{err}, '', "$tn, $path: it writes nothing on stderr");
		my @wrong = grep { $unprobeable->{$_->{name}} ? !$r->{refused}{$_->{name}} || $r->{path}{$_->{name}}
							     : !$r->{path}{$_->{name}} } @$probes;
		is(scalar @wrong, 0, sprintf('%s, %s: %d probes placed, %d refused as they must be', $tn, $path,
					      @$probes - keys %$unprobeable, scalar keys %$unprobeable))
			or diag(show(10, map { "$_->{where}: " . ($r->{path}{$_->{name}} // $r->{refused}{$_->{name}} //
								'not placed, no word why') } @wrong));
		my @missed = grep { $r->{misses}{$_->{name}} } @$probes;
		is(scalar @missed, 0, "$tn, $path: no hit missed") or diag(show(10, map { $_->{where} } @missed));

		my ($block, $entry) = flow_errors($t, $r->{hits});
		is(scalar @$block, 0, sprintf('%s, %s: every instruction of each of the %d basic blocks counts ' .
					      'what its first does', $tn, $path, scalar @{$t->{blocks}}))
			or diag(show(10, @$block));
		is(scalar @$entry, 0, sprintf('%s, %s: the first instruction of each of the %d functions counts its calls',
					      $tn, $path, scalar @counted)) or diag(show(10, @$entry))
			if @counted;

		note("$tn, $path: " . placement($r, $probes));
		my %why = %{count_by(sub { $_[0] }, values %{$r->{why}})};
		note("  int3, because $_: $why{$_}") for sort { $why{$b} <=> $why{$a} } keys %why;
	}
	my ($jump, $trap) = @{$t->{run}}{'jump path', 'trap path'};
	my @jumped = grep { ($trap->{path}{$_->{name}} // '') eq 'jump' } @$probes;
	is(scalar @jumped, 0, "$tn, trap path: no site got a jump") or diag(show(5, map { $_->{where} } @jumped));
	my @d = differ($probes, $jump->{hits}, $trap->{hits});
	is(scalar @d, 0, sprintf('%s: the jump path counts what the trap path counts, at each of the %d probes',
				 $tn, scalar @$probes)) or diag(show(10, @d));
	my $total = 0;
	$total += $_ for values %{$trap->{hits}};
	note(sprintf('%s: %d hits in all; %d probes never hit', $tn, $total,
		     scalar grep { !$trap->{hits}{$_->{name}} } @$probes));

    SKIP: {
	my $why = kernel_unusable();
	skip "kernel oracle unavailable: $why", 4 if $why;

	# A private copy of the program and its library: the kernel places its
	# probes into every process that maps the file, and only this program
	# may (not xol's runs, not other tests, not another run of this one).
	my $dir = "$scratch/kernel-$tn";
	mkdir $dir or die "$dir: $!\n";
	my @cmd = @{$t->{cmd}};
	for my $f ($t->{file}, $cmd[0]) {
		copy($f, "$dir/" . basename($f)) && chmod(0755, "$dir/" . basename($f)) or die "copy $f: $!\n";
	}
	my $file = "$dir/" . basename($t->{file});
	$cmd[0] = "$dir/" . basename($cmd[0]);
	my %at = map { $_->{insn}{off} => $_ } @$probes;
	my @misruns = grep { $_->{insn}{text} =~ $KERNEL_MISRUNS } @$probes;
	my %asked = map { $_->{name} => 1 } grep { $_->{insn}{text} !~ $KERNEL_MISRUNS } @$probes;
	my @chunks = map { [map { $_->{off} } grep { $asked{$_->{probe}{name}} } @{$_->{insns}}] } @{$t->{funcs}};
	my $k = kernel_counts($file, [grep { @$_ } @chunks], [target('insncov-hold'), $file, @cmd], "$dir/out");
	my %khits = map { $at{$_}{name} => $k->{hits}{$_} } keys %{$k->{hits}};
	my @krefused = map { $at{$_} } sort { $a <=> $b } keys %{$k->{refused}};
	note(sprintf('%s: not asked of the kernel: %d probes (%s)', $tn, scalar @misruns,
		     join(', ', sort keys %{count_by(sub { ($_[0]{insn}{text} =~ /^(\S+)/)[0] }, @misruns)})));
	note(sprintf('%s: the kernel refuses %d probes', $tn, scalar @krefused));
	note("  $_->{where}: $k->{refused}{$_->{insn}{off}}") for @krefused;
	as_untraced($t, slurp("$dir/out") // '', $k->{status},
		    "$tn, kernel: the program prints and exits under the kernel's uprobes as untraced");
	my %kr = map { $_->{name} => 1 } @krefused;
	my @not = grep { $unprobeable->{$_->{name}} && !$kr{$_->{name}} } @$probes;
	is(scalar @not, 0, "$tn: the kernel refuses what xol refuses on purpose")
		or diag(show(10, map { $_->{where} } @not));

	# The probes where the kernel counts otherwise, and how, by design or not.
	my @both = grep { defined $khits{$_->{name}} } @$probes;
	my %known = map { my $why = kernel_counts_otherwise($_); $why ? ($_->{name} => $why) : () } @both;
	my @same = grep { !$known{$_->{name}} } @both;
	my @dj = differ(\@same, $jump->{hits}, \%khits);
	my @dt = differ(\@same, $trap->{hits}, \%khits);
	my %bad = map { /^(.*?): / ? ($1 => 1) : () } @dj, @dt;
	diag(sprintf('kernel oracle: %d/%d probes with equal counts (%s)', @same - keys %bad, scalar @same, $tn));
	is(scalar @dj, 0, sprintf('%s, jump path: each of the %d probes the kernel places counts what it counts',
				  $tn, scalar @same)) or diag(show(10, @dj));
	is(scalar @dt, 0, sprintf('%s, trap path: each of the %d probes the kernel places counts what it counts',
				  $tn, scalar @same)) or diag(show(10, @dt));
	for my $p (grep { $known{$_->{name}} } @both) {
		note(sprintf('%s: %d hits, the kernel %d: %s', $p->{where}, $trap->{hits}{$p->{name}} // 0,
			     $khits{$p->{name}}, $known{$p->{name}}));
	}
    }
}

my $cov = target_of(target('libinsncov.so'), qr/^cov_/, target('insncov'), $ROUNDS);
my $funcs = target_of(target('insncov-funcs'), qr/^[fa]_\w+(?:\.cold)?$/, target('insncov-funcs'));
my @cov_counted = grep { $cov->{calls}{$_->{name}} } @{$cov->{funcs}};
ok(@{$cov->{funcs}} >= 20 && @cov_counted == keys %{$cov->{calls}},
   sprintf('libinsncov.so: %d functions, %d of them counting their calls, all called; ' .
	   '%d instruction boundaries in %d basic blocks', scalar @{$cov->{funcs}}, scalar @cov_counted,
	   scalar @{$cov->{probes}}, scalar @{$cov->{blocks}}));
ok(@{$funcs->{funcs}} >= 20, sprintf('insncov-funcs: %d functions, %d instruction boundaries in %d basic blocks',
				     scalar @{$funcs->{funcs}}, scalar @{$funcs->{probes}}, scalar @{$funcs->{blocks}}));
for my $t ($cov, $funcs) {
	like(status_text($t->{plain}{status}), qr/^exit /, "$t->{name}, untraced: " . status_text($t->{plain}{status}) .
	     ', ' . (() = $t->{plain}{out} =~ /\n/g) . ' lines of results');
	every_instruction($t);
}

# --- libinsncov.so: a jump may displace several instructions ---------------------

for my $pass (0 .. 2) {
	my @sub = @{$cov->{probes}}[grep { $_ % 3 == $pass } 0 .. $#{$cov->{probes}}];
	my $r = xol_stat($cov, \@sub, 10);
	my $which = ('first', 'second', 'third')[$pass];
	note("every third instruction from the $which: " . placement($r, \@sub));
	as_untraced($cov, $r->{out}, $r->{status},
		    "every third instruction from the $which: insncov prints and exits as untraced");
	my @d = differ(\@sub, $r->{hits}, $cov->{run}{'trap path'}{hits});
	is(scalar @d, 0, sprintf('every third instruction from the %s: each of its %d probes counts what it counts ' .
				 'with a probe at every instruction', $which, scalar @sub)) or diag(show(5, @d));
}

# --- libinsncov.so under xol trace ------------------------------------------------

{
	my @half = @{$cov->{funcs}}[grep { $_ % 2 == 0 } 0 .. $#{$cov->{funcs}}];
	my %half = map { $_->{name} => 1 } @half;
	my @sub = grep { $half{$_->{func}{name}} } @{$cov->{probes}};
	my %probe = map { $_->{name} => $_ } @sub;
	my $counts = $cov->{run}{'trap path'}{hits};
	my $r = trace([map { $_->{def} } @sub], $cov->{cmd});
	as_untraced($cov, $r->{out}, $r->{status}, sprintf('xol trace, every instruction of %d functions ' .
							   '(%d probes): insncov prints and exits as untraced',
							   scalar @half, scalar @sub));
	my (%lines, %base, $bad);
	$lines{$_->{name}} = 0 for @sub;
	for (@{$r->{trace}}) {
		my $l = parse_line($_);
		if (!$l || !$probe{$l->{event}}) {
			$bad++;
			next;
		}
		$lines{$l->{event}}++;
		$base{hex($l->{ip}) - $probe{$l->{event}}{insn}{addr}}++;
	}
	my $want = 0;
	$want += $counts->{$_->{name}} // 0 for @sub;
	my @d = differ(\@sub, \%lines, $counts);
	is(scalar @d, 0, "xol trace: each probe prints as many lines as it counts ($want lines in all)")
		or diag(show(10, @d));
	ok(!$bad && keys %base == 1 && !((keys %base)[0] & 0xfff),
	   'xol trace: every line is at its probe\'s address, all in the one place the library is loaded')
		or diag(($bad // 0) . ' lines of no probe, load bases: ' . join(' ', map { sprintf '0x%x', $_ } keys %base));
	my @s = grep { my $s = $r->{summary}{"cov:$_->{name}"};
		       !$s || $s->{misses} || $s->{lost} || $s->{hits} != $lines{$_->{name}} } @sub;
	is(scalar @s, 0, 'xol trace: its summary counts every line, none missed or lost')
		or diag(show(5, map { $_->{where} } @s));
}

done_testing();
