# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of the invariant tests (selftests/2*-*.t): run a program untraced
# and under `xol trace`, read the trace lines and the summary, find the file
# offsets that definitions need, and ask the kernel's own uprobes the same
# question (perf record, or a tracefs instance) where root and tracefs are
# there.
#
# Kernel events are created in groups named xolinv<test>_<pid>, which no
# other test touches; they are deleted at exit (and on INT/TERM/HUP), and
# the groups of test processes that died before they could clean up are
# deleted by the next run.
package XolInv;

use strict;
use warnings;
use Config;
use Cwd qw(abs_path);
use Fcntl qw(O_WRONLY O_APPEND :flock);
use File::Basename qw(dirname basename);
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Test::More;

use Exporter 'import';
our @EXPORT = qw(
	top build xol target libc_where symoff need_targets scratch slurp
	run trace parse_line by_event count_by
	kernel_unusable kernel_define kernel_clear perf_record perf_stat tracefs_record
	status_text exclusive
);

my $top = abs_path(dirname(__FILE__) . '/../..');
sub top { $top }
sub build { $ENV{XOL_BUILD} // "$top/build" }
sub xol { build() . '/xol' }
sub target { build() . "/targets/$_[0]" }

# A fresh directory for this test's files, removed at exit; the sessions of
# xol (TMPDIR) go there too, so a killed session leaves nothing behind.
my $scratch;
sub scratch {
	$scratch //= tempdir('xolinv-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	return $scratch;
}

sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return undef;
	local $/;
	my $s = <$fh>;
	return $s;
}

