package edge

import (
	"crypto/rc4"
	"net"
)

// encryptedConn is an RTMPE connection (CloudFront served rtmpe:// and
// rtmpte://): after the encrypted handshake every byte is RC4-encrypted with
// the keys of its Diffie-Hellman exchange. RC4 is what the protocol
// specifies; it obscures, it does not protect.
type encryptedConn struct {
	net.Conn
	in, out *rc4.Cipher
	buf     []byte // encryption scratch: the writer's bytes are shared and must not change
}

// encryptScratch bounds the scratch buffer of an RTMPE connection.
const encryptScratch = 16 << 10

func newEncryptedConn(c net.Conn, keyIn, keyOut []byte) (*encryptedConn, error) {
	in, err := rc4.NewCipher(keyIn)
	if err != nil {
		return nil, err
	}
	out, err := rc4.NewCipher(keyOut)
	if err != nil {
		return nil, err
	}
	// Both directions first skip 1536 bytes of key stream, as Flash does.
	skip := make([]byte, 1536)
	in.XORKeyStream(skip, skip)
	out.XORKeyStream(skip, skip)
	return &encryptedConn{Conn: c, in: in, out: out}, nil
}

func (c *encryptedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.XORKeyStream(p[:n], p[:n])
	return n, err
}

func (c *encryptedConn) Write(p []byte) (int, error) {
	if c.buf == nil {
		c.buf = make([]byte, encryptScratch)
	}
	total := 0
	for len(p) > 0 {
		k := min(len(p), len(c.buf))
		c.out.XORKeyStream(c.buf[:k], p[:k])
		n, err := c.Conn.Write(c.buf[:k])
		total += n
		if err != nil {
			return total, err
		}
		p = p[k:]
	}
	return total, nil
}
