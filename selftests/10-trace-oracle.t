#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 10-trace-oracle: the kernel's uprobes are the reference for `xol trace`.
#
# Every definition of data/trace-oracle.defs is armed once in the kernel
# (uprobe_events) and in `xol trace` (once with the jump path where it is safe,
# once with --trap), for runs of the same target with the same arguments and
# the same environment, ASLR off.  For each event and each way xol ran:
#
#   - the kernel hits it at least once (else the definition tests nothing);
#   - xol hits it as often as the kernel, and its summary says so (no misses,
#     nothing lost);
#   - every hit's text, from the event name on, is byte for byte the
#     kernel's (in order; as a set for [...; unordered] sections);
#
# and each run of a target prints the same and exits alike under both.
# Addresses inside a library that the target reports as "NAME base 0x..."
# are compared as NAME+OFFSET (dlopen maps libraries where xol's own mappings
# leave room).  Definitions marked "# TODO: why" are known differences.
#
# The third way: attached.  The same command as the kernel's run, stdin a pipe,
# waits in main() (targets/oracle-wait.h) until `xol trace -p` has attached,
# then runs to its end: every hit of the attached session must equal the
# kernel's too.
#
# A section's definitions are armed together: one kernel run and three xol runs
# per target build and section (some 20 s on a 2-core machine).  Needs root
# and tracefs with uprobe_events; skips otherwise.  The kernel's events live
# in group xolo_PID and are recorded into a tracing instance of that name (its
# own buffer: nobody else's trace is read or cleared), on private copies of
# the targets (their own inodes: no other process hits them); all of it is
# removed at the end, also when killed.
# XOL_TRACE_MISMATCHES=FILE writes every difference to FILE.
use strict;
use warnings;
use FindBin;
use Test::More;
use Fcntl qw(O_WRONLY O_APPEND);
use POSIX ();
BEGIN { require "$FindBin::Bin/data/trace-lib.pl"; XolTrace->import }

my $T = '/sys/kernel/tracing';
my $GROUP = "xolo_$$";
my $INST = "$T/instances/$GROUP";

sub kernel_unusable {
	return 'not root' if $> != 0;
	system("mount -t tracefs nodev $T >/dev/null 2>&1") if -d $T && !-e "$T/README";
	return "no tracefs at $T" unless -e "$T/README";
	return 'kernel without uprobe_events (CONFIG_UPROBE_EVENTS)' unless -e "$T/uprobe_events";
	return "no tracing instances in $T" unless -d "$T/instances";
	sysopen(my $fh, "$T/uprobe_events", O_WRONLY | O_APPEND)
		or return "cannot open uprobe_events: $!";
	return 'setarch -R does not work here' if system('setarch -R true >/dev/null 2>&1');
	return undef;
}

plan skip_all => 'xol is not built' unless -x xol_path();
if (my $why = kernel_unusable()) {
	plan skip_all => "kernel oracle unavailable: $why";
}

# --- the kernel's side ------------------------------------------------------

sub kwrite {
	my ($file, $data) = @_;
	sysopen(my $fh, $file, O_WRONLY | O_APPEND) or return "$!";
	defined syswrite($fh, $data) or return "$!";
	return undef;
}

sub last_kernel_error {
	my @l = split /\n/, slurp("$T/error_log") // '';
	return @l >= 3 ? join(' | ', @l[-3 .. -1]) : '';
}

my ($armed, $killed);

sub kernel_cleanup {
	return unless $armed;
	kwrite("$INST/events/$GROUP/enable", "0\n") if -e "$INST/events/$GROUP/enable";
	my $e = kwrite("$T/uprobe_events", "-:$GROUP/\n");
	diag("could not delete the kernel's $GROUP events: $e") if $e && $e !~ /No such file/;
	for (1 .. 50) { last if !-d $INST || rmdir $INST; select(undef, undef, undef, 0.02) }
	diag("could not remove $INST: $!") if -d $INST;
	$armed = 0;
}
# On a signal, unwind first (closing the instance's files), then clean up.
END { kernel_cleanup() }
$SIG{$_} = sub { $killed = $_[0]; die "killed by SIG$_[0]\n" } for qw(INT TERM HUP PIPE);

