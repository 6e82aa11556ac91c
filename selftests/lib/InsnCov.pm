# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of 12-insn-coverage.t: every instruction boundary of a binary's
# functions (from the symbol table and objdump, as file offsets), the basic
# blocks they form, and the kernel's own count of hits per probe
# (uprobe_profile).
#
#   functions(BIN, RE)    the FUNC symbols matching RE, each { name, addr,
#                         size, insns => [{ addr, off, len, text }] }
#   blocks(BIN, FUNCS)    the straight-line runs of those instructions: every
#                         instruction of one runs as often as the first (in a
#                         function with a jump table it cannot read, which
#                         it marks ->{unknown_flow}, each instruction is one)
#   kernel_counts(...)    the kernel's uprobes at those offsets while a
#                         program runs: the hits of each, and those it refuses
package InsnCov;

use strict;
use warnings;
no warnings qw(portable);
use Fcntl qw(SEEK_SET O_WRONLY O_APPEND);
use POSIX ();
use Time::HiRes qw(sleep time);

use Exporter 'import';
our @EXPORT = qw(functions blocks kernel_counts);

# [vaddr, filesz, offset] of every LOAD segment.
sub _loads {
	my ($bin) = @_;
	my @l;
	for (`readelf -lW '$bin'`) {
		push @l, [hex $2, hex $3, hex $1]
			if /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/;
	}
	die "readelf -l $bin: no LOAD segments\n" unless @l;
	return \@l;
}

# The file offset of virtual address VA (what uprobe definitions want).
sub _fileoff {
	my ($loads, $va) = @_;
	for (@$loads) {
		my ($v, $sz, $off) = @$_;
		return $va - $v + $off if $va >= $v && $va < $v + $sz;
	}
	die sprintf("0x%x is in no LOAD segment\n", $va);
}

sub functions {
	my ($bin, $re) = @_;
	my $loads = _loads($bin);
	my (%seen, @f);
	for (`readelf -sW '$bin'`) {
		my (undef, $val, $size, $type, undef, undef, $ndx, $name) = split ' ';
		next unless defined $name && $type eq 'FUNC' && $ndx =~ /^\d+$/ && $size > 0;
		next if $name =~ /\.localalias$/ || $name !~ $re || $seen{hex $val}++;
		push @f, { name => $name, addr => hex $val, size => $size + 0, insns => [] };
	}
	@f = sort { $a->{addr} <=> $b->{addr} } @f;

	# One line per instruction, whole (no continuation lines).
	my @ins;
	for (`objdump -d -w --insn-width=16 '$bin'`) {
		push @ins, [hex $1, scalar(split ' ', $2), $3]
			if /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*?)\s*$/;
	}
	my $i = 0;
	for my $f (@f) {
		my $end = $f->{addr} + $f->{size};
		$i++ while $i < @ins && $ins[$i][0] < $f->{addr};
		while ($i < @ins && $ins[$i][0] < $end) {
			my ($a, $len, $text) = @{$ins[$i++]};
			$text =~ s/\s+/ /g;
			push @{$f->{insns}}, { addr => $a, off => _fileoff($loads, $a), len => $len,
					       text => $text, func => $f };
		}
		my $last = $f->{insns}[-1];
		die "$f->{name}: the instructions objdump shows do not end at the symbol's end\n"
			unless $last && $last->{addr} + $last->{len} == $end && $f->{insns}[0]{addr} == $f->{addr};
	}
	return @f;
}

sub _read_at {
	my ($bin, $off, $len) = @_;
	open my $fh, '<:raw', $bin or die "$bin: $!\n";
	seek($fh, $off, SEEK_SET) or die "$bin: seek: $!\n";
	my $n = read($fh, my $buf, $len);
	return $n ? $buf : '';
}

# The targets of a jump table: INSN is `jmp *%reg` (notrack or not) after
# GCC's pattern for -fPIC, `lea TABLE(%rip),%base ... movslq (%base,%idx,4),%reg
# ... add %base,%reg`, and `cmp $MAX,%idx32 ; ja default` bounds the index.
sub _table_targets {
	my ($bin, $loads, $insns, $k) = @_;
	my ($table, $max);
	for (my $j = $k - 1; $j >= 0 && $j >= $k - 8; $j--) {
		my $t = $insns->[$j]{text};
		$table //= hex $1 if $t =~ /^lea 0x[0-9a-f]+\(%rip\),%\w+ # ([0-9a-f]+)/;
		$max //= hex $1 if $t =~ /^cmp \$0x([0-9a-f]+),%\w+$/;
	}
	return () unless defined $table && defined $max;
	my $raw = _read_at($bin, _fileoff($loads, $table), 4 * ($max + 1));
	return map { ($table + $_) & 0xffffffffffffffff } unpack('l<*', $raw);
}

