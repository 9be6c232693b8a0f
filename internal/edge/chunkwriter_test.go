package edge

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/gortmplib/pkg/rawmessage"
)

// gortmplib reads the (little-endian) message stream id as big-endian, so
// stream 1 reads as 0x1000000; ffmpeg and rtmpdump read it as 1.
const gortmplibStreamID1 = 0x1000000

// TestChunkWriterRoundTrip writes messages across chunk boundaries, with
// and without extended timestamps, in pieces and in batches larger than the
// writer holds, and decodes them with gortmplib's reader.
func TestChunkWriterRoundTrip(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	w := newChunkWriter(server, 0, nil)

	body := make([]byte, 300<<10)
	for i := range body {
		body[i] = byte(i * 31)
	}
	type sent struct {
		ts   uint32
		body []byte
	}
	msgs := []sent{{5, body[:100]}, {0x1000000, body}, {0x1000001, body[:70000]}, {40, body[:65536]}}
	errc := make(chan error, 1)
	go func() {
		err := w.setChunkSize(outChunkSize)
		for _, m := range msgs {
			if err == nil {
				err = w.begin(csVideo, 9, m.ts, 1, 5+len(m.body))
			}
			if err == nil {
				_, err = w.Write([]byte{0x17, 1, 0, 0, 0})
			}
			// The body arrives in uneven pieces, as cache blocks do.
			for i := 0; err == nil && i < len(m.body); i += 10000 {
				_, err = w.Write(m.body[i:min(i+10000, len(m.body))])
			}
		}
		if err == nil {
			err = w.flush()
		}
		errc <- err
	}()

	bc := bytecounter.NewReader(client)
	r := rawmessage.NewReader(bc, bc, func(uint32) error { return nil })
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	first, err := r.Read()
	if err != nil || first.Type != uint8(message.TypeSetChunkSize) {
		t.Fatalf("first message %+v, %v", first, err)
	}
	r.SetChunkSize(outChunkSize)
	for _, m := range msgs {
		got, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if got.Timestamp != time.Duration(m.ts)*time.Millisecond || got.MessageStreamID != gortmplibStreamID1 ||
			!bytes.Equal(got.Body[5:], m.body) || got.Body[0] != 0x17 {
			t.Fatalf("message ts %d: got ts %v, msid %d, %d body bytes", m.ts, got.Timestamp, got.MessageStreamID, len(got.Body))
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if w.sent == 0 || w.pending != 0 {
		t.Fatalf("sent %d, pending %d", w.sent, w.pending)
	}
}
