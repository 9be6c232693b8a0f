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
	c.sendHeld(0)
}

func (c *sendfileConn) Write(p []byte) (int, error) {
	if c.hold {
		c.hold = false
		c.held = append(c.held[:0], p...)
		return len(p), nil
	}
	if err := c.sendHeld(0); err != nil {
		return 0, err
	}
	return c.TCPConn.Write(p)
}

func (c *sendfileConn) ReadFrom(src io.Reader) (int64, error) {
	body, ok := src.(*fileBody)
	flags := syscall.MSG_MORE // the body follows at once
	if !ok {
		flags = 0
	}
	if err := c.sendHeld(flags); err != nil {
		return 0, err
	}
	if !ok {
		return c.TCPConn.ReadFrom(src)
	}
	return c.sendFile(body)
}

// sendHeld sends the held header, if any, with flags.
func (c *sendfileConn) sendHeld(flags int) error {
	if len(c.held) == 0 {
		return nil
	}
	err := c.rawWrite(func(sock int) (bool, error) {
		n, err := syscall.SendmsgN(sock, c.held, nil, nil, flags)
		if err == nil {
			c.held = c.held[n:]
		}
		return len(c.held) == 0, err
	})
	c.held = c.held[:0]
	return err
}

// maxSendfileChunk bounds one sendfile(2) call, as the standard library
// does, so a long body does not hold the thread in the kernel.
const maxSendfileChunk = 4 << 20

// sendFile sends what is left of body from its file's offset, leaving the
// file's own offset alone (requests share the descriptor).
func (c *sendfileConn) sendFile(body *fileBody) (int64, error) {
	fd, err := fileFD(body)
	if err != nil {
		return 0, err
	}
	start, n := body.unread()
	off, end := start, start+n
	err = c.rawWrite(func(sock int) (bool, error) {
		if off == end {
			return true, nil
		}
		sent, err := syscall.Sendfile(sock, fd, &off, int(min(end-off, maxSendfileChunk)))
		if err == nil && sent == 0 {
			err = io.ErrUnexpectedEOF // the file is shorter than the body
		}
		return off == end, err
	})
	body.Seek(off-start, io.SeekCurrent)
	return off - start, err
}

// rawWrite calls step with the socket until it reports done or fails,
// retrying on EINTR and waiting for room in the socket on EAGAIN (and
// honouring the write deadline), as Write does.
func (c *sendfileConn) rawWrite(step func(sock int) (done bool, err error)) error {
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for {
			done, err := step(int(fd))
			switch {
			case errors.Is(err, syscall.EINTR):
			case errors.Is(err, syscall.EAGAIN):
				return false
			case err != nil:
				werr = err
				return true
			case done:
				return true
			}
		}
	})
	return errors.Join(err, werr)
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
