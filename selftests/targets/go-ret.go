// SPDX-License-Identifier: GPL-2.0-or-later
//
// 71-go-returns.t: a cgo-enabled Go program (so LD_PRELOAD works) whose
// probed functions run while goroutine stacks grow and move, the garbage
// collector runs and goroutines are preempted, synchronously and with
// signals.  main.leaf is called from deep recursion (main.deep, whose
// frames are big enough that every goroutine's stack is copied several
// times) in several goroutines; main.pick returns through several ret
// instructions; main.spin loops without a call for tens of milliseconds,
// so that only a signal (SIGURG) preempts it; main.faults recovers from a
// nil dereference (SIGSEGV).  It prints the number of
// calls of each and a checksum of their results, the same traced or not.
package main

// static int cgo_used(void) { return 1; }
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

var leafCalls, pickCalls, deepCalls, recovered int64

// leaf returns 7x+3: its return events' $retval is checked against that.
//
//go:noinline
func leaf(x int) int {
	atomic.AddInt64(&leafCalls, 1)
	return x*7 + 3
}

// pick has a ret per branch.
//
//go:noinline
func pick(x int) int {
	atomic.AddInt64(&pickCalls, 1)
	switch x % 4 {
	case 0:
		return x + 1
	case 1:
		return x * 2
	case 2:
		if x > 100 {
			return x - 100
		}
		return -x
	default:
		return 42
	}
}

// deep recurses with a big frame, calling leaf at every level on the way back.
//
//go:noinline
func deep(x, depth int) int {
	atomic.AddInt64(&deepCalls, 1)
	var pad [256]int
	pad[depth%256] = x
	if depth == 0 {
		return leaf(x)
	}
	r := deep(x+1, depth-1)
	return r + leaf(pad[depth%256]) + pad[(depth+1)%256]
}

// faults dereferences nil: Go turns the SIGSEGV into a panic, recovered
// here (through the agent's SIGSEGV handler, which passes it on to Go's).
//
//go:noinline
func faults(p *int) (r int) {
	defer func() {
		if recover() != nil {
			r = -1
		}
	}()
	return *p
}

// spin loops without a call: only an asynchronous preemption stops it.
//
//go:noinline
func spin(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s = s*31 + i
	}
	return s
}

func main() {
	workers, rounds := 8, 40
	if len(os.Args) > 1 {
		rounds, _ = strconv.Atoi(os.Args[1])
	}
	_ = C.cgo_used()
	runtime.GOMAXPROCS(2)

	var sum int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := 0
			for r := 0; r < rounds; r++ {
				local += deep(w*1000+r, 20+(w*37+r*11)%300)
				for i := 0; i < 50; i++ {
					local += pick(w*100 + r*7 + i)
				}
				if r%10 == 0 {
					runtime.GC()
				}
				if r%4 == 0 {
					atomic.AddInt64(&recovered, int64(-faults(nil)))
				}
				// Long enough (tens of ms) to be preempted by a signal.
				if r == rounds/2 {
					local += spin(20000000) & 0xff
				}
				local += spin(100000) & 0xff
			}
			atomic.AddInt64(&sum, int64(local))
		}(w)
	}
	wg.Wait()
	fmt.Printf("leaf calls=%d pick calls=%d deep calls=%d sum=%d recovered=%d\n", leafCalls,
		pickCalls, deepCalls, sum, recovered)
}