sub blocks {
	my ($bin, $funcs) = @_;
	my $loads = _loads($bin);
	my (%at, %leader);
	for my $f (@$funcs) {
		$at{$_->{addr}} = $_ for @{$f->{insns}};
	}
	for my $f (@$funcs) {
		my $insns = $f->{insns};
		$leader{$insns->[0]{addr}} = 1;
		for my $k (0 .. $#$insns) {
			my $in = $insns->[$k];
			my $t = $in->{text};
			my $next = $in->{addr} + $in->{len};
			# a direct branch lands on a leader; what follows a branch,
			# a jump, a return or a call that never returns starts one
			if ($t =~ /^(?:bnd |notrack )?(j\w+|loop\w*|call)\s+([0-9a-f]+) <([^>]*)>/) {
				my ($op, $to, $sym) = ($1, hex $2, $3);
				$leader{$to} = 1;
				$leader{$next} = 1 if $op ne 'call' || $sym =~ /^(?:__stack_chk_fail|abort|exit|_exit)\@/;
			} elsif ($t =~ /^(?:bnd |notrack |rep )*(?:jmp\s+\*|ret|hlt|ud2)/) {
				$leader{$next} = 1;
				if ($t =~ /jmp\s+\*%\w+$/) {
					my @to = _table_targets($bin, $loads, $insns, $k);
					if (!@to || grep { !$at{$_} } @to) {
						# where it may land is unknown: anywhere
						$f->{unknown_flow} = sprintf('+0x%x: an indirect jmp through no jump table I know',
									     $in->{addr} - $f->{addr});
						$leader{$_->{addr}} = 1 for @$insns;
					}
					$leader{$_} = 1 for @to;
				}
			}
		}
	}
	my @b;
	for my $f (@$funcs) {
		for my $in (@{$f->{insns}}) {
			push @b, [] if $leader{$in->{addr}};
			push @{$b[-1]}, $in;
		}
	}
	return @b;
}


# --- the kernel's count ------------------------------------------------------
#
# The probes go into the kernel's uprobe_events in a group of this process's
# own (xolcov<PID>), enabled in a tracefs instance of the same name where
# tracing is off: the probes still count their hits in uprobe_profile, and
# nothing global is touched.  The probes of one chunk (a function) form one
# event: an event may have many probes, and disabling one costs an RCU
# grace period (~85 ms) whatever its number of probes, so that 900 events of
# one probe each would take more than a minute to disable.
#
# The kernel analyses an instruction when it places the probe into a
# process that maps the file, so the events are enabled while the program
# waits with the file mapped.  An event the kernel refuses is split in
# halves and tried again, down to the single probes it refuses.

my $T = '/sys/kernel/tracing';
my ($kgrp, $kinst, @kevents);

sub _slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return '';
	local $/;
	return <$fh> // '';
}

sub _kwrite {
	my ($file, $data) = @_;
	sysopen(my $fh, $file, O_WRONLY | O_APPEND) or return "$file: $!";
	return defined syswrite($fh, $data) ? undef : ($! == 524 ? 'ENOTSUPP' : "$!");
}

sub _kdelete {
	my ($grp, $inst, @events) = @_;
	_kwrite("$inst/events/$grp/enable", "0\n") if -d "$inst/events/$grp";
	rmdir $inst;
	_kwrite("$T/uprobe_events", "-:$grp/$_\n") for @events;
}

sub _kcleanup {
	return unless $kgrp;
	_kdelete($kgrp, $kinst, @kevents);
	($kgrp, $kinst, @kevents) = ();
}

END { _kcleanup() }

# What the runs of this test that died before they could clean up left.
sub _kstale {
	my %g;
	for (split /\n/, _slurp("$T/uprobe_events")) {
		push @{$g{$1}}, $2 if m{^[pr]:(xolcov\d+)/(\S+)};
	}
	opendir(my $d, "$T/instances") or return;
	$g{$_} //= [] for grep { /^xolcov\d+$/ } readdir $d;
	for my $grp (keys %g) {
		my ($pid) = $grp =~ /(\d+)$/;
		_kdelete($grp, "$T/instances/$grp", @{$g{$grp}}) unless kill 0, $pid;
	}
}

