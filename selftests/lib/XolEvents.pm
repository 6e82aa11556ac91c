# SPDX-License-Identifier: GPL-2.0-or-later
# Test helpers for the uprobe_events language: the .defs tables, the golden
# files made from the kernel, the kernel oracle itself and `xol events`.
#
# selftests/data/uprobe-good.defs holds scenarios, separated by blank lines.
# Each line of a scenario is one write(2) to uprobe_events, applied in order;
# a line starting with "|" continues the write above it on a new line (a probe
# file: one write, several lines).  A "#" in column 0 starts a comment.
#
# selftests/data/uprobe-bad.defs holds one case per line:
#
#     ERROR_ID   definition with ^ at the caret
#
# as the kernel's uprobe_syntax_errors.tc writes them: the command is the text
# with every "^" removed, the caret column is where the last "^" stands in
# the command as the kernel rebuilds it (comment dropped, whitespace runs
# squeezed to one space).  A "^" standing alone after the last token means
# "past the end" (length + 1).  ERROR_ID is an error_log identifier, or an
# errno name (EINVAL, ENOENT) for the failures the kernel does not log, which
# need no caret.  Lines "+ DEF" just above a case are written first and must
# succeed; "|" lines continue a write as in the good file.
#
# Both files may say "{{TEXT*N}}" for TEXT repeated N times and "{{0xHH}}"
# for the byte HH, and a comment "# TODO: reason" just above a case marks it
# as a known difference.
package XolEvents;

use strict;
use warnings;
use Cwd qw(abs_path);
use Errno;
use Fcntl qw(O_WRONLY O_APPEND O_RDONLY :flock);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);

use Exporter 'import';
our @EXPORT = qw(
	data_dir enter_fixture read_good read_bad expand normalize
	read_golden_good write_golden_good read_golden_bad write_golden_bad
	golden_stale_good golden_stale_bad
	kernel_unusable kernel_session kernel_good kernel_bad kernel_cleanup_all
	xol_path xol_good xol_bad
	compare_good compare_bad
	%MESSAGES
);

# The error_log messages of every id the uprobe parser can reach, as 6.18
# prints them (older kernels spelled BAD_VAR "$-valiable").
our %MESSAGES = (
	FILE_NOT_FOUND    => 'Failed to find the given file',
	NO_REGULAR_FILE   => 'Not a regular file',
	BAD_REFCNT        => 'Invalid reference counter offset',
	REFCNT_OPEN_BRACE => 'Reference counter brace is not closed',
	BAD_REFCNT_SUFFIX => 'Reference counter has wrong suffix',
	BAD_UPROBE_OFFS   => 'Invalid uprobe offset',
	BAD_ADDR_SUFFIX   => 'Invalid probed address suffix',
	NO_GROUP_NAME     => 'Group name is not specified',
	GROUP_TOO_LONG    => 'Group name is too long',
	BAD_GROUP_NAME    => 'Group name must follow the same rules as C identifiers',
	NO_EVENT_NAME     => 'Event name is not specified',
	EVENT_TOO_LONG    => 'Event name is too long',
	BAD_EVENT_NAME    => 'Event name must follow the same rules as C identifiers',
	EVENT_EXIST       => 'Given group/event name is already used by another event',
	DIFF_PROBE_TYPE   => 'Probe type is different from existing probe',
	DIFF_ARG_TYPE     => 'Argument type or name is different from existing probe',
	SAME_PROBE        => 'There is already the exact same probe event',
	TOO_MANY_ARGS     => 'Too many arguments are specified',
	RETVAL_ON_PROBE   => '$retval is not available on probe',
	BAD_ARG_NUM       => 'Invalid argument number',
	BAD_VAR           => 'Invalid $-variable specified',
	NOFENTRY_ARGS     => '$arg* can be used only on function entry or exit',
	BAD_REG_NAME      => 'Invalid register name',
	BAD_MEM_ADDR      => 'Invalid memory address',
	BAD_IMM           => 'Invalid immediate value',
	IMMSTR_NO_CLOSE   => 'String is not closed with \'"\'',
	BAD_FILE_OFFS     => 'Invalid file offset value',
	SYM_ON_UPROBE     => 'Symbol is not available with uprobe',
	TOO_MANY_OPS      => 'Dereference is too much nested',
	DEREF_NEED_BRACE  => 'Dereference needs a brace',
	BAD_DEREF_OFFS    => 'Invalid dereference offset',
	DEREF_OPEN_BRACE  => 'Dereference brace is not closed',
	COMM_CANT_DEREF   => '$comm can not be dereferenced',
	BAD_FETCH_ARG     => 'Invalid fetch argument',
	ARRAY_NO_CLOSE    => 'Array is not closed',
	BAD_ARRAY_SUFFIX  => 'Array has wrong suffix',
	BAD_ARRAY_NUM     => 'Invalid array size',
	ARRAY_TOO_BIG     => 'Array number is too big',
	BAD_TYPE          => 'Unknown type is specified',
	BAD_STRING        => 'String accepts only memory argument',
	BAD_BITFIELD      => 'Invalid bitfield',
	ARG_NAME_TOO_LONG => 'Argument name is too long',
	NO_ARG_NAME       => 'Argument name is not specified',
	BAD_ARG_NAME      => 'Argument name must follow the same rules as C identifiers',
	USED_ARG_NAME     => 'This argument name is already used',
	ARG_TOO_LONG      => 'Argument expression is too long',
	NO_ARG_BODY       => 'No argument expression',
	NEED_STRING_TYPE  => '$comm and immediate-string only accepts string type',
	NOSUP_BTFARG      => 'BTF is not available or not supported',
	EVENT_TOO_BIG     => 'Event too big (too many fields?)',   # 6.18: args > 3072 bytes
);

