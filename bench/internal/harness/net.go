package harness

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

var (
	mu     sync.Mutex
	handed = map[string]bool{} // addresses FreeAddr returned
)

// FreeAddr is a loopback address no one listens on (yet), never one it
// returned before in this process: the kernel may offer a closed port again,
// and a server given two listen addresses would get one port twice.
func FreeAddr() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		addr := ln.Addr().String()
		ln.Close()
		if !handed[addr] {
			handed[addr] = true
			return addr, nil
		}
	}
}

// WaitListening waits up to a minute for a TCP listener at addr.
func WaitListening(addr string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitHealthy waits up to a minute for the API's health check at url.
func waitHealthy(url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/_streamfront/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
