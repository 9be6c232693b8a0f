//go:build !linux

package edge

import "net"

// sendfileConn is Linux's (MSG_MORE, sendfile at an offset); elsewhere
// segments are copied through user space.
type sendfileConn struct{ net.Conn }

func wrapSendfileConn(c net.Conn) net.Conn { return c }
func (*sendfileConn) holdNextWrite()       {}
func (*sendfileConn) releaseHeld()         {}