# Run alone among the tests that say the same NAME, until exit: a probe
# enabled in tracefs is armed in every process that maps the file, so two
# runs of one test (two `make check` of one tree) must not overlap.
my $lock_fh;
sub exclusive {
	my ($name) = @_;
	my $dir = -d '/run/lock' && -w '/run/lock' ? '/run/lock' : ($ENV{TMPDIR} // '/tmp');
	open $lock_fh, '>>', "$dir/xolinv-$name.lock" or die "$dir/xolinv-$name.lock: $!\n";
	flock($lock_fh, LOCK_EX) or die "flock: $!\n";
}

# Skip the whole test unless xol, its agent and these targets are built;
# under make check (XOL_BUILD set, where everything is built first) a
# missing target is a build bug, and fails.
sub need_targets {
	my @missing = grep { !-e $_ } xol(), build() . '/libxol-agent.so', map { target($_) } @_;
	return unless @missing;
	if ($ENV{XOL_BUILD}) {
		plan tests => 1;
		fail("built by make check: @missing");
		exit 1;
	}
	plan skip_all => "not built: @missing (make all targets)";
}

# The file offset of SYMBOL (+ADD) in BIN, as uprobe definitions want it.
sub symoff {
	my ($bin, $sym, $add) = @_;
	my $off = `'$top/selftests/lib/symoff' '$bin' '$sym' ${\($add // 0)}`;
	chomp $off;
	die "symoff $bin $sym failed\n" unless $off =~ /^0x[0-9a-f]+$/;
	return $off;
}

# Where the code that a program really runs for malloc, free, memcpy (its
# IFUNC resolved), clock_gettime and fork lives: NAME => [FILE, OFFSET,
# SYMBOL], as the libc-calls target finds it with dladdr().
sub libc_where {
	my %w;
	for (split /\n/, `'${\target('libc-calls')}' where`) {
		my ($name, $file, $off, $sym) = split ' ';
		$w{$name} = [$file, $off, $sym];
	}
	die "libc-calls where: $?\n" if $? || !%w;
	return \%w;
}

# "exit 3" or "killed by SIGSEGV" for a wait status.
sub status_text {
	my ($st) = @_;
	return 'exit ' . ($st >> 8) if WIFEXITED($st);
	my $sig = $st & 127;
	my @names = split ' ', $Config::Config{sig_name} // '';
	return "killed by SIG" . ($names[$sig] // $sig);
}

# Run CMD (a list) with stdin from /dev/null (or IN), stdout and stderr to
# files; kill it after TIMEOUT seconds (60).  Returns { out, err, status
# (the wait status), code (the exit status, or 128 + the signal, as a shell
# and `xol trace` report it), pid, timed_out }.
my $runs = 0;
sub run {
	my ($cmd, %o) = @_;
	my $d = scratch();
	my $n = ++$runs;
	my ($out, $err) = ("$d/run$n.out", "$d/run$n.err");
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		# Never return into the test from here: no END block may run twice.
		$ENV{TMPDIR} = $d;
		$ENV{$_} = $o{env}{$_} for keys %{$o{env} // {}};
		(!$o{dir} || chdir $o{dir}) && open(STDIN, '<', $o{in} // '/dev/null') &&
			open(STDOUT, '>', $out) && open(STDERR, '>', $err) && exec { $cmd->[0] } @$cmd;
		print STDERR "run $cmd->[0]: $!\n";
		POSIX::_exit(127);
	}
	my $r = { pid => $pid };
	$o{started}->($pid) if $o{started};
	my $deadline = time + ($o{timeout} // 60);
	while (1) {
		my $w = waitpid($pid, WNOHANG);
		if ($w == $pid) {
			$r->{status} = $?;
			last;
		}
		if (time > $deadline) {
			$r->{timed_out} = 1;
			kill 'KILL', $pid;
			waitpid($pid, 0);
			$r->{status} = $?;
			last;
		}
		sleep 0.01;
	}
	my $st = $r->{status};
	$r->{code} = WIFEXITED($st) ? $st >> 8 : 128 + ($st & 127);
	$r->{out} = slurp($out) // '';
	$r->{err} = slurp($err) // '';
	unlink $out, $err unless $ENV{XOL_KEEP};
	return $r;
}

# Run CMD under `xol trace` with the definitions DEFS (a list), options
# OPTS (a list, e.g. --buffer-size 1M), the trace written to OUTPUT if
# given (then trace is empty: the caller reads it), xol itself started by
# PREFIX (a list, e.g. setarch -R) if given.  Returns what run() does, with
# err (the program's stderr: the summary taken off), trace (the lines of
# the -o file), summary ({ "group:event" => { hits, misses, lost } }) and
# xol_err (anything else xol said on stderr: refused probes, errors).
sub trace {
	my ($defs, $cmd, %o) = @_;
	my $d = scratch();
	my $tfile = $o{output} // "$d/trace$runs.txt";
	my @x = (@{$o{prefix} // []}, xol(), 'trace', '-o', $tfile, (map { ('-e', $_) } @$defs), @{$o{opts} // []}, '--', @$cmd);
	my $r = run(\@x, %o);
	my $t = $o{output} ? '' : slurp($tfile) // '';
	unlink $tfile unless $ENV{XOL_KEEP} || $o{output};
	$r->{trace} = [split /\n/, $t];
	$r->{summary} = {};
	if ($r->{err} =~ s/\n {10}hits     misses       lost  event\n((?: *\d+ +\d+ +\d+  \S+\n)*)\z//) {
		for (split /\n/, $1) {
			my ($h, $m, $l, $e) = split ' ';
			$r->{summary}{$e} = { hits => $h, misses => $m, lost => $l };
		}
		$r->{has_summary} = 1;
	}
	# Return probes: calls left without returning (longjmp, exceptions, exit),
	# { "group:event" => N }; a count, not a complaint.
	$r->{left} = {};
	$r->{left}{$1} = $2 while $r->{err} =~ s/^xol: (\S+): (\d+) calls left without returning.*\n//m;
	# xol's own complaints, "xol: ..." and "xol trace: ...", are not the program's.
	my @xol = $r->{err} =~ /^(xol(?: trace)?: .*)$/mg;
	$r->{xol_err} = join "\n", @xol;
	$r->{err} =~ s/^xol(?: trace)?: .*\n//mg;
	return $r;
}

# A trace_pipe line: { comm, tid, cpu, flags, ts, event, ip, ret_ip, args,
# arg => { NAME => VALUE } } or undef.
sub parse_line {
	my ($l) = @_;
	return undef unless $l =~ /^(.{16})-(\d+) *\[(\d{3})\] (\S{5}) +(\d+\.\d{6}): (\w+): \((0x[0-9a-f]+)(?: <- (0x[0-9a-f]+))?\)(.*)$/;
	my $h = { comm => $1, tid => $2, cpu => $3, flags => $4, ts => $5, event => $6, ip => $7,
		  ret_ip => $8, args => $9 };
	$h->{comm} =~ s/^ +//;
	my %a;
	my $rest = $h->{args};
	while ($rest =~ /\G ([^=\s]+)=("(?:[^"\\]|\\.)*"|\S+)/gc) {
		$a{$1} = $2;
	}
	$h->{arg} = \%a;
	return $h;
}

# The parsed lines of R (a trace() result) for EVENT.
sub by_event {
	my ($r, $event) = @_;
	return grep { $_ && $_->{event} eq $event } map { parse_line($_) } @{$r->{trace}};
}

# { KEY => count } over a list, KEY from a code ref.
sub count_by {
	my ($key, @l) = @_;
	my %c;
	$c{$key->($_)}++ for @l;
	return \%c;
}

# --- the kernel -------------------------------------------------------------

my $T = '/sys/kernel/tracing';
my (@ours, $instance);

# undef if the kernel's uprobes can be asked here (WITH: 'perf' also wants
# perf record), else why not.
sub kernel_unusable {
	my (%o) = @_;
	return 'not root' if $> != 0;
	unless (-e "$T/uprobe_events") {
		system("mount -t tracefs nodev $T >/dev/null 2>&1") if -d $T;
		return "no uprobe_events in $T" unless -e "$T/uprobe_events";
	}
	sysopen(my $fh, "$T/uprobe_events", O_WRONLY | O_APPEND)
		or return "cannot open uprobe_events: $!";
	if (($o{with} // '') eq 'perf') {
		my $v = `perf version 2>/dev/null`;
		return 'no perf' unless $v =~ /perf version/;
	}
	return undef;
}

sub _kwrite {
	my ($data) = @_;
	sysopen(my $fh, "$T/uprobe_events", O_WRONLY | O_APPEND) or return "uprobe_events: $!";
	my $r = syswrite($fh, $data);
	return defined $r ? undef : "$!";
}

sub _kgroups {
	my %g;
	for (split /\n/, slurp("$T/uprobe_events") // '') {
		$g{$1}{$2} = 1 if m{^[pr]:(xolinv\d+_\d+)/(\S+)};
	}
	return \%g;
}

sub kernel_clear {
	rmdir $instance if $instance;
	$instance = undef;
	for my $n (@ours) {
		_kwrite("-:$n\n");
	}
	@ours = ();
}

END { kernel_clear() }

# Create DEFS ("p:GROUP/NAME ..." with GROUP written as GRP) in this test's
# own group; returns the group's name.  Dies with the kernel's error.
sub kernel_define {
	my ($test, @defs) = @_;
	# the groups of runs that died before cleaning up
	my $g = _kgroups();
	for my $grp (keys %$g) {
		my ($pid) = $grp =~ /_(\d+)$/;
		next if kill 0, $pid;
		_kwrite("-:$grp/$_\n") for keys %{$g->{$grp}};
	}
	my $grp = "xolinv${test}_$$";
	for my $sig (qw(INT TERM HUP)) {
		$SIG{$sig} = sub { kernel_clear(); die "killed by SIG$sig\n" };
	}
	for my $d (@defs) {
		(my $k = $d) =~ s{^([pr]):GRP/}{$1:$grp/} or die "kernel_define: $d\n";
		my ($name) = $k =~ m{^[pr]:(\S+)};
		my $e = _kwrite("$k\n");
		die "uprobe_events: $k: $e\n" if $e;
		push @ours, $name;
	}
	return $grp;
}

# Run CMD under `perf record` with the events EVENTS ("group:name"):
# returns a list of [tid, "group:name"] in the order perf gives, or dies.
sub perf_record {
	my ($events, $cmd) = @_;
	my $data = scratch() . "/perf$$.data";
	my $r = run(['perf', 'record', '-q', '-o', $data, (map { ('-e', $_) } @$events), '--', @$cmd]);
	die "perf record: $r->{err}\n" if $r->{code} || !-s $data;
	my @ev;
	for (split /\n/, `perf script -i '$data' -F tid,event 2>/dev/null`) {
		push @ev, [$1, $2] if /^\s*(\d+)\s+(\S+):\s*$/;
	}
	unlink $data;
	return ($r, @ev);
}

# Run CMD under `perf stat` counting EVENTS ("group:name") over the whole
# run: returns the run and { "group:name" => count }, or dies.
sub perf_stat {
	my ($events, $cmd) = @_;
	my $file = scratch() . "/stat$$.csv";
	my $r = run(['perf', 'stat', '-x,', '-o', $file, '-e', join(',', @$events), '--', @$cmd]);
	my %n;
	for (split /\n/, slurp($file) // '') {
		my @f = split /,/;
		$n{$f[2]} = $f[0] if @f > 2 && $f[0] =~ /^\d+$/;
	}
	unlink $file;
	die "perf stat: $r->{err}\n" unless %n;
	return ($r, \%n);
}

# Run CMD with ASLR off while EVENTS are enabled in a tracefs instance of
# our own: returns the run and the instance's trace lines.
sub tracefs_record {
	my ($events, $cmd) = @_;
	my $inst = $instance = "$T/instances/" . basename(scratch());
	mkdir $inst or die "$inst: $!\n";
	my $enable = sub {
		my ($v) = @_;
		for my $e (@$events) {
			my ($g, $n) = split /:/, $e;
			open my $fh, '>', "$inst/events/$g/$n/enable" or die "enable $e: $!\n";
			print $fh "$v\n";
			close $fh;
		}
	};
	$enable->(1);
	my $r = run(['setarch', '-R', @$cmd]);
	$enable->(0);
	my @l = grep { !/^#/ } split /\n/, slurp("$inst/trace") // '';
	rmdir $inst;
	$instance = undef;
	return ($r, @l);
}

1;