# Arm DEFS in the kernel, run CMD as xol would run it but untraced, disarm.
# Returns run_cmd's result plus { trace, errors => { EVENT => why } }.
sub kernel_run {
	my ($defs, @cmd) = @_;
	my %errors;
	mkdir $INST or return { fatal => "mkdir $INST: $!" };
	$armed = 1;
	for my $d (@$defs) {
		(my $line = $d->{resolved}) =~ s{^([pr][^:\s]*):[^/\s]+/}{$1:$GROUP/};
		my $e = kwrite("$T/uprobe_events", "$line\n");
		$errors{$d->{event}} //= "the kernel refused it ($e): " . last_kernel_error() if $e;
	}
	my %seen;
	for my $ev (grep { !$seen{$_}++ } map { $_->{event} } @$defs) {
		next if $errors{$ev};
		# a new event's files can show up in an instance a moment later
		my $f = "$INST/events/$GROUP/$ev/enable";
		for (1 .. 100) { last if -e $f; select(undef, undef, undef, 0.02) }
		my $e = kwrite($f, "1\n");
		$errors{$ev} = "the kernel could not enable it: $e" if $e;
	}
	my $r = run_cmd(same_env_cmd(@cmd));
	kwrite("$INST/events/$GROUP/enable", "0\n") if -e "$INST/events/$GROUP/enable";
	$r->{trace} = slurp("$INST/trace") // '';
	kernel_cleanup();
	$r->{errors} = \%errors;
	return $r;
}

# --- comparing ----------------------------------------------------------------

# Addresses inside the libraries a target reports ("NAME base 0x...").
sub namer_for {
	my ($dir, $stdout) = @_;
	my $bases = mapped_bases($stdout);
	return addr_namer(map { my $n = $_; map { [$_, "$dir/$n", $n] } @{$bases->{$n}} }
			  grep { -f "$dir/$_" } sort keys %$bases);
}

sub texts_of {
	my ($event, $namer, $unordered, @hits) = @_;
	my @t = map { $namer->($_->{text}) } grep { $_->{event} eq $event } @hits;
	return $unordered ? sort @t : @t;
}