# kernel_counts(FILE, CHUNKS, CMD, OUT): probe FILE at the offsets of CHUNKS
# (a list of lists of file offsets, one event per list) while CMD runs, its
# stdout to OUT.  CMD must map FILE, then wait for a line on its stdin
# before it does anything else; nothing else may map FILE meanwhile.
# Returns { hits => { OFFSET => N }, refused => { OFFSET => error },
# status => CMD's wait status }, or dies; everything is deleted either way.
sub kernel_counts {
	my ($file, $chunks, $cmd, $out) = @_;
	_kstale();
	($kgrp, @kevents) = ("xolcov$$");
	$kinst = "$T/instances/$kgrp";
	# unwind first (an open file of the instance would keep it), then clean up
	local @SIG{qw(INT TERM HUP)} = (sub { die "killed by SIG$_[0]\n" }) x 3;
	local $SIG{PIPE} = 'IGNORE';	# CMD gone early: say so below
	my $r = eval {
		mkdir $kinst or die "$kinst: $!\n";
		_kwrite("$kinst/tracing_on", "0\n");
		my $pid = open(my $go, '|-') // die "fork: $!\n";
		if (!$pid) {
			open(STDOUT, '>', $out) && exec { $cmd->[0] } @$cmd;
			POSIX::_exit(127);
		}
		my $deadline = time + 10;
		sleep 0.01 until _slurp("/proc/$pid/maps") =~ /\Q$file\E/ || time > $deadline;
		die "$cmd->[0] did not map $file\n" unless _slurp("/proc/$pid/maps") =~ /\Q$file\E/;

		my ($n, %refused, %accepted) = (0);
		my @todo = @$chunks;
		while (my $c = shift @todo) {
			my $ev = 'e' . ++$n;
			for my $off (@$c) {
				my $err = _kwrite("$T/uprobe_events", sprintf("p:%s/%s %s:0x%x\n", $kgrp, $ev, $file, $off));
				die sprintf("uprobe_events: %s:0x%x: %s\n", $file, $off, $err) if $err;
			}
			push @kevents, $ev;
			my $err = _kwrite("$kinst/events/$kgrp/$ev/enable", "1\n");
			if (!$err) {
				$accepted{$ev} = $c;
				next;
			}
			_kwrite("$T/uprobe_events", "-:$kgrp/$ev\n");
			pop @kevents;
			if (@$c == 1) {
				$refused{$c->[0]} = $err;
				next;
			}
			my $h = int(@$c / 2);
			unshift @todo, [@$c[0 .. $h - 1]], [@$c[$h .. $#$c]];
		}
		my $sent = syswrite($go, "go\n");
		close $go;	# waits for CMD
		my $status = $?;
		die "$cmd->[0] was gone before it was told to go (wait status $status)\n" unless $sent;

		# uprobe_events and uprobe_profile list the probes in the same
		# order, the first with their offsets, the second with their hits.
		# Other tests add and delete events meanwhile: the kernel hands
		# these files out a page per read(), and a deletion between two
		# reads skips lines (additions go to the end, after ours).  Read
		# again until every probe of ours is there.
		my $want = 0;
		$want += @{$accepted{$_}} for keys %accepted;
		my (@defs, @prof);
		for my $try (1 .. 50) {
			@defs = map { m{^p:\Q$kgrp\E/(\w+) \Q$file\E:0x([0-9a-f]+)$} ? [$1, hex $2] : () }
				split /\n/, _slurp("$T/uprobe_events");
			@prof = map { my @f = split ' '; @f == 3 && $f[0] eq $file && $accepted{$f[1]} ? [@f[1, 2]] : () }
				split /\n/, _slurp("$T/uprobe_profile");
			last if @defs == $want && @prof == $want;
			sleep 0.1;
		}
		die sprintf("%d probes enabled, uprobe_events lists %d, uprobe_profile %d\n", $want,
			    scalar @defs, scalar @prof) unless @defs == $want && @prof == $want;
		my %hits;
		for my $i (0 .. $#defs) {
			die "uprobe_events and uprobe_profile disagree at $i: $defs[$i][0] $prof[$i][0]\n"
				unless $defs[$i][0] eq $prof[$i][0];
			$hits{$defs[$i][1]} = $prof[$i][1];
		}
		{ hits => \%hits, refused => \%refused, status => $status };
	};
	my $err = $@;
	_kcleanup();
	die $err unless $r;
	return $r;
}

1;
