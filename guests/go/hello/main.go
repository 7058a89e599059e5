// The smallest Go guest: the runtime starts (its threads included), prints and exits 0.
package main

import "fmt"

func main() {
	fmt.Println("hello from Go on mips64")
}