sub data_dir { abs_path(dirname(__FILE__) . '/../data') }

# The directory relative paths of the tables are relative to, made afresh
# by each run and the same on every machine: bin and usr lead to the
# system's, the rest are files whose names make odd default event names and
# files of every type.  The kernel and xol both run with it as cwd.
sub enter_fixture {
	my $d = tempdir('xol-events-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	chdir $d or die "$d: $!\n";
	symlink('/bin', 'bin') && symlink('/usr', 'usr') or die "$d: symlink: $!\n";
	for my $f ('a+b', 'x:y', "caf\xe9", '1abc', 'a(1)', 'l' x 70) {
		open my $fh, '>', $f or die "$d/$f: $!\n";
	}
	mkdir 'dir' or die "$d/dir: $!\n";
	symlink('a+b', 'link') && symlink('dir', 'dirlink') && symlink('nowhere', 'dangling')
		or die "$d: symlink: $!\n";
	POSIX::mkfifo('fifo', 0644) or die "$d/fifo: $!\n";
	return $d;
}

# --- the .defs tables -------------------------------------------------------

sub expand {
	my ($s) = @_;
	$s =~ s/\{\{0x([0-9a-fA-F]{2})\}\}/chr hex $1/ge;
	$s =~ s/\{\{([^{}]*?)\*(\d+)\}\}/$1 x $2/ge;
	return $s;
}

# The command as the kernel rebuilds it for error_log: comment dropped,
# tokens joined by single spaces.
sub normalize {
	my ($s) = @_;
	$s =~ s/#.*//s;
	return join ' ', grep { length } split /[ \t\n\r\f\x0b\xa0]+/, $s;   # the kernel's isspace()
}

sub _lines {
	my ($file) = @_;
	open my $fh, '<', $file or die "$file: $!\n";
	my @l = <$fh>;
	chomp @l;
	return @l;
}

sub _todo {
	my ($line) = @_;
	return $line =~ /^#\s*TODO:?\s*(.*)/ ? ($1 || 'known difference') : undef;
}

# The comment just above a scenario says what it shows: {about}.
sub read_good {
	my ($file) = @_;
	my (@scenarios, $cur, $todo, @about);
	my $n = 0;
	for my $l (_lines($file)) {
		$n++;
		if ($l =~ /^\s*$/) {
			push @scenarios, $cur if $cur;
			($cur, $todo, @about) = ();
		} elsif ($l =~ /^#/) {
			my $t = _todo($l);
			$todo = $t // $todo;
			push @about, $l =~ s/^#\s*//r unless defined $t || $cur;
		} elsif ($l =~ /^\|\s?(.*)$/) {
			die "$file:$n: '|' continues nothing\n" unless $cur;
			$cur->{writes}[-1] .= "\n" . expand($1);
		} else {
			$cur //= { line => $n, writes => [], todo => $todo, about => join(' ', @about) };
			push @{$cur->{writes}}, expand($l);
		}
	}
	push @scenarios, $cur if $cur;
	return @scenarios;
}

# Caret column and command of the line of @write that holds the "^".
sub _caret {
	my ($write) = @_;
	my ($line) = grep { /\^/ } split /\n/, $write;
	return unless defined $line;
	(my $clean = $line) =~ tr/^//d;
	my $marked = normalize($line);
	my $last = rindex($marked, '^');
	my $before = substr($marked, 0, $last);
	$before =~ tr/^//d;
	return (length($before), normalize($clean));
}

sub read_bad {
	my ($file) = @_;
	my (@cases, @setup, $todo, $last);
	my $n = 0;
	for my $l (_lines($file)) {
		$n++;
		if ($l =~ /^\s*$/) {
			die "$file:$n: setup lines without a case\n" if @setup;
			($todo, $last) = ();
		} elsif ($l =~ /^#/) {
			$todo = _todo($l) // $todo;
		} elsif ($l =~ /^\+\s(.*)$/) {
			push @setup, expand($1);
			$last = \$setup[-1];
		} elsif ($l =~ /^\|\s?(.*)$/) {
			die "$file:$n: '|' continues nothing\n" unless $last;
			$$last .= "\n" . expand($1);
		} elsif ($l =~ /^([A-Z][A-Z0-9_]+)\s+(.*)$/) {
			push @cases, { line => $n, id => $1, setup => [@setup],
				       marked => expand($2), todo => $todo };
			$last = \$cases[-1]{marked};
			@setup = ();
			$todo = undef;
		} else {
			die "$file:$n: cannot parse: $l\n";
		}
	}
	for my $c (@cases) {
		$c->{logged} = $c->{id} =~ /^E[A-Z0-9]+$/ ? 0 : 1;
		($c->{write} = $c->{marked}) =~ tr/^//d if $c->{logged};
		$c->{write} //= $c->{marked};
		if ($c->{logged}) {
			die "$file:$c->{line}: unknown error id $c->{id}\n"
				unless $MESSAGES{$c->{id}};
			@$c{qw(pos command)} = _caret($c->{marked});
			die "$file:$c->{line}: no ^ in a logged case\n"
				unless defined $c->{pos};
		}
	}
	return @cases;
}

# --- golden files -----------------------------------------------------------
#
#     === N                       scenario / case N of the .defs file
#     write TEXT                  one write ("\n" inside shown as "\\n")
#     listing TEXT                one line of uprobe_events
#     format GROUP/EVENT          then "| " + each line of its format file
#     setup TEXT / errno E / logged 0|1 / message M / command C / pos P

sub _esc {
	my $s = shift;
	$s =~ s/\\/\\\\/g;
	$s =~ s/\n/\\n/g;
	$s =~ s/([^\t\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
	return $s;
}

sub _unesc {
	my $s = shift;
	$s =~ s/\\(x[0-9a-f]{2}|.)/$1 eq 'n' ? "\n" : length $1 == 3 ? chr hex substr($1, 1) : $1/ge;
	return $s;
}

sub write_golden_good {
	my ($file, $results) = @_;
	open my $fh, '>', $file or die "$file: $!\n";
	print $fh "# Generated by selftests/lib/gen-golden from Linux $results->[0]{kernel}; do not edit.\n";
	my $i = 0;
	for my $r (@$results) {
		print $fh '=== ', ++$i, "\n";
		print $fh 'write ', _esc($_), "\n" for @{$r->{writes}};
		print $fh 'listing ', _esc($_), "\n" for @{$r->{listing}};
		for my $f (@{$r->{formats}}) {
			print $fh 'format ', _esc($f->[0]), "\n";
			print $fh length($_) ? '| ' . _esc($_) . "\n" : "|\n" for split /\n/, $f->[1], -1;
		}
	}
	close $fh or die "$file: $!\n";
}

sub read_golden_good {
	my ($file) = @_;
	my (@res, $cur, $fmt);
	for my $l (_lines($file)) {
		next if $l =~ /^#/;
		if ($l =~ /^=== (\d+)$/) {
			push @res, $cur = { writes => [], listing => [], formats => [] };
		} elsif ($l =~ /^write (.*)$/) {
			push @{$cur->{writes}}, _unesc($1);
		} elsif ($l =~ /^listing (.*)$/) {
			push @{$cur->{listing}}, _unesc($1);
		} elsif ($l =~ /^format (.*)$/) {
			push @{$cur->{formats}}, $fmt = [_unesc($1), undef];
		} elsif ($l =~ /^\|(?: (.*))?$/) {
			my $t = _unesc($1 // '');
			$fmt->[1] = defined $fmt->[1] ? "$fmt->[1]\n$t" : $t;
		} else {
			die "$file: cannot parse: $l\n";
		}
	}
	return @res;
}

sub write_golden_bad {
	my ($file, $results) = @_;
	open my $fh, '>', $file or die "$file: $!\n";
	print $fh "# Generated by selftests/lib/gen-golden from Linux $results->[0]{kernel}; do not edit.\n";
	my $i = 0;
	for my $r (@$results) {
		print $fh '=== ', ++$i, "\n";
		print $fh 'setup ', _esc($_), "\n" for @{$r->{setup}};
		print $fh 'write ', _esc($r->{write}), "\n";
		print $fh "errno $r->{errno}\nlogged $r->{logged}\n";
		next unless $r->{logged};
		print $fh 'message ', _esc($r->{message}), "\ncommand ", _esc($r->{command}), "\npos $r->{pos}\n";
	}
	close $fh or die "$file: $!\n";
}

sub read_golden_bad {
	my ($file) = @_;
	my (@res, $cur);
	for my $l (_lines($file)) {
		next if $l =~ /^#/;
		if ($l =~ /^=== (\d+)$/) {
			push @res, $cur = { setup => [] };
		} elsif ($l =~ /^setup (.*)$/) {
			push @{$cur->{setup}}, _unesc($1);
		} elsif ($l =~ /^(write) (.*)$/) {
			$cur->{$1} = _unesc($2);
		} elsif ($l =~ /^(errno|logged|message|command|pos) (.*)$/) {
			$cur->{$1} = _unesc($2);
		} else {
			die "$file: cannot parse: $l\n";
		}
	}
	return @res;
}

# A golden entry is stale when the .defs case it was made from changed.
sub golden_stale_good {
	my ($s, $g) = @_;
	return 'missing' unless $g;
	return join("\0", @{$s->{writes}}) eq join("\0", @{$g->{writes}}) ? undef : 'writes differ';
}

sub golden_stale_bad {
	my ($c, $g) = @_;
	return 'missing' unless $g;
	return 'writes differ'
		unless join("\0", @{$c->{setup}}, $c->{write}) eq join("\0", @{$g->{setup}}, $g->{write});
	return undef;
}

# --- the kernel --------------------------------------------------------------

my $T = '/sys/kernel/tracing';
my ($lock_fh, %session_names, $in_session, $tmpdir);

sub _errno_name {
	my ($e) = @_;
	my %alias = map { $_ => 1 } qw(ENOTSUP EWOULDBLOCK EDEADLOCK);
	local $! = $e;
	for my $k (sort keys %!) { return $k if $!{$k} && !$alias{$k} }
	return "E$e";
}

sub _slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return undef;
	local $/;
	my $s = <$fh>;
	return $s;
}

# undef if the kernel's uprobe_events can be used here, else why not.
sub kernel_unusable {
	return 'not root' if $> != 0;
	unless (-e "$T/uprobe_events") {
		system("mount -t tracefs nodev $T >/dev/null 2>&1") if -d $T;
		return "no tracefs at $T" unless -e "$T/README";
		return 'kernel without uprobe_events (CONFIG_UPROBE_EVENTS)' unless -e "$T/uprobe_events";
	}
	return 'no error_log in tracefs' unless -e "$T/error_log";
	my $lockdown = _slurp('/sys/kernel/security/lockdown') // '';
	return 'kernel lockdown (confidentiality)' if $lockdown =~ /\[confidentiality\]/;
	sysopen(my $fh, "$T/uprobe_events", O_WRONLY | O_APPEND)
		or return "cannot open uprobe_events: $!";
	defined syswrite($fh, "# xol oracle probe\n") or return "cannot write uprobe_events: $!";
	return undef;
}

sub _kwrite {
	my ($data) = @_;
	sysopen(my $fh, "$T/uprobe_events", O_WRONLY | O_APPEND) or die "uprobe_events: $!\n";
	my $r = syswrite($fh, $data);
	my $e = $!;
	close $fh;
	return defined $r ? undef : _errno_name($e + 0);
}

sub _klisting {
	my @l = split /\n/, _slurp("$T/uprobe_events") // '';
	return @l;
}

sub _name_of { $_[0] =~ /^[pr]:(\S+?)\/(\S+)/ ? "$1/$2" : undef }

# Text of the writes of the case being run, when its event names are not
# known in advance (selftests/lib/oracle-fuzz): an event whose name it holds
# is then ours too.
our $case_text;

sub _ours {
	my ($name) = @_;
	my ($g, $e) = split m{/}, $name, 2;
	return 1 if $g =~ /xoltest/ || $e =~ /xoltest/ || ($g eq 'uprobes' && $e =~ /^p_/);
	return defined $case_text && (index($case_text, $e) >= 0 ||
				      ($e =~ /^p_/ && index($case_text, $g) >= 0));
}

# Lines of uprobe_events that the tests made since @before was taken.
sub _kours {
	my (%before) = map { $_ => 1 } @{$_[0]};
	return grep { my $n = _name_of($_); $n && !$before{$n} && _ours($n) } _klisting();
}

sub _kdelete {
	my (%seen);
	for my $n (grep { !$seen{$_}++ } @_) {
		my $e = _kwrite("-:$n\n");
		warn "# could not delete $n: $e\n" if $e && $e ne 'ENOENT';
	}
}

sub _knames { map { _name_of($_) // () } _klisting() }

# Take the oracle for ourselves (several test runs may share this machine)
# and remember what existed, so that only our own events are ever deleted.
sub kernel_session {
	return if $in_session;
	my $lock = -d '/run/lock' ? '/run/lock/xol-oracle.lock' : '/tmp/xol-oracle.lock';
	open $lock_fh, '>>', $lock or die "$lock: $!\n";
	flock($lock_fh, LOCK_EX) or die "$lock: $!\n";
	$in_session = 1;
	# leftovers of a run that was killed: only groups named for the tests
	_kdelete(grep { (split m{/})[0] =~ /xoltest/ } _knames());
	%session_names = map { $_ => 1 } _knames();
	for my $sig (qw(INT TERM HUP PIPE)) {
		$SIG{$sig} = sub { kernel_cleanup_all(); die "killed by SIG$sig\n" };
	}
}

sub kernel_cleanup_all {
	return unless $in_session;
	_kdelete(grep { !$session_names{$_} && _ours($_) } _knames());
}

END { kernel_cleanup_all() }

sub _kerrlog {
	my @l = split /\n/, _slurp("$T/error_log") // '';
	my @e;
	for (my $i = 0; $i + 2 < @l; $i++) {
		next unless $l[$i] =~ /^\[\s*\d+\.\d+\] \S+: error: / && $l[$i + 1] =~ /^  Command: /;
		push @e, [@l[$i .. $i + 2]];
		$i += 2;
	}
	return @e;
}

sub _kernel_release { (POSIX::uname())[2] }

sub _kformats {
	my (@names) = @_;
	my @f;
	for my $n (@names) {
		my $t = _slurp("$T/events/$n/format");
		push @f, [$n, defined $t ? strip_id($t) : "(no format file)"];
	}
	return @f;
}

sub strip_id {
	my ($t) = @_;
	$t =~ s/^ID: .*\n//m;
	$t =~ s/\n\z//;
	return $t;
}

sub _distinct_names { my %s; grep { !$s{$_}++ } map { _name_of($_) } @_ }

# Apply a good scenario to the kernel: its listing and format files.
sub kernel_good {
	my ($writes) = @_;
	kernel_session();
	my @before = _knames();
	my %r = (kernel => _kernel_release(), writes => $writes);
	my %first;   # "name ID" => the format file when the event first showed
	my %old = map { join("\n", @$_) => 1 } _kerrlog();
	for my $i (0 .. $#$writes) {
		my $w = $writes->[$i];
		my $e = _kwrite($w);
		my %now = map { $_ => 1 } _distinct_names(_kours(\@before));
		delete @first{grep { !$now{(split / /)[0]} } keys %first};   # IDs are reused
		for my $n (keys %now) {
			my $t = _slurp("$T/events/$n/format") // next;
			my ($id) = $t =~ /^ID: (\d+)$/m;
			$first{"$n $id"} //= $t if defined $id;
		}
		next unless $e;
		$r{failed_at} = $i;
		_kerror(\%r, $e, \%old, $w);
		$r{error} = "write failed with $e: " . _esc($w) .
			($r{logged} ? "\n$r{message}\n$r{command}\n" . (' ' x $r{pos}) . '^' : '');
		last;
	}
	my @lines = _kours(\@before);
	$r{listing} = \@lines;
	# An event's format never changes while it lives.  6.18 breaks that when
	# the first probe of a multi-probe event is deleted: the field names are
	# then read from the freed probe (garbage).  Keep what it said first.
	for my $n (_distinct_names(@lines)) {
		my $t = _slurp("$T/events/$n/format");
		my ($id) = defined $t ? $t =~ /^ID: (\d+)$/m : ();
		my $f = defined $id ? $first{"$n $id"} : undef;
		if (defined $f && $f ne $t) {
			push @{$r{kernel_bugs}}, "the format of $n changed after one of its probes was deleted";
			$t = $f;
		}
		push @{$r{formats}}, [$n, defined $t ? strip_id($t) : '(no format file)'];
	}
	$r{formats} //= [];
	_kdelete(_distinct_names(@lines));
	return \%r;
}

# Apply a bad case: the setup lines, then the write that must fail.
sub kernel_bad {
	my ($case) = @_;
	kernel_session();
	my @before = _knames();
	my %r = (kernel => _kernel_release(), setup => $case->{setup}, write => $case->{write});
	for my $w (@{$case->{setup}}) {
		my $e = _kwrite($w) or next;
		$r{error} = "setup write failed with $e: " . _esc($w);
	}
	unless ($r{error}) {
		my %old = map { join("\n", @$_) => 1 } _kerrlog();
		my $e = _kwrite($case->{write});
		if (!$e) {
			$r{error} = 'the write succeeded';
		} else {
			_kerror(\%r, $e, \%old, $case->{write});
		}
	}
	_kdelete(_distinct_names(_kours(\@before)));
	return \%r;
}

# The error of a failed write: errno, and the error_log entry it added (not
# in %$old) if any.  Others may write bad lines at the same time: only an
# entry that shows one of our lines is ours.
sub _kerror {
	my ($r, $errno, $old, $write) = @_;
	$r->{errno} = $errno;
	my %ours = map { normalize($_) => 1 } split /\n/, $write;
	my @new = grep { !$old->{join "\n", @$_} && $_->[0] =~ /\] trace_uprobe: error: / } _kerrlog();
	my ($entry) = reverse grep { $ours{substr($_->[1], 11)} } @new;
	$r->{logged} = $entry ? 1 : 0;
	@$r{qw(message command pos)} = _entry_fields(@$entry) if $entry;
}

# message, command and caret column of a three-line error_log entry
sub _entry_fields {
	my ($head, $cmd, $caret) = @_;
	my ($msg) = $head =~ /trace_uprobe: error: (.*)$/;
	$cmd =~ s/^  Command: //;
	my $pos = $caret =~ /^ *\^$/ ? length($caret) - 12 : -1;
	return ($msg, $cmd, $pos);
}

# --- xol events --------------------------------------------------------------

# $XOL_BUILD/xol (make check exports XOL_BUILD), else build/xol; resolved
# when this file loads, before the tests change directory
my $xol_path = do {
	my $build = $ENV{XOL_BUILD} // dirname(__FILE__) . '/../../build';
	abs_path("$build/xol") // (abs_path($build) // $build) . '/xol';
};

sub xol_path { $xol_path }

# Run xol events on @writes; a last write of several lines (or with a NUL)
# goes through stdin as a probe file, the others as -e.  Returns (status, stdout, stderr).
sub _run_xol {
	my ($writes, @extra) = @_;
	my @w = @$writes;
	my $stdin;
	$stdin = pop @w if @w && $w[-1] =~ /[\n\0]/;
	$tmpdir //= tempdir(CLEANUP => 1);
	my ($ifile, $ofile, $efile) = map { "$tmpdir/$_" } qw(stdin stdout stderr);
	# a probe file is read from stdin, or from its path when it has a NUL
	my $pf = defined $stdin ? ($stdin =~ /\0/ ? $ifile : '-') : undef;
	my @argv = (xol_path(), 'events', (map { ('-e', $_) } @w),
		    (defined $pf ? ('--probe-file', $pf) : ()), @extra);
	open my $ifh, '>', $ifile or die "$ifile: $!\n";
	print $ifh $stdin // '';
	close $ifh;
	my $pid = fork // die "fork: $!\n";
	if (!$pid) {
		open STDIN, '<', $ifile or POSIX::_exit(127);
		open STDOUT, '>', $ofile or POSIX::_exit(127);
		open STDERR, '>', $efile or POSIX::_exit(127);
		exec { $argv[0] } @argv or POSIX::_exit(127);
	}
	waitpid $pid, 0;
	my $st = $?;
	my $status = WIFEXITED($st) ? WEXITSTATUS($st) : 128 + WTERMSIG($st);
	return ($status, _slurp($ofile) // '', _slurp($efile) // '');
}

sub xol_good {
	my ($writes, $names) = @_;
	my %r = (writes => $writes);
	my ($st, $out, $err) = _run_xol($writes);
	if ($st) {
		$r{error} = "xol events exited $st: $err";
		$r{listing} = [];
		$r{formats} = [];
		return \%r;
	}
	$r{listing} = [split /\n/, $out];
	$r{stderr} = $err;
	$names //= [_distinct_names(@{$r{listing}})];
	for my $n (@$names) {
		my ($fst, $fout, $ferr) = _run_xol($writes, '--format', $n);
		push @{$r{formats}}, [$n, $fst ? "(xol events --format $n exited $fst: $ferr)" : strip_id($fout)];
	}
	$r{formats} //= [];
	return \%r;
}

sub xol_bad {
	my ($case) = @_;
	my ($st, $out, $err) = _run_xol([@{$case->{setup}}, $case->{write}]);
	my %r = (status => $st, stdout => $out, stderr => $err);
	my @l = split /\n/, $err;
	if (@l >= 3 && $l[-3] =~ /^\[\s*\d+\.\d{6}\] trace_uprobe: error: / && $l[-2] =~ /^  Command: /) {
		$r{logged} = 1;
		@r{qw(message command pos)} = _entry_fields(@l[-3 .. -1]);
		$r{lines} = scalar @l;
	} else {
		$r{logged} = 0;
		$r{lines} = scalar @l;
	}
	return \%r;
}

# --- comparisons: a list of differences, empty when equal -------------------

sub _diff_lines {
	my ($what, $exp, $got) = @_;
	return () if join("\n", @$exp) eq join("\n", @$got);
	my @d = ("$what differs:");
	my $n = @$exp > @$got ? @$exp : @$got;
	for my $i (0 .. $n - 1) {
		my ($e, $g) = ($exp->[$i], $got->[$i]);
		next if defined $e && defined $g && $e eq $g;
		push @d, '  - ' . ($e // '(nothing)'), '  + ' . ($g // '(nothing)');
	}
	return @d;
}

# $exp (golden or kernel) against $got (xol): listing and every format.
sub compare_good {
	my ($exp, $got) = @_;
	my @d;
	push @d, "expected side failed: $exp->{error}" if $exp->{error};
	push @d, $got->{error} if $got->{error};
	push @d, 'stderr is not empty: ' . _esc($got->{stderr}) if length($got->{stderr} // '');
	push @d, _diff_lines('listing', $exp->{listing}, $got->{listing});
	my %gf = map { @$_ } @{$got->{formats}};
	for my $f (@{$exp->{formats}}) {
		my $g = $gf{$f->[0]} // '(no format)';
		push @d, _diff_lines("format of $f->[0]", [split /\n/, $f->[1], -1], [split /\n/, $g, -1]);
	}
	return @d;
}

sub compare_bad {
	my ($exp, $got) = @_;
	my @d;
	push @d, "expected side: $exp->{error}" if $exp->{error};
	push @d, "exit status $got->{status}, not 1" if $got->{status} != 1;
	push @d, "stdout is not empty: " . _esc($got->{stdout}) if length $got->{stdout};
	if ($exp->{logged}) {
		if (!$got->{logged}) {
			push @d, "no error_log entry on stderr; got: " . _esc($got->{stderr});
			return @d;
		}
		push @d, "stderr has $got->{lines} lines, not 3" if $got->{lines} != 3;
		push @d, "message: expected '$exp->{message}', got '$got->{message}'"
			if $got->{message} ne $exp->{message};
		push @d, "command: expected '$exp->{command}', got '$got->{command}'"
			if $got->{command} ne $exp->{command};
		push @d, "caret: expected column $exp->{pos}, got $got->{pos}"
			if $got->{pos} != $exp->{pos};
	} else {
		push @d, "logged an error_log entry ($got->{message}) where the kernel logs nothing"
			if $got->{logged};
		push @d, "stderr has $got->{lines} lines, not 1: " . _esc($got->{stderr})
			if !$got->{logged} && $got->{lines} != 1;
	}
	return @d;
}

1;
