// Goroutines, channels, select, mutexes, the garbage collector and timers, with an output that
// does not depend on how goroutines are scheduled. Exits with code 7.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

func producers() int {
	ch := make(chan int, 3)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ch <- w*1000 + i
			}
		}(w)
	}
	go func() { wg.Wait(); close(ch) }()
	sum := 0
	for v := range ch {
		sum += v
	}
	return sum
}

func pipeline() []string {
	in := make(chan int)
	sq := make(chan int)
	done := make(chan struct{})
	go func() {
		for i := 1; i <= 20; i++ {
			in <- i
		}
		close(in)
	}()
	for k := 0; k < 3; k++ {
		go func() {
			for v := range in {
				sq <- v * v
			}
			done <- struct{}{}
		}()
	}
	go func() {
		for k := 0; k < 3; k++ {
			<-done
		}
		close(sq)
	}()
	var out []string
	for v := range sq {
		out = append(out, fmt.Sprint(v))
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) < len(out[j]) || len(out[i]) == len(out[j]) && out[i] < out[j] })
	return out
}

func mutex() int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
				if i%50 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	return counter
}

type node struct {
	next *node
	data []byte
}

func garbage() (int, uint32) {
	var keep *node
	total := 0
	for i := 0; i < 3000; i++ {
		n := &node{data: make([]byte, 512*(i%13+1))}
		n.data[0] = byte(i)
		total += len(n.data)
		if i%150 == 0 {
			n.next = keep
			keep = n
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	kept := 0
	for n := keep; n != nil; n = n.next {
		kept++
	}
	return kept*1000000 + total/1024, ms.NumGC
}

func timers() string {
	var events []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, d := range []int{30, 10, 20} {
		d := d
		wg.Add(1)
		time.AfterFunc(time.Duration(d)*time.Millisecond, func() {
			mu.Lock()
			events = append(events, fmt.Sprint(d))
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	sort.Strings(events)
	timeout := time.After(5 * time.Millisecond)
	never := make(chan int)
	select {
	case <-never:
		events = append(events, "never")
	case <-timeout:
		events = append(events, "timeout")
	}
	time.Sleep(2 * time.Millisecond)
	return strings.Join(events, ",")
}

func recovered() (msg string) {
	defer func() { msg = fmt.Sprint("recovered: ", recover()) }()
	var m map[string]int
	m["x"] = 1
	return "unreachable"
}

func main() {
	fmt.Println("producers", producers())
	fmt.Println("pipeline", strings.Join(pipeline(), " "))
	fmt.Println("mutex", mutex())
	kept, gcs := garbage()
	fmt.Println("garbage", kept, gcs > 0)
	fmt.Println("timers", timers())
	fmt.Println(recovered())
	fmt.Fprintln(os.Stderr, "to stderr")
	os.Exit(7)
}
