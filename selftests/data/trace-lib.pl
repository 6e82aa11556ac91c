# SPDX-License-Identifier: GPL-2.0-or-later
#
# trace-lib.pl: what 10-trace-oracle.t and 11-trace-golden.t share.
#
#   read_defs FILE          sections of definitions ([PROGRAM ...] ARGS, see trace-oracle.defs)
#   stage NAMES             private copies of build/targets files (their own inodes, so that
#                           kernel uprobes on them touch no other test's processes)
#   resolve_def TEXT FILES  fill in the placeholders ({BIN}, PATH:{SYM#K}, {map:VAR}, ...)
#   xol_run DEFS OPTS CMD   run CMD under `xol trace OPTS` with ASLR off, in a fixed environment
#   xol_attach_run DEFS CMD run CMD as the kernel's run does and trace it with `xol trace -p`,
#                           attached before its main() goes on (targets/oracle-wait.h)
#   same_env_cmd CMD        the command line that runs CMD in the environment `xol trace`
#                           gives it, but without tracing (for the kernel's run)
#   parse_trace TEXT        trace_pipe lines -> { comm, pid, event, text (from the event name on) }
#   mapped_bases STDOUT     "NAME base 0x..." lines a target prints -> { NAME => [bases] }
#   addr_namer REGIONS      a function that rewrites addresses inside mapped files
#   exe_bias FILE           where an executable is loaded with ASLR off (0 if not PIE)
#
# Both tests run targets with `setarch -R` and `env -i`: the same program, arguments
# and environment then give the same addresses for the stack, the executable and
# the libraries loaded at start-up, whether xol or the kernel traces it.
package XolTrace;
use strict;
use warnings;
no warnings qw(portable);
use Cwd qw(abs_path);
use File::Basename qw(dirname basename);
use File::Copy qw(copy);
use File::Temp qw(tempdir tempfile);
use POSIX qw(WIFEXITED WEXITSTATUS WTERMSIG);
use Exporter 'import';

our @EXPORT = qw(build_dir xol_path read_defs stage resolve_def xol_run xol_attach_run same_env_cmd
		 run_cmd parse_trace parse_summary mapped_bases addr_namer exe_bias
		 slurp visible @MODES);

# The ways xol can place probes: [name, xol trace options].
our @MODES = (['jump', []], ['trap', ['--trap']]);

my $SELFTESTS = abs_path(dirname(__FILE__) . '/..');

