#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 43-probe-debuginfo: a stripped binary whose DWARF is in a separate file,
# found through .gnu_debuglink (next to the binary, in its .debug/, under a
# debug directory given with --debug-dir) and through a build-id directory
# (given with $XOL_DEBUG_DIR), all in this test's own directory (never
# /usr/lib/debug).  The specs resolve exactly as with the DWARF in the
# binary; without the debug file the error lists every place looked at; a
# debug file of another build is not used.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Path qw(make_path);
use File::Copy qw(copy);
use XolInv;

need_targets(qw(probe-c-O2 probe-c-O0));
my $d = scratch();
my @specs = ('fill it->name:string i', 'item_weight:6 part', 'name_len%return $retval');

sub sh { system(@_) == 0 or die "@_: $?\n" }
sub probe { my ($bin, @o) = @_; return run([xol(), "probe", "-x", $bin, @o, @specs]) }

# The reference: the same binary with its DWARF inside, under the same name.
make_path("$d/ref");
copy(target('probe-c-O2'), "$d/ref/app") or die "copy: $!\n";
my $want = probe("$d/ref/app")->{out};
like($want, qr/^p:probe_app\/fill .* name=\+0\(\+0\(%di\)\):string i=%si:s32\n/, 'the reference resolves');

# A stripped app with a debuglink to app.debug, in DIR.
sub stripped {
	my ($dir, %o) = @_;
	make_path($dir);
	copy(target($o{from} // 'probe-c-O2'), "$dir/app") or die "copy: $!\n";
	sh('objcopy', '--only-keep-debug', "$dir/app", "$dir/app.debug");
	sh('objcopy', '--strip-debug', '--remove-section=.gnu_debuglink', "$dir/app");
	sh('sh', '-c', "cd '$dir' && objcopy --add-gnu-debuglink=app.debug app") unless $o{nolink};
}
sub same_as_ref {
	my ($r, $bin, $what) = @_;
	(my $w = $want) =~ s/\Q$d\E\/ref\/app/$bin/g;
	is($r->{out}, $w, "$what: the same probes as with the DWARF inside") or diag($r->{err});
}

# 1. .gnu_debuglink, the debug file next to the binary
stripped("$d/a");
my $r = run([xol(), 'probe', '-x', "$d/a/app", '-V', 'fill']);
like($r->{out}, qr/\tconst char\*\tname/, 'stripped: the DWARF is found (-V)');
same_as_ref(probe("$d/a/app"), "$d/a/app", '.gnu_debuglink next to the binary');

# 2. .gnu_debuglink, in .debug/ beside it
stripped("$d/b");
make_path("$d/b/.debug");
rename("$d/b/app.debug", "$d/b/.debug/app.debug") or die;
same_as_ref(probe("$d/b/app"), "$d/b/app", '.gnu_debuglink in .debug/');

# 3. .gnu_debuglink under a debug directory (--debug-dir), by the binary's path
stripped("$d/c");
make_path("$d/dbg$d/c");
rename("$d/c/app.debug", "$d/dbg$d/c/app.debug") or die;
same_as_ref(probe("$d/c/app", '--debug-dir', "$d/dbg"), "$d/c/app", '.gnu_debuglink under --debug-dir');

# 4. a build-id directory ($XOL_DEBUG_DIR), no debuglink at all
stripped("$d/e", nolink => 1);
my $id = `readelf -n '$d/e/app'` =~ /Build ID: ([0-9a-f]+)/ ? $1 : die "no build-id\n";
make_path("$d/bid/.build-id/" . substr($id, 0, 2));
rename("$d/e/app.debug", "$d/bid/.build-id/" . substr($id, 0, 2) . '/' . substr($id, 2) . '.debug') or die;
$r = run([xol(), 'probe', '-x', "$d/e/app", @specs], env => { XOL_DEBUG_DIR => "$d/bid" });
same_as_ref($r, "$d/e/app", 'build-id directory ($XOL_DEBUG_DIR)');

# 5. nowhere: the error says where it looked
$r = run([xol(), 'probe', '-x', "$d/e/app", '--debug-dir', "$d/nothing", 'fill it'], env => { DEBUGINFOD_URLS => '' });
isnt($r->{code}, 0, 'no debug file: fails');
like($r->{err}, qr/'it' needs DWARF, and \Q$d\E\/e\/app has none; looked for:/, 'no debug file: what is missing');
like($r->{err}, qr/\Q$d\E\/nothing\/\.build-id\/\Q${\substr($id, 0, 2)}\E\/\Q${\substr($id, 2)}\E\.debug: none/,
     'no debug file: the build-id path');
like($r->{err}, qr/no \.gnu_debuglink section/, 'no debug file: no debuglink');
like($r->{err}, qr/debuginfod: not asked \(\$DEBUGINFOD_URLS is not set\)/, 'no debug file: debuginfod');
$r = run([xol(), 'probe', '-x', "$d/e/app", '--debug-dir', "$d/nothing", 'fill'], env => { DEBUGINFOD_URLS => '' });
like($r->{out}, qr/^p:probe_app\/fill /, 'no debug file: a function still resolves from the symbols');

# 6. a debug file of another build (-O0) behind the link: not used
stripped("$d/f");
sh('objcopy', '--only-keep-debug', target('probe-c-O0'), "$d/f/app.debug");
$r = run([xol(), 'probe', '-x', "$d/f/app", '--debug-dir', "$d/nothing", 'fill it'], env => { DEBUGINFOD_URLS => '' });
like($r->{err}, qr/\Q$d\E\/f\/app\.debug: its build-id differs/, 'another build\'s debug file: refused, and said so');

done_testing();
