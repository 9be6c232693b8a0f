package edge

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
)

// ServeSegmentsWithSendfile prepares srv, which serves an HTTPHandler on
// ln, to send cached segments as nginx sends static files: sendfile(2) at
// the segment's offset from one descriptor every request shares (no open,
// seek or close per request), with the response's headers in the same TCP
// segments as the body (nginx's tcp_nopush) rather than a packet of their
// own. It returns the listener to serve on. Without it, or over TLS,
// segments are copied through user space.
func ServeSegmentsWithSendfile(srv *http.Server, ln net.Listener) net.Listener {
	next := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if next != nil {
			ctx = next(ctx, c)
		}
		if sc, ok := c.(*sendfileConn); ok {
			ctx = context.WithValue(ctx, sendfileConnKey{}, sc)
		}
		return ctx
	}
	return sendfileListener{ln}
}

type sendfileConnKey struct{}

type sendfileListener struct{ net.Listener }

func (l sendfileListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrapSendfileConn(c), nil
}

// fileBody is a response body read from a section of f: a *sendfileConn
// sends what is left of it with sendfile(2), anything else reads it.
type fileBody struct {
	*io.SectionReader // of f
	f                 *os.File
}

func newFileBody(f *os.File, off, n int64) *fileBody {
	return &fileBody{SectionReader: io.NewSectionReader(f, off, n), f: f}
}

// unread is the part of the section not read yet: its offset in f and its
// length.
func (b *fileBody) unread() (off, n int64) {
	_, base, size := b.Outer()
	pos, _ := b.Seek(0, io.SeekCurrent)
	return base + pos, size - pos
}

// sendBody writes the header set on w, then body. Over a *sendfileConn the
// header is held back and leaves with the body's first bytes.
func sendBody(w http.ResponseWriter, r *http.Request, body *fileBody) {
	c, ok := r.Context().Value(sendfileConnKey{}).(*sendfileConn)
	if !ok {
		io.Copy(w, body)
		return
	}
	c.holdNextWrite()
	defer c.releaseHeld() // sent already unless the copy never reached the conn
	if http.NewResponseController(w).Flush() != nil {
		return
	}
	io.Copy(w, body) // net/http hands the body to the conn's ReadFrom
}
