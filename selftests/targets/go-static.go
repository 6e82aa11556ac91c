// SPDX-License-Identifier: GPL-2.0-or-later
//
// 85-static.t: a Go program built with CGO_ENABLED=0 (static, no libc).
// Each line read from stdin runs a round: 4 goroutines each call
// main.deep 1000 times, which recurses 20 deep with a 256-byte frame
// (goroutine stacks grow and move) and calls main.leaf at every level:
// 84,000 calls of main.leaf per round, whose results are summed.
package main

import (
	"bufio"
	"fmt"
	"os"
	"sync"
)

//go:noinline
func leaf(x int) int { return x*7 + 3 }

//go:noinline
func deep(x, depth int) int {
	var pad [256]byte
	pad[x%256] = byte(x)
	if depth == 0 {
		return leaf(x) + int(pad[x%256])
	}
	return deep(x+1, depth-1) + leaf(x)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var wg sync.WaitGroup
		sums := make([]int, 4)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 1000; i++ {
					sums[g] += deep(i, 20)
				}
			}(g)
		}
		wg.Wait()
		fmt.Println("round", in.Text(), sums[0]+sums[1]+sums[2]+sums[3])
	}
}