sub differences {
	my ($k, $x) = @_;
	my @d;
	push @d, sprintf('%d hits under the kernel, %d under xol', scalar @$k, scalar @$x)
		if @$k != @$x;
	for my $i (0 .. ($#$k > $#$x ? $#$k : $#$x)) {
		my ($a, $b) = ($k->[$i] // '(none)', $x->[$i] // '(none)');
		next if $a eq $b;
		if (@d >= 9) { push @d, '...'; last }
		push @d, "hit $i: kernel: " . visible($a), "hit $i:    xol: " . visible($b);
	}
	return @d;
}

sub without_bases { join '', grep { !/^\S+ base 0x[0-9a-f]+$/ } split /^/, $_[0] }

# --- the corpus -------------------------------------------------------------------

my @sections = read_defs("$FindBin::Bin/data/trace-oracle.defs");
my %targets = map { $_ => 1 } map { @{$_->{progs}} } @sections;
my $dir = stage(sort(keys %targets), 'libxoltarget.so', 'libxolplugin.so');
my (%def_ok, %def_seen, @report);
my ($events_ok, $events_run) = (0, 0);

# One xol run (MODE: jump or trap) of a section's PROG against the kernel's run K.
sub compare_run {
	my ($sec, $prog, $mode, $defs, $unresolved, $k, $x, @cmd) = @_;
	my @khits = parse_trace($k->{trace});
	my @xhits = parse_trace($x->{trace});
	my ($kn, $xn) = (namer_for($dir, $k->{out}), namer_for($dir, $x->{out}));

	# the run itself
	my @rd;
	push @rd, "exit status: $k->{status} untraced, $x->{status} under xol"
		if $k->{status} != $x->{status};
	push @rd, "the program's output differs:\n$k->{out}---\n$x->{out}"
		if without_bases($k->{out}) ne without_bases($x->{out});
	push @rd, map { "kernel trace: " . visible($_->{text}) } grep { $_->{junk} } @khits;
	push @rd, map { "xol trace: " . visible($_->{text}) } grep { $_->{junk} } @xhits;
	ok(!@rd, "$prog [$mode] @cmd[1..$#cmd]: same output and exit status, traces well formed")
		or diag(join "\n", @rd, "xol's stderr:", $x->{err});

	# each event
	my %seen;
	for my $ev (grep { !$seen{$_}++ } map { $_->{event} } @{$sec->{defs}}) {
		my @mine = grep { $_->{event} eq $ev } @{$sec->{defs}};
		my $lines = join ',', map { $_->{line} } @mine;
		my @kt = texts_of($ev, $kn, $sec->{unordered}, @khits);
		my @xt = texts_of($ev, $xn, $sec->{unordered}, @xhits);
		my @d;
		if (my $why = $unresolved->{$ev} // $k->{errors}{$ev}) {
			@d = ($why);
		} else {
			@d = differences(\@kt, \@xt);
			push @d, 'no hits under the kernel: the definition tests nothing' unless @kt;
			my $s = $x->{summary}{$ev};
			push @d, "xol's summary: " . ($s ? "hits=$s->[0] misses=$s->[1] lost=$s->[2]"
					 : 'no line for the event') . ', printed ' . scalar(@xt)
				unless $s && $s->[0] == @xt && !$s->[1] && !$s->[2];
		}
		my ($todo) = map { $_->{todo} // () } @mine;
		my $name = "$prog [$mode]: $ev (defs line $lines): " . scalar(@kt) . ' hits, same text';
		$events_run++;
		$events_ok++ unless @d;
		for (@mine) {
			$def_seen{$_->{line}} = 1;
			$def_ok{$_->{line}} //= 1;
			$def_ok{$_->{line}} = 0 if @d;
		}
		if (@d) {
			push @report, "$name" . ($todo ? " # TODO $todo" : ''),
				map { "    $_" } @d, map { "    def: $_->{resolved}" }
				grep { $_->{event} eq $ev } @$defs;
			my @err = grep { /\Q$ev\E|refus|cannot|error/i && !/^\s*\d+\s+\d+\s+\d+\s/ }
				split /\n/, $x->{err};
			push @d, "xol: $_" for @err[0 .. ($#err > 2 ? 2 : $#err)];
		}
		TODO: {
			local $TODO = $todo;
			ok(!@d, $name) or diag(join "\n", @d);
		}
	}
}

for my $sec (@sections) {
	for my $prog (@{$sec->{progs}}) {
		my %files = (BIN => "$dir/$prog", LIB => "$dir/libxoltarget.so",
			     PLUGIN => "$dir/libxolplugin.so");
		my (@defs, %unresolved);
		for my $d (@{$sec->{defs}}) {
			my $t = eval { resolve_def($d->{text}, \%files) };
			die "killed by SIG$killed\n" if $killed;
			if (defined $t) {
				push @defs, { %$d, resolved => $t };
			} else {
				chomp(my $e = $@);
				$unresolved{$d->{event}} = "cannot fill in defs line $d->{line}: $e";
			}
		}
		my @cmd = ($files{BIN}, @{$sec->{args}});
		my $k = kernel_run(\@defs, @cmd);
		BAIL_OUT($k->{fatal}) if $k->{fatal};
		for my $m (@MODES) {
			my $x = xol_run([map { $_->{resolved} } @defs], $m->[1], @cmd);
			compare_run($sec, $prog, $m->[0], \@defs, \%unresolved, $k, $x, @cmd);
		}
		# Attached (-p) to the same run, before main() goes on.
		my $x = xol_attach_run([map { $_->{resolved} } @defs], @cmd);
		compare_run($sec, $prog, 'attached', \@defs, \%unresolved, $k, $x, @cmd);
	}
}

my $defs = keys %def_seen;
my $matched = grep { $_ } values %def_ok;
diag(sprintf 'kernel oracle: %d/%d definitions matched (%d/%d event runs: %d programs, %s) on Linux %s',
	$matched, $defs, $events_ok, $events_run, scalar(keys %targets),
	join('+', (map { $_->[0] } @MODES), 'attached'), (POSIX::uname())[2]);

if (my $f = $ENV{XOL_TRACE_MISMATCHES}) {
	open my $fh, '>', $f or die "$f: $!\n";
	print $fh "# xol trace vs Linux ", (POSIX::uname())[2], ": $matched/$defs definitions matched\n";
	print $fh "$_\n" for @report;
	close $fh;
}

done_testing();
