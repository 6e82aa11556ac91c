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
my ($needed) = grep { /NEEDED/ } `readelf -d '$so'`;
like($needed // '', qr/libZydis\.so/, 'records libZydis.so as needed');

done_testing();
