package edge

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/bluenviron/gortmplib/pkg/message"
)

// readAll decodes data as the reader goroutine does and returns what it
// delivers and the error that ended it.
func readAll(data []byte) ([]any, error) {
	var got []any
	err := readMessages(bytes.NewReader(data), func(m any) error { got = append(got, m); return nil })
	return got, err
}

// TestChunkReaderReadsPlayers decodes what gortmplib's writer sends as a
// player (connect with an object, commands, user control, a chunk size
// change) and what the edge's own writer sends (extended timestamps,
// messages over several chunks, a 64 KiB chunk size).
func TestChunkReaderReadsPlayers(t *testing.T) {
	got, err := readAll(playerSession(t))
	if err == nil || err.Error() != "EOF" {
		t.Fatalf("ended with %v", err)
	}
	var names []string
	for _, m := range got {
		switch m := m.(type) {
		case *message.CommandAMF0:
			names = append(names, m.Name)
		case *message.UserControlSetBufferLength:
			names = append(names, "SetBufferLength")
		case *message.UserControlPingRequest:
			names = append(names, "ping")
		}
	}
	want := "connect createStream SetBufferLength play pause seek pause seek ping getStreamLength deleteStream"
	if s := strings.Join(names, " "); s != want {
		t.Fatalf("decoded %q, want %q", s, want)
	}

	var buf bytes.Buffer
	w := newChunkWriter(&bufConn{buf: &buf}, 0, nil)
	body := bytes.Repeat([]byte("0123456789"), 1500)
	w.message(csCommand, typeCommandAMF0, 0x1000000, 1, body[:300]) // extended timestamp, 3 chunks
	w.setChunkSize(outChunkSize)
	w.message(csVideo, 9, 5, 1, body) // one chunk
	w.message(csVideo, 9, 0xffffff, 1, body[:200])
	w.flush()
	cr := newChunkReader(&buf, nil)
	for i, want := range [][]byte{body[:300], {0, 1, 0, 0}, body, body[:200]} {
		m, err := cr.read()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(m.body, want) || m.msid != 1 && m.typ != typeSetChunkSize {
			t.Fatalf("message %d: type %d, msid %d, %d bytes", i, m.typ, m.msid, len(m.body))
		}
		if _, err := decodeIncoming(cr, m); err != nil {
			t.Fatal(err)
		}
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestChunkReaderBoundsMemory: announced lengths and chunk sizes do not
// make the reader allocate, and partial messages on many chunk streams
// together stay under maxIncomingMessage. (gortmplib's reader, used
// before, allocates the 10 MiB of the first input at once and holds
// 744 KB for the second.)
func TestChunkReaderBoundsMemory(t *testing.T) {
	// Set Chunk Size 10 MiB, then a header announcing 0xffffff bytes.
	huge := []byte{0x02, 0, 0, 0, 0, 0, 4, typeSetChunkSize, 0, 0, 0, 0, 0, 0xa0, 0, 0,
		0x03, 0, 0, 0, 0xff, 0xff, 0xff, typeCommandAMF0, 0, 0, 0, 0}
	var err error
	if n := allocated(func() { _, err = readAll(huge) }); n > 256<<10 {
		t.Fatalf("allocated %d bytes for a 28-byte input", n)
	}
	if !errors.Is(err, errMessageTooLarge) {
		t.Fatalf("a 16 MiB message: %v", err)
	}

	// 62 chunk streams each start a 12000-byte message (under the cap),
	// then continue them in turn, 128 bytes at a time.
	var spread []byte
	for round := 0; round < 20; round++ {
		for cs := byte(2); cs < 64; cs++ {
			if round == 0 {
				spread = append(spread, cs, 0, 0, 0, 0, 0x2e, 0xe0, typeCommandAMF0, 0, 0, 0, 0)
			} else {
				spread = append(spread, 0xc0|cs)
			}
			spread = append(spread, make([]byte, 128)...)
		}
	}
	cr := newChunkReader(bytes.NewReader(spread), nil)
	for {
		_, err := cr.read()
		if errors.Is(err, errMessageTooLarge) {
			break
		}
		if err != nil {
			t.Fatalf("interleaved partial messages: %v", err)
		}
	}
	if cr.pending > maxIncomingMessage || cr.counted.n > 2*maxIncomingMessage {
		t.Fatalf("held %d bytes after reading %d", cr.pending, cr.counted.n)
	}
}
