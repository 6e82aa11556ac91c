// SPDX-License-Identifier: GPL-2.0-or-later
//
// bench/retprobe: the Go counterpart of hot.c, built with cgo (so that the
// agent gets in with LD_PRELOAD).  It times its own loop of N calls of
// main.hot and prints "X ns/call", as hot.c does.
package main

// static int cgo_used(void) { return 1; }
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Long enough that a jump at its entry and one up to its ret do not overlap.
//
//go:noinline
func hot(a, b int) int {
	x := a*3 + b
	x ^= x >> 7
	return x*31 + 1
}

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	_ = C.cgo_used()
	acc := 0
	t0 := time.Now()
	for i := 0; i < n; i++ {
		acc += hot(i, acc&0xff)
	}
	ns := float64(time.Since(t0).Nanoseconds())
	fmt.Printf("%.2f ns/call %d calls acc=%d\n", ns/float64(n), n, acc)
}
