#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 25-program-signals: programs with SIGSEGV, SIGBUS and SIGTRAP handlers of
# their own keep working while probes are armed and fire (the agent keeps
# its handlers first and passes on every signal that is not its own).
#
# The sigs target installs its handlers in one of several ways (sigaction
# with SA_SIGINFO or a plain handler, signal(), a full sa_mask, SA_NODEFER,
# SA_RESETHAND, SIGTRAP ignored, no handler at all, signals blocked, an
# alternate signal stack for a stack overflow), reads them back, and
# provokes each signal: a NULL dereference and a read past the end of a
# truncated mapping caught with sigsetjmp/siglongjmp, raise(SIGTRAP), an
# int3 of its own, kill(SIGSEGV), raise(SIGBUS).  Each line it prints says
# what it saw.
#
# For every mode: the untraced run prints the literal text below and ends
# as said; the run under `xol trace` with probes on victim() (entry and
# return), and again with probes inside the handlers too, each placed by
# jumps (the default) and by int3 (--trap), prints the same stdout and
# stderr and ends the same way; and the probes counted what the
# program counted itself (its last line).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

need_targets('sigs');

my $bin = target('sigs');
my %off = map { $_ => symoff($bin, $_) } qw(victim on_signal_info on_signal_plain recurse);
my @victim = ("p:inv/victim $bin:$off{victim} what=%di:s32",
	      "r:inv/victim_ret $bin:$off{victim} rv=\$retval:s32");
my @handlers = ("p:inv/on_signal_info $bin:$off{on_signal_info} sig=%di:s32",
		"p:inv/on_signal_plain $bin:$off{on_signal_plain} sig=%di:s32",
		"p:inv/recurse $bin:$off{recurse} depth=%di:s32");

my $info_steps = <<'EOF';
null dereference: jumped back, SIGSEGV SEGV_MAPERR addr NULL
read past the end of a mapping: jumped back, SIGBUS BUS_ADRERR addr the mapping
raise(SIGTRAP): returned 1, SIGTRAP SI_TKILL
int3: returned 2, SIGTRAP SI_KERNEL addr NULL
kill(SIGSEGV): returned 3, SIGSEGV SI_USER
raise(SIGBUS): returned 4, SIGBUS SI_TKILL
nothing: returned 0, no signal
victim calls 7, returned 5, handler runs 6
EOF
my $plain_steps = <<'EOF';
null dereference: jumped back, SEGV
read past the end of a mapping: jumped back, BUS
raise(SIGTRAP): returned 1, TRAP
int3: returned 2, TRAP
kill(SIGSEGV): returned 3, SEGV
raise(SIGBUS): returned 4, BUS
nothing: returned 0, no signal
victim calls 7, returned 5, handler runs 6
EOF
sub handlers { my ($flags, $mask) = @_; join '', map { "SIG$_: was default, now ours, flags $flags, $mask in mask\n" } qw(SEGV BUS TRAP) }

# mode (arguments), how the untraced run ends, what it prints
my @modes = (
	[['sigaction'], 'exit 0', "mode sigaction\n" . handlers('0x4000004', 0) . $info_steps],
	[['sigaction-plain'], 'exit 0', "mode sigaction-plain\n" . handlers('0x4000000', 0) . $plain_steps],
	[['signal'], 'exit 0', "mode signal\n" . handlers('0x14000000', 1) . $plain_steps],
	[['fullmask'], 'exit 0', "mode fullmask\n" . handlers('0x4000004', 60) . $info_steps],
	[['nodefer'], 'exit 0', "mode nodefer\n" . handlers('0x44000004', 0) . $info_steps],
	[['resethand'], 'killed by SIGSEGV', <<'EOF'],
mode resethand
SIGSEGV: was default, now ours, flags 0x84000004, 0 in mask
null dereference: jumped back, SIGSEGV SEGV_MAPERR addr NULL
SIGSEGV: was ours, now default, flags 0x84000004, 0 in mask
EOF
	[['block'], 'exit 0', <<'EOF'],
mode block
signals blocked: returned 0, no signal
victim calls 1, returned 1, handler runs 0
EOF
	[['ignore'], 'killed by SIGTRAP', <<'EOF'],
mode ignore
SIGTRAP: was default, now ours, flags 0x14000000, 1 in mask
raise(SIGTRAP), ignored: returned 1, no signal
EOF
	[['overflow'], 'exit 0', <<'EOF'],
mode overflow
SIGSEGV: was default, now ours, flags 0xc000004, 0 in mask
stack overflow: jumped back, SIGSEGV SEGV_ACCERR, at a depth over 100
victim calls 0, returned 0, handler runs 1
EOF
	[['default', 'null'], 'killed by SIGSEGV', "mode default\n"],
	[['default', 'bus'], 'killed by SIGBUS', "mode default\n"],
	[['default', 'trap'], 'killed by SIGTRAP', "mode default\n"],
	[['default', 'int3'], 'killed by SIGTRAP', "mode default\n"],
);

my %todo;	# mode => reason, for known engine bugs

sub hits {
	my ($r, @events) = @_;
	my $n = 0;
	$n += $r->{summary}{"inv:$_"}{hits} // 0 for @events;
	return $n;
}

for my $m (@modes) {
	my ($args, $ends, $text) = @$m;
	my $name = "sigs @$args";
	my $plain = run([$bin, @$args]);
	is(status_text($plain->{status}), $ends, "$name: untraced, $ends");
	is($plain->{out}, $text, "$name: untraced, prints what it saw");

	for my $probes (['victim() probed', [], @victim], ['victim() and the handlers probed', [], @victim, @handlers],
			['victim() probed, --trap', ['--trap'], @victim],
			['victim() and the handlers probed, --trap', ['--trap'], @victim, @handlers]) {
		my ($how, $opts, @defs) = @$probes;
		my $r = trace(\@defs, [$bin, @$args], opts => $opts);
		{
			local $TODO = $todo{$args->[0]};
			is($r->{out}, $plain->{out}, "$name, $how: same stdout");
		}
		is($r->{err}, $plain->{err}, "$name, $how: same stderr");
		is($r->{code}, $plain->{code}, "$name, $how: ends the same way ($ends)");
		is($r->{xol_err}, '', "$name, $how: every probe placed, nothing to complain about")
			or diag($r->{xol_err});
		my ($calls, $returned, $runs) =
			$plain->{out} =~ /^victim calls (\d+), returned (\d+), handler runs (\d+)$/m;
		next unless defined $calls;
		is(hits($r, 'victim'), $calls, "$name, $how: victim() hit as often as it was called ($calls)");
		is(hits($r, 'victim_ret'), $returned, "$name, $how: and returned ($returned)");
		is(hits($r, 'on_signal_info', 'on_signal_plain'), $runs,
		   "$name, $how: the handlers hit as often as they ran ($runs)")
			if @defs > @victim;
	}
}

done_testing();
