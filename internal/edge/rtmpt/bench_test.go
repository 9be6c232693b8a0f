package rtmpt

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
)

// BenchmarkDownload measures server-to-client throughput of one session
// polling with /idle, as a player downloading media does, against the same
// bytes over a plain loopback TCP connection in the same run.
func BenchmarkDownload(b *testing.B) {
	const chunk = 64 << 10
	payload := make([]byte, chunk)
	b.Run("rtmpt", func(b *testing.B) {
		_, base := start(b, Options{}, func(c net.Conn) {
			defer c.Close()
			for {
				if _, err := c.Write(payload); err != nil {
					return
				}
			}
		})
		hc := &http.Client{}
		resp, err := hc.Post(base+"/open/1", ContentType, nil)
		if err != nil {
			b.Fatal(err)
		}
		idb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := string(idb[:len(idb)-1])
		b.SetBytes(chunk)
		b.ResetTimer()
		got, seq := 0, 1
		for got < b.N*chunk {
			resp, err := hc.Post(base+"/idle/"+id+"/"+strconv.Itoa(seq), ContentType, nil)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			got += int(n) - 1
			seq++
		}
	})
	b.Run("tcp", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			for {
				if _, err := c.Write(payload); err != nil {
					return
				}
			}
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.SetBytes(chunk)
		b.ResetTimer()
		if _, err := io.CopyN(io.Discard, c, int64(b.N)*chunk); err != nil {
			b.Fatal(err)
		}
	})
}
