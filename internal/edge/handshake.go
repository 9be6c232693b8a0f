package edge

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/bluenviron/gortmplib/pkg/handshake"
)

const (
	versionPlain     = 3 // C0 of a plain handshake
	versionEncrypted = 6 // C0 of an RTMPE handshake
	handshakeSize    = 1536
)

// serverHandshake runs the server side of the handshake on rw. It returns
// the RC4 keys of an encrypted (RTMPE) handshake, nil for a plain one.
//
// The plain handshake is the specification's simple one: S1 is random after
// a zero time and zero version (so librtmp does not expect the Flash 9
// digest scheme), and S2 echoes C1 byte for byte. librtmp clients
// (rtmpdump, GStreamer's rtmpsrc) compare S2 with their C1 and warn
// "client signature does not match" about any other S2. The encrypted
// handshake is gortmplib's: there S2 carries the digest of C1 that librtmp
// verifies, not an echo.
func serverHandshake(rw io.ReadWriter) (keyIn, keyOut []byte, err error) {
	var c0 [1]byte
	if _, err := io.ReadFull(rw, c0[:]); err != nil {
		return nil, nil, err
	}
	switch c0[0] {
	case versionPlain:
		return nil, nil, plainHandshake(rw)
	case versionEncrypted:
		replayed := struct {
			io.Reader
			io.Writer
		}{io.MultiReader(bytes.NewReader(c0[:]), rw), rw}
		return handshake.DoServer(replayed, false)
	}
	return nil, nil, fmt.Errorf("unsupported RTMP version %d", c0[0])
}

// plainHandshake answers C1 with S0, S1 and S2 in one write, then reads
// (and ignores) C2, as players do not always echo S1 exactly either.
func plainHandshake(rw io.ReadWriter) error {
	c1 := make([]byte, handshakeSize)
	if _, err := io.ReadFull(rw, c1); err != nil {
		return err
	}
	out := make([]byte, 1+2*handshakeSize)
	out[0] = versionPlain
	s1, s2 := out[1:1+handshakeSize], out[1+handshakeSize:]
	if _, err := rand.Read(s1[8:]); err != nil {
		return err
	}
	copy(s2, c1)
	if _, err := rw.Write(out); err != nil {
		return err
	}
	_, err := io.ReadFull(rw, c1) // C2
	return err
}
