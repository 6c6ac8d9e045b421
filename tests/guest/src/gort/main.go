// The Go runtime on vm_engine: goroutines over several threads (futexes,
// preemption signals), timers and tickers (epoll_pwait with timeouts),
// loopback TCP through the netpoller (epoll, eventfd, non-blocking sockets),
// os/signal, a child process (fork, exec, pipes, wait) and a contended mutex.
// Prints only what does not depend on timing. Built with Go's own toolchain:
// CGO_ENABLED=0 GOOS=linux GOARCH=riscv64 go build -ldflags="-s -w".
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Println("child here", os.Args[1:])
		return
	}
	ch := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			s := 0
			for j := 0; j < 100000*k; j++ {
				s += j % 7
			}
			ch <- s
		}(i)
	}
	go func() { wg.Wait(); close(ch) }()
	var sums []int
	for s := range ch {
		sums = append(sums, s)
	}
	sort.Ints(sums)
	fmt.Println("sums", sums)
	fmt.Println("nil dereference:", nilDeref())

	t0 := time.Now()
	<-time.After(30 * time.Millisecond)
	fmt.Println("timer waited long enough:", time.Since(t0) >= 30*time.Millisecond)
	tk := time.NewTicker(5 * time.Millisecond)
	n := 0
	for range tk.C {
		if n++; n == 5 {
			break
		}
	}
	tk.Stop()
	fmt.Println("ticks", n)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		return
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				line, _ := bufio.NewReader(c).ReadString('\n')
				fmt.Fprintf(c, "echo %s", strings.ToUpper(line))
				c.Close()
			}(c)
		}
	}()
	var replies []string
	var mu sync.Mutex
	var cw sync.WaitGroup
	for i := 0; i < 3; i++ {
		cw.Add(1)
		go func(k int) {
			defer cw.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				fmt.Println("dial:", err)
				return
			}
			fmt.Fprintf(c, "client %d\n", k)
			reply, _ := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			replies = append(replies, strings.TrimSpace(reply))
			mu.Unlock()
			c.Close()
		}(i)
	}
	cw.Wait()
	ln.Close()
	sort.Strings(replies)
	fmt.Println("tcp", replies)
	c, err := net.DialTimeout("tcp", "127.0.0.1:1", time.Second)
	fmt.Println("refused:", c == nil && err != nil && strings.Contains(err.Error(), "refused"))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case s := <-sig:
		fmt.Println("signal", s)
	case <-time.After(5 * time.Second):
		fmt.Println("no signal")
	}

	out, err := exec.Command(os.Args[0], "child").Output()
	fmt.Printf("child said %q, error %v\n", out, err)
	err = exec.Command(os.Args[0] + "-missing").Run()
	fmt.Println("missing program:", err != nil)

	var lock sync.Mutex
	total := 0
	var lw sync.WaitGroup
	for i := 0; i < 4; i++ {
		lw.Add(1)
		go func() {
			defer lw.Done()
			for j := 0; j < 10000; j++ {
				lock.Lock()
				total++
				lock.Unlock()
			}
		}()
	}
	lw.Wait()
	fmt.Println("total", total)
}

// a nil pointer's load faults; the runtime's SIGSEGV handler makes it a panic,
// which recover() takes
func nilDeref() (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	var p *struct{ x int }
	return fmt.Sprint(p.x)
}
