package edge

import (
	"context"
	"time"
)

// ConnInfo describes a connection once its connect command is routed.
type ConnInfo struct {
	ID        string // unique per connection (x-cf-client-id)
	ClientIP  string
	Host      string // host of the tcUrl, lower case, without port
	App       string
	TCURL     string
	PageURL   string
	SWFURL    string
	UserAgent string // the flashVer the client announced
	Route     *Route // shared with other connections: read only
	Connected time.Time
}

// PlayRequest is one play command as the edge understood it.
type PlayRequest struct {
	Name     string // as sent: "mp4:videos/clip.mp4?Expires=..."
	Stream   string // Name without the query: what a signed policy's Resource names
	Query    string // after the first '?', "" if none
	Key      string // object key in the origin bucket: "videos/clip.mp4"
	Format   string // "flv", "mp4" or "mp3": how the object is read
	Ext      string // file extension of Key (x-file-ext)
	StreamID uint32 // the RTMP message stream (x-sid)
	Start    time.Duration
	// Length limits the play to this much media time from Start (the play
	// command's duration argument); negative plays to the end.
	Length time.Duration
}

// Reject refuses a connect or a play with an RTMP status code, e.g.
// NetConnection.Connect.Rejected or NetStream.Play.Failed.
type Reject struct {
	Code        string
	Description string
}

func (r *Reject) Error() string { return r.Code + ": " + r.Description }

// EventKind names an event; its values are the access log's x-event names,
// so a hook logs an event without translating it.
type EventKind string

const (
	EventConnect    EventKind = "connect"
	EventPlay       EventKind = "play"
	EventStop       EventKind = "stop"
	EventPause      EventKind = "pause"
	EventUnpause    EventKind = "unpause"
	EventSeek       EventKind = "seek"
	EventDisconnect EventKind = "disconnect"
)

// Event is reported for each connect, play, stop, pause, unpause, seek and
// disconnect of a routed connection.
type Event struct {
	Kind      EventKind
	Time      time.Time
	Conn      *ConnInfo
	Play      *PlayRequest // nil for connect and disconnect
	BytesSent int64        // sent on the connection so far
	Status    string       // "OK", or the RTMP code that refused or ended the play
	Position  time.Duration
}

// Hooks are the extension points of a connection. Nil functions allow and
// ignore. They run on the connection's goroutine: keep them quick.
type Hooks struct {
	// AfterConnect runs once the connect command is routed to an enabled
	// distribution. An error refuses the connection; a *Reject chooses the
	// status code (default NetConnection.Connect.Rejected).
	AfterConnect func(ctx context.Context, c *ConnInfo) error
	// BeforePlay runs for every play command before the object is opened,
	// and for getStreamLength (a refused name answers 0).
	// An error refuses the play; a *Reject chooses the status code
	// (default NetStream.Play.Failed).
	BeforePlay func(ctx context.Context, c *ConnInfo, p *PlayRequest) error
	// OnEvent observes every event.
	OnEvent func(e Event)
}
