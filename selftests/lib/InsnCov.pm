# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of 12-insn-coverage.t: every instruction boundary of a binary's
# functions (from the symbol table and objdump, as file offsets), the basic
# blocks they form, and the kernel's own count of hits per probe
# (uprobe_profile).
#
#   functions(BIN, RE)    the FUNC symbols matching RE, each { name, addr,
#                         size, insns => [{ addr, off, len, text }] }
#   blocks(BIN, FUNCS)    the straight-line runs of those instructions: every
#                         instruction of one runs as often as the first
#   kernel_profile(...)   enable a group's events while a program runs,
#                         return the hits per event and the events refused
package InsnCov;

use strict;
use warnings;
no warnings qw(portable);
use Fcntl qw(SEEK_SET);
use Time::HiRes qw(sleep time);

use Exporter 'import';
our @EXPORT = qw(functions blocks kernel_profile);

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
					my @bad = grep { !$at{$_} } @to;
					die sprintf("%s+0x%x: an indirect jmp through no jump table I know%s\n",
						    $f->{name}, $in->{addr} - $f->{addr},
						    @bad ? sprintf(' (0x%x is no instruction)', $bad[0]) : '')
						if !@to || @bad;
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

my $T = '/sys/kernel/tracing';

sub _put {
	my ($file, $v) = @_;
	open my $fh, '>', $file or return "$!";
	return syswrite($fh, "$v\n") ? undef : "$!";
}

sub _get {
	my ($file) = @_;
	open my $fh, '<', $file or return '';
	local $/;
	return <$fh> // '';
}

# kernel_profile(GROUP, EVENTS, CMD, OUT, INSTANCE): with the kernel's
# events GROUP/EVENT (defined already) enabled in a tracefs instance of our
# own (tracing off there: the probes still count in uprobe_profile), run CMD
# (a list; it must map the probed file, then wait for a line on its stdin
# before doing anything else), its stdout to OUT.  Events are enabled while
# CMD waits, so that the kernel analyses every probed instruction then: an
# event it refuses is left out and reported.  Returns ({ EVENT => hits },
# { EVENT => why refused }, wait status).  Everything is disabled and the
# instance removed before it returns, or dies.
sub kernel_profile {
	my ($grp, $events, $cmd, $out, $inst_name, $maps_re) = @_;
	my $inst = "$T/instances/$inst_name";
	mkdir $inst or die "$inst: $!\n";
	my $disable = sub {
		_put("$inst/events/$grp/enable", 0);
		rmdir $inst;
	};
	local $SIG{INT} = local $SIG{TERM} = local $SIG{HUP} = sub { $disable->(); die "killed\n" };
	my $ok = eval {
		_put("$inst/tracing_on", 0);
		_put("$inst/buffer_size_kb", 4);
		pipe(my $r, my $w) or die "pipe: $!\n";
		my $pid = fork // die "fork: $!\n";
		if (!$pid) {
			close $w;
			open(STDIN, '<&', $r) && open(STDOUT, '>', $out) && exec { $cmd->[0] } @$cmd;
			POSIX::_exit(127);
		}
		close $r;
		my $deadline = time + 10;
		sleep 0.01 until _get("/proc/$pid/maps") =~ $maps_re || time > $deadline;

		my (%refused, %hits);
		_put("$inst/events/$grp/enable", 1);
		for my $e (@$events) {
			next if _get("$inst/events/$grp/$e/enable") =~ /^1/;
			my $why = _put("$inst/events/$grp/$e/enable", 1);
			$refused{$e} = $why // 'not enabled' if _get("$inst/events/$grp/$e/enable") !~ /^1/;
		}
		syswrite($w, "go\n");
		close $w;
		waitpid($pid, 0);
		my $st = $?;
		_put("$inst/events/$grp/enable", 0) and die "disable $grp: $!\n";
		my %want = map { $_ => 1 } @$events;
		for (split /\n/, _get("$T/uprobe_profile")) {
			my ($file, $ev, $n) = split ' ';
			$hits{$ev} = $n if defined $n && $want{$ev};
		}
		[\%hits, \%refused, $st];
	};
	my $err = $@;
	$disable->();
	die $err unless $ok;
	return @$ok;
}

1;