sub build_dir { abs_path($ENV{XOL_BUILD} // "$SELFTESTS/../build") // "$SELFTESTS/../build" }
sub xol_path { build_dir() . '/xol' }

sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return undef;
	local $/;
	return scalar <$fh>;
}

# Control characters shown as \xNN (for diagnostics).
sub visible {
	my ($s) = @_;
	$s =~ s/([\x00-\x1f\x7f])/sprintf '\\x%02x', ord $1/ge;
	return $s;
}

# --- definitions ---------------------------------------------------------

# Sections: { progs => [...], args => [...], unordered => 0|1, line => N,
#             defs => [ { line, text, todo, event, expect => [lines] } ] }.
# Lines "> TEXT" after a definition are its expected hits (11-trace-golden).
sub read_defs {
	my ($file) = @_;
	open my $fh, '<', $file or die "$file: $!\n";
	my (@sections, $cur);
	while (my $l = <$fh>) {
		chomp $l;
		if ($l =~ /^> (.*)$/) {
			die "$file:$.: expected hits before any definition\n" unless $cur && @{$cur->{defs}};
			push @{$cur->{defs}[-1]{expect}}, $1;
			next;
		}
		next if $l =~ /^\s*(#|$)/;
		if ($l =~ /^\[([^\];]+)(;\s*unordered)?\]\s*(.*)$/) {
			$cur = { progs => [split ' ', $1], unordered => $2 ? 1 : 0,
				 args => [split ' ', $3], line => $., defs => [] };
			push @sections, $cur;
			next;
		}
		die "$file:$.: definition before any [section]\n" unless $cur;
		my $todo;
		$todo = $1 if $l =~ s/\s+#\s*TODO:?\s*(.*)$//;
		my ($event) = $l =~ /^[pr][^:\s]*:[^\/\s]+\/(\S+)/
			or die "$file:$.: no GROUP/EVENT in '$l'\n";
		push @{$cur->{defs}}, { line => $., text => $l, todo => $todo, event => $event,
					expect => [] };
	}
	return @sections;
}

# --- private copies of the targets ----------------------------------------

sub stage {
	my (@names) = @_;
	my $dir = tempdir('xol-oracle-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $src = build_dir() . '/targets';
	for my $n (@names) {
		copy("$src/$n", "$dir/$n") or die "$src/$n: $! (make targets?)\n";
		chmod 0755, "$dir/$n";
	}
	return $dir;
}

# --- ELF facts, for the placeholders ---------------------------------------

my %elf;

sub _elf {
	my ($file) = @_;
	return $elf{$file} if $elf{$file};
	my %e = (syms => {}, loads => []);
	for (split /\n/, `nm '$file' 2>/dev/null`) {
		my ($v, $t, $n) = split ' ';
		next unless defined $n;
		$e{syms}{$n} //= { value => hex($v), type => $t };
	}
	for (split /\n/, `readelf -lhW '$file' 2>/dev/null`) {
		$e{dyn} = /DYN/ ? 1 : 0 if /^\s*Type:\s+(\S+)/;
		next unless /^\s*LOAD\s+(0x\S+)\s+(0x\S+)\s+0x\S+\s+(0x\S+)\s+(0x\S+)\s+(.*?)\s+0x/;
		push @{$e{loads}}, { off => hex $1, vaddr => hex $2, filesz => hex $3, memsz => hex $4,
				     exec => $5 =~ /E/ ? 1 : 0 };
	}
	die "$file: no LOAD headers\n" unless @{$e{loads}};
	return $elf{$file} = \%e;
}

sub _sym {
	my ($file, $name) = @_;
	my $s = _elf($file)->{syms}{$name} or die "$name: no such symbol in $file\n";
	return $s->{value};
}

# Bytes from the first mapped address of FILE to the end of its last segment.
sub file_extent {
	my ($file) = @_;
	my $end = 0;
	for my $l (@{_elf($file)->{loads}}) {
		my $e = $l->{vaddr} + $l->{memsz};
		$end = $e if $e > $end;
	}
	return $end - _elf($file)->{loads}[0]{vaddr};
}

# The file offset where virtual address VADDR of FILE lives.
sub _file_offset {
	my ($file, $vaddr) = @_;
	for my $l (@{_elf($file)->{loads}}) {
		return $vaddr - $l->{vaddr} + $l->{off}
			if $vaddr >= $l->{vaddr} && $vaddr < $l->{vaddr} + $l->{memsz};
	}
	die sprintf "%s: 0x%x is in no LOAD segment\n", $file, $vaddr;
}

# The OFFS for which @+OFFS reads VAR: the kernel adds OFFS to
# (hit address - probe file offset), the address where file offset 0 would
# be if the executable segment's mapping extended down to it.
sub _map_offset {
	my ($file, $var) = @_;
	my ($x) = grep { $_->{exec} } @{_elf($file)->{loads}};
	return _sym($file, $var) - ($x->{vaddr} - $x->{off});
}

# With ASLR off, PIE executables are mapped at this address on x86_64.
my $PIE_BASE = 0x555555554000;

# Run-time address - ELF address, for an executable run with ASLR off.
sub exe_bias { _elf($_[0])->{dyn} ? $PIE_BASE : 0 }

sub _runtime_addr {
	my ($file, $var) = @_;
	return _sym($file, $var) + exe_bias($file);
}

sub _symoff {
	my ($file, $sym, $add) = @_;
	my $o = `'$SELFTESTS/lib/symoff' '$file' '$sym' $add 2>&1`;
	chomp $o;
	die "symoff $sym: $o\n" unless $o =~ /^0x[0-9a-f]+$/;
	return $o;
}

# Offset of the K-th instruction of function SYM from SYM.
sub _insn_delta {
	my ($file, $sym, $k) = @_;
	my (@addrs, $in);
	for (split /\n/, `objdump -d --no-show-raw-insn '$file'`) {
		if (/^[0-9a-f]+ <(.+)>:$/) {
			last if $in;
			$in = $1 eq $sym;
		} elsif ($in && /^\s*([0-9a-f]+):\s/) {
			push @addrs, hex $1;
		}
	}
	die "$sym: fewer than " . ($k + 1) . " instructions in $file\n" if $k > $#addrs;
	return $addrs[$k] - $addrs[0];
}

# Fill in the placeholders of a definition; FILES maps BIN, LIB, PLUGIN to paths.
sub resolve_def {
	my ($text, $files) = @_;
	$text =~ s/\{(BIN|LIB|PLUGIN)\}/$files->{$1} \/\/ die "no {$1} here\n"/ge;
	my @tok = split ' ', $text;
	my ($path) = ($tok[1] // '') =~ /^(.*):/ or die "no PATH:OFFSET in '$text'\n";
	$text =~ s{:\{(\w+)(?:\+(\d+)|#(\d+))?\}}{
		':' . _symoff($path, $1, defined $3 ? _insn_delta($path, $1, $3) : $2 // 0)
	}ge;
	$text =~ s/\{addr:(\w+)\}/sprintf '0x%x', _runtime_addr($files->{BIN}, $1)/ge;
	$text =~ s/\{off:(\w+)\}/sprintf '0x%x', _file_offset($path, _sym($path, $1))/ge;
	$text =~ s/\{map:(\w+)\}/sprintf '0x%x', _map_offset($path, $1)/ge;
	die "unknown placeholder in '$text'\n" if $text =~ /\{\w*[:#+]?\w*\}/;
	return $text;
}

# --- running targets -----------------------------------------------------

# The environment every target runs in; `xol trace` appends LD_PRELOAD and
# XOL_SESSION=/tmp/xol-XXXXXX/ctl (TMPDIR unset) to it.
my @ENV = ('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C');

sub _agent {
	my $x = abs_path(xol_path()) // xol_path();
	return dirname($x) . '/libxol-agent.so';
}

# CMD as the kernel oracle runs it: the agent is preloaded (so that the
# libraries are mapped where they are under xol), but finds no session
# variable, so it stays inert; XOL_UNARMED has the length of XOL_SESSION and
# its value the length of a session path, so the stack is laid out alike.
sub same_env_cmd {
	my (@cmd) = @_;
	return ('env', '-i', @ENV, 'LD_PRELOAD=' . _agent(), 'XOL_UNARMED=/tmp/xol-kernel/ctl',
		'setarch', '-R', @cmd);
}

# Run ARGV; returns { status, pid, out, err }.
sub run_cmd {
	my (@argv) = @_;
	my ($ofh, $ofile) = tempfile(UNLINK => 1);
	my ($efh, $efile) = tempfile(UNLINK => 1);
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>&', $ofh or POSIX::_exit(127);
		open STDERR, '>&', $efh or POSIX::_exit(127);
		exec { $argv[0] } @argv or POSIX::_exit(127);
	}
	waitpid $pid, 0;
	my $st = $?;
	return { status => WIFEXITED($st) ? WEXITSTATUS($st) : 128 + WTERMSIG($st), pid => $pid,
		 out => slurp($ofile) // '', err => slurp($efile) // '' };
}

# CMD under `xol trace OPTS` with DEFS; adds { trace, summary } to run_cmd's result.
sub xol_run {
	my ($defs, $opts, @cmd) = @_;
	my ($tfh, $tfile) = tempfile(UNLINK => 1);
	my $r = run_cmd('env', '-i', @ENV, 'setarch', '-R', xol_path(), 'trace', @$opts, '-o', $tfile,
			(map { ('-e', $_) } @$defs), '--', @cmd);
	$r->{trace} = slurp($tfile) // '';
	$r->{summary} = parse_summary($r->{err});
	return $r;
}

# CMD started exactly as the kernel's run starts it (same_env_cmd), but with
# stdin a pipe, so that it waits in main() (targets/oracle-wait.h); `xol trace
# -p` attaches, then CMD goes on and runs to its end, which ends the session.
# Returns run_cmd's result (the program's status and output; err is xol's
# stderr) plus { trace, summary }.
sub xol_attach_run {
	my ($defs, @cmd) = @_;
	my ($ofh, $ofile) = tempfile(UNLINK => 1);
	my ($tfh, $tfile) = tempfile(UNLINK => 1);
	my ($efh, $efile) = tempfile(UNLINK => 1);
	pipe(my $rd, my $wr) or die "pipe: $!\n";
	my @argv = same_env_cmd(@cmd);
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		close $wr;
		open STDIN, '<&', $rd or POSIX::_exit(127);
		open STDOUT, '>&', $ofh or POSIX::_exit(127);
		open STDERR, '>', '/dev/null';
		exec { $argv[0] } @argv or POSIX::_exit(127);
	}
	close $rd;
	# Attach once it is CMD (not env or setarch on the way) and waits in read().
	my $exe = abs_path($cmd[0]);
	for (1 .. 1000) {
		my $now = readlink("/proc/$pid/exe") // '';
		last if $now eq $exe && (slurp("/proc/$pid/syscall") // '') =~ /^0 /;
		select(undef, undef, undef, 0.005);
	}
	my $x = fork // die "fork: $!\n";
	if (!$x) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', '/dev/null';
		open STDERR, '>&', $efh or POSIX::_exit(127);
		exec { xol_path() } xol_path(), 'trace', '-p', $pid, '-o', $tfile,
			map { ('-e', $_) } @$defs or POSIX::_exit(127);
	}
	for (1 .. 1000) {
		last if (slurp($efile) // '') =~ /^xol: attached to $pid /m || waitpid($x, POSIX::WNOHANG()) == $x;
		select(undef, undef, undef, 0.01);
	}
	{
		local $SIG{PIPE} = 'IGNORE'; # a target that died already is the run's result
		syswrite($wr, "go\n");
		close $wr;
	}
	waitpid $pid, 0;
	my $st = $?;
	waitpid $x, 0;
	my $r = { status => WIFEXITED($st) ? WEXITSTATUS($st) : 128 + WTERMSIG($st), pid => $pid,
		  out => slurp($ofile) // '', err => slurp($efile) // '', trace => slurp($tfile) // '' };
	$r->{summary} = parse_summary($r->{err});
	return $r;
}

# "hits misses lost GROUP:EVENT" lines of xol's summary -> { EVENT => [h, m, l] }
sub parse_summary {
	my %s;
	for (split /\n/, $_[0]) {
		$s{$4} = [$1, $2, $3] if /^\s*(\d+)\s+(\d+)\s+(\d+)\s+[^:\s]+:(\S+)\s*$/;
	}
	return \%s;
}

# Lines of a trace (the kernel's or xol's), without the '#' header.
sub parse_trace {
	my ($text) = @_;
	my @hits;
	for my $l (split /\n/, $text) {
		next if $l =~ /^#/ || $l eq '';
		if ($l =~ /^\s*(.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+\S+\s+\d+\.\d+: ([A-Za-z_]\w*): (.*)$/s) {
			push @hits, { comm => $1, pid => $2, event => $3, text => "$3: $4" };
		} else {
			push @hits, { event => '', text => $l, junk => 1 };
		}
	}
	return @hits;
}

# "NAME base 0xADDR" lines of a target's stdout -> { NAME => [ADDR...] }
sub mapped_bases {
	my %b;
	for (split /\n/, $_[0]) {
		push @{$b{$1}}, hex $2 if /^(\S+) base (0x[0-9a-f]+)$/;
	}
	return \%b;
}

# REGIONS: [ [bias, file, label], ... ] (bias: run-time address - ELF
# address; the base a target prints for a library, 0 for a non-PIE
# executable).  Returns a function that rewrites every 0x... number that
# points into a region: "LABEL+0xOFF", or, if the label is undef, the
# nearest symbol of the file: "SYM", or "SYM+..." (the offset inside a
# function changes from build to build).
sub addr_namer {
	my (@regions) = @_;
	for my $r (@regions) {
		my $lo = $r->[0] + _elf($r->[1])->{loads}[0]{vaddr};
		my $syms = _elf($r->[1])->{syms};
		$r->[3] = [$lo, $lo + file_extent($r->[1])];
		$r->[4] = [sort { $a->[0] <=> $b->[0] }
			   map { [$syms->{$_}{value}, $_] }
			   grep { $syms->{$_}{type} =~ /^[TtDdBbRr]$/ && $syms->{$_}{value} } keys %$syms];
	}
	my $name = sub {
		my ($hex) = @_;
		my $a = hex $hex;
		for my $r (@regions) {
			next unless $a >= $r->[3][0] && $a < $r->[3][1];
			my $v = $a - $r->[0];
			return sprintf '%s+0x%x', $r->[2], $v if defined $r->[2];
			my $best;
			for (@{$r->[4]}) { last if $_->[0] > $v; $best = $_ }
			return $best->[0] == $v ? $best->[1] : "$best->[1]+..." if $best;
		}
		return $hex;
	};
	return sub { my ($s) = @_; $s =~ s/\b(0x[0-9a-f]{6,16})\b/$name->($1)/ge; $s };
}

1;
