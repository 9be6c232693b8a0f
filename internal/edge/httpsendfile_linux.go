package edge

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// sendfileConn is an HTTP connection that sends a *fileBody with
// sendfile(2) at the body's offset, and can hold the response's header
// back to send it with MSG_MORE just before, so that the kernel packs the
// two into full TCP segments. Only the connection's own goroutine writes,
// so its fields need no lock.
type sendfileConn struct {
	*net.TCPConn
	raw  syscall.RawConn
	hold bool   // keep the next Write in held
	held []byte // a header waiting for its body
}

func wrapSendfileConn(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return &sendfileConn{TCPConn: tc, raw: raw}
}

func (c *sendfileConn) holdNextWrite() { c.hold = true }

// releaseHeld sends a held header that no body followed.
func (c *sendfileConn) releaseHeld() {
	c.hold = false
	if len(c.held) > 0 {
		c.sendHeld(0)
	}
}

func (c *sendfileConn) Write(p []byte) (int, error) {
	if c.hold {
		c.hold = false
		c.held = append(c.held[:0], p...)
		return len(p), nil
	}
	if len(c.held) > 0 {
		if err := c.sendHeld(0); err != nil {
			return 0, err
		}
	}
	return c.TCPConn.Write(p)
}

func (c *sendfileConn) ReadFrom(src io.Reader) (int64, error) {
	body, ok := src.(*fileBody)
	if !ok {
		if len(c.held) > 0 {
			if err := c.sendHeld(0); err != nil {
				return 0, err
			}
		}
		return c.TCPConn.ReadFrom(src)
	}
	if len(c.held) > 0 {
		if err := c.sendHeld(syscall.MSG_MORE); err != nil {
			return 0, err
		}
	}
	return c.sendFile(body)
}

// sendHeld sends the held header with flags, waiting for room in the
// socket (and honouring the write deadline) as Write does.
func (c *sendfileConn) sendHeld(flags int) error {
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for len(c.held) > 0 {
			n, err := syscall.SendmsgN(int(fd), c.held, nil, nil, flags)
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN):
				return false
			case err != nil:
				werr = err
				return true
			}
			c.held = c.held[n:]
		}
		return true
	})
	c.held = c.held[:0]
	return errors.Join(err, werr)
}

// maxSendfileChunk bounds one sendfile(2) call, as the standard library
// does, so a long body does not hold the thread in the kernel.
const maxSendfileChunk = 4 << 20

func (c *sendfileConn) sendFile(body *fileBody) (int64, error) {
	fd, err := fileFD(body)
	if err != nil {
		return 0, err
	}
	off, end := body.off, body.off+body.n
	var werr error
	err = c.raw.Write(func(sock uintptr) bool {
		for off < end {
			n, err := syscall.Sendfile(int(sock), fd, &off, int(min(end-off, maxSendfileChunk)))
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN):
				return false
			case err != nil:
				werr = err
				return true
			case n == 0:
				werr = io.ErrUnexpectedEOF // the file is shorter than the body
				return true
			}
		}
		return true
	})
	return off - body.off, errors.Join(err, werr)
}

// fileFD is the descriptor of body's file. The caller keeps the file open
// while it is used (the segment cache counts its senders).
func fileFD(body *fileBody) (int, error) {
	raw, err := body.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd int
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return 0, err
	}
	return fd, nil
}
