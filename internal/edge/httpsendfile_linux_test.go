package edge

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// tcpPair is a connected pair: the server side wrapped as the HTTP edge's
// listener wraps it.
func tcpPair(t *testing.T) (*sendfileConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := sendfileListener{ln}.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return server.(*sendfileConn), client
}

// TestSendfileConnSendsHeldHeaderThenFileRange: the held header leaves
// before the body, the body is the file's bytes at the range's offset
// (with the file's own offset untouched, so requests share it), and a held
// header no body follows is not lost.
func TestSendfileConnSendsHeldHeaderThenFileRange(t *testing.T) {
	content := bytes.Repeat([]byte("0123456789abcdef"), 300_000) // 4.8 MB: more than one socket buffer
	path := filepath.Join(t.TempDir(), "seg")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	server, client := tcpPair(t)

	const off, n = 1000, 4_500_001
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(client, int64(len("HEADER\r\n")+n+len("NEXT"))))
		got <- b
	}()
	server.holdNextWrite()
	if _, err := server.Write([]byte("HEADER\r\n")); err != nil {
		t.Fatal(err)
	}
	sent, err := server.ReadFrom(newFileBody(f, off, n))
	if err != nil || sent != n {
		t.Fatalf("ReadFrom: %d, %v; want %d", sent, err, n)
	}
	server.holdNextWrite()
	server.Write([]byte("NEXT"))
	server.releaseHeld()

	want := append(append([]byte("HEADER\r\n"), content[off:off+n]...), "NEXT"...)
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("client got %d bytes, want %d (equal prefix %d)", len(b), len(want), commonPrefix(b, want))
	}
	if pos, _ := f.Seek(0, io.SeekCurrent); pos != 0 {
		t.Errorf("the file's offset moved to %d", pos)
	}
}

// TestSendfileConnOtherBodies: a body that is not a file range is copied
// after the held header, as net/http would.
func TestSendfileConnOtherBodies(t *testing.T) {
	server, client := tcpPair(t)
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(client, int64(len("HEADER body"))))
		got <- b
	}()
	server.holdNextWrite()
	server.Write([]byte("HEADER "))
	if n, err := server.ReadFrom(bytes.NewReader([]byte("body"))); n != 4 || err != nil {
		t.Fatalf("ReadFrom: %d, %v", n, err)
	}
	if b := <-got; string(b) != "HEADER body" {
		t.Fatalf("client got %q", b)
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// TestSendfileConnSendsWhatIsUnread: a body partly read already (by a
// copy that took its first bytes) is sent from where the reading stopped.
func TestSendfileConnSendsWhatIsUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg")
	if err := os.WriteFile(path, []byte("0123456789abcdefghij"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	server, client := tcpPair(t)
	body := newFileBody(f, 2, 15) // "23456789abcdefg"
	first := make([]byte, 4)
	if _, err := io.ReadFull(body, first); err != nil || string(first) != "2345" {
		t.Fatalf("Read: %q, %v", first, err)
	}
	if n, err := server.ReadFrom(body); n != 11 || err != nil {
		t.Fatalf("ReadFrom: %d, %v", n, err)
	}
	got := make([]byte, 11)
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "6789abcdefg" {
		t.Fatalf("client got %q, %v", got, err)
	}
	if rest, _ := body.Read(make([]byte, 1)); rest != 0 {
		t.Errorf("the body has %d bytes left after being sent", rest)
	}
}
