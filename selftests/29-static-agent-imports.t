#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 29-static-agent-imports: xol-agent-static.so, which xol maps into static
# programs with its own loader, imports Zydis and nothing else (its libc is
# core/nolibc.c), and gives Zydis the libc names Zydis imports.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use XolInv;

my $so = XolInv::build() . '/xol-agent-static.so';
plan skip_all => "$so not built" unless -f $so;

my @undef = map { (split)[-1] } grep { /\bU\b|\bw\b/ } `nm -D --undefined-only '$so'`;
is_deeply([grep { !/^Zydis/ } @undef], [], 'imports nothing but Zydis');
ok(scalar(grep { /^Zydis/ } @undef), 'imports Zydis');

my %def = map { (split)[-1] => 1 } `nm -D --defined-only '$so'`;
for my $name (qw(memcpy memset strlen __assert_fail __stack_chk_fail)) {
	ok($def{$name}, "exports $name for libZydis.so");
}
ok(!grep({ /^\s*TLS\s/ } `readelf -lW '$so'`), 'has no thread-local storage (xol\'s loader gives it none)');
my @rel = grep { /R_X86_64_/ } `readelf -rW '$so'`;
is_deeply([sort keys %{{ map { /(R_X86_64_\w+)/; ($1 => 1) } @rel }}],
	  [grep { my $t = $_; grep { /$t\b/ } @rel } qw(R_X86_64_64 R_X86_64_GLOB_DAT R_X86_64_JUMP_SLOT R_X86_64_RELATIVE)],
	  'only relocations xol\'s loader applies');
my ($needed) = grep { /NEEDED/ } `readelf -d '$so'`;
like($needed // '', qr/libZydis\.so/, 'records libZydis.so as needed');

done_testing();
