package edge

import (
	"errors"
	"net"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/message"

	"github.com/streamfront/streamfront/internal/edge/media"
	"github.com/streamfront/streamfront/internal/edge/origin"
)

// paceSlack is how much beyond the lead one wake-up sends, so a viewer's
// goroutine wakes four times a second rather than once per frame, and each
// wake-up is one large write.
const paceSlack = 250 * time.Millisecond

// playback is the state of the stream being played.
type playback struct {
	req   *PlayRequest
	asset *media.Asset
	obj   *origin.Object
	next  int // index of the next tag to send
	end   int // index after the last tag to send (Length)

	// Pacing: the tag with timestamp startMS is due at startWall.
	startMS   int64
	startWall time.Time
	paused    bool
	posMS     int64 // timestamp of the last tag sent

	// A seek while paused moves where the unpause resumes.
	seekedWhilePaused bool
	resumeAt          time.Duration

	changes <-chan struct{} // closed when the route may have changed (reroute.go)
}

// play handles a play command: checks, opens the object, then streams it.
// It returns a command that arrived during playback and ends it (a new play)
// for the command loop to serve.
func (c *conn) play(cmd *message.CommandAMF0) (*message.CommandAMF0, error) {
	name, _ := stringArg(cmd, 1)
	req, ok := parseStreamName(name)
	req.StreamID = playStreamID
	if start, ok := numberArg(cmd, 2); ok && start > 0 {
		req.Start = time.Duration(start) * time.Millisecond
	}
	req.Length = -1
	if length, ok := numberArg(cmd, 3); ok && length >= 0 {
		req.Length = time.Duration(length) * time.Millisecond // in ms, like start (as clients send them)
	}
	if !ok {
		return nil, c.playFailed(&req, "NetStream.Play.StreamNotFound", "Failed to play "+name+"; stream not found.")
	}
	// A distribution disabled or deleted since connect plays nothing more.
	changes := c.routeChanges()
	route, why, err := c.reroute()
	if err != nil {
		return nil, err
	}
	if why != "" {
		return nil, c.playFailed(&req, "NetStream.Play.Failed", "Failed to play "+req.Stream+"; "+why+".")
	}
	c.info.Route = route
	if h := c.s.cfg.Hooks.BeforePlay; h != nil {
		if err := h(c.ctx, &c.info, &req); err != nil {
			r := asReject(err, "NetStream.Play.Failed")
			return nil, c.playFailed(&req, r.Code, r.Description)
		}
	}
	asset, obj, err := c.s.assets.open(c.ctx, route.Bucket, req.Key, req.Format)
	var codecErr *media.CodecError
	switch {
	case errors.Is(err, origin.ErrNotFound):
		return nil, c.playFailed(&req, "NetStream.Play.StreamNotFound", "Failed to play "+req.Stream+"; stream not found.")
	case errors.As(err, &codecErr):
		return nil, c.playFailed(&req, "NetStream.Play.Failed", "Failed to play "+req.Stream+"; "+codecErr.Error()+".")
	case errors.Is(err, media.ErrUnsupported):
		return nil, c.playFailed(&req, "NetStream.Play.Failed", "Failed to play "+req.Stream+"; unsupported media.")
	case err != nil:
		c.playFailed(&req, "NetStream.Play.Failed", "Failed to play "+req.Stream+"; origin unavailable.")
		return nil, err
	}
	pb := &playback{req: &req, asset: asset, obj: obj, end: endIndex(asset, &req), changes: changes}
	if err := c.startPlay(pb); err != nil {
		return nil, err
	}
	c.s.cfg.Metrics.play("ok")
	c.s.cfg.Metrics.viewer(1)
	defer c.s.cfg.Metrics.viewer(-1)
	c.emit(EventPlay, &req, "OK", req.Start)
	return c.stream(pb)
}

// playFailed answers a refused play with an error status; the connection
// stays open (clients close it).
func (c *conn) playFailed(req *PlayRequest, code, desc string) error {
	c.s.cfg.Metrics.play(code)
	c.emit(EventPlay, req, code, 0)
	return c.onStatus("error", code, desc)
}

func (c *conn) startPlay(pb *playback) error {
	c.w.userControl(ucStreamIsRecorded, playStreamID)
	c.w.userControl(ucStreamBegin, playStreamID)
	c.onStatus("status", "NetStream.Play.Reset", "Playing and resetting "+pb.req.Stream+".")
	c.onStatus("status", "NetStream.Play.Start", "Started playing "+pb.req.Stream+".")
	c.w.amf(csStatus, typeDataAMF0, playStreamID, "|RtmpSampleAccess", true, true)
	return c.seek(pb, pb.req.Start)
}

// seek restarts sending at the key frame at or before at, with metadata and
// codec headers first so a decoder can start there.
func (c *conn) seek(pb *playback, at time.Duration) error {
	pb.next = pb.asset.SeekIndex(uint32(max(at, 0) / time.Millisecond))
	ts := pb.asset.Tags[pb.next].Time
	pb.startMS, pb.startWall, pb.posMS = int64(ts), time.Now(), int64(ts)
	meta := amf0.ECMAArray(pb.asset.Meta)
	if err := c.w.amf(csStatus, typeDataAMF0, playStreamID, "onMetaData", meta); err != nil {
		return err
	}
	for _, h := range pb.asset.Headers {
		if err := c.w.message(csFor(h.Type), h.Type, ts, playStreamID, h.Body); err != nil {
			return err
		}
	}
	return c.flush()
}

// endIndex is where a play of req.Length ends: the first tag at or after
// Start+Length, or, for a length of 0, after the first video frame (a
// single frame, as FMS did).
func endIndex(a *media.Asset, req *PlayRequest) int {
	if req.Length < 0 {
		return len(a.Tags)
	}
	from := a.SeekIndex(uint32(req.Start / time.Millisecond))
	limit := uint32((req.Start + req.Length) / time.Millisecond)
	for i := from; i < len(a.Tags); i++ {
		t := a.Tags[i]
		if req.Length == 0 && t.Type == media.TypeVideo {
			return i + 1
		}
		if req.Length > 0 && t.Time >= limit {
			return i
		}
	}
	return len(a.Tags)
}

func csFor(typ uint8) byte {
	switch typ {
	case media.TypeVideo:
		return csVideo
	case media.TypeAudio:
		return csAudio
	}
	return csStatus
}

// stream paces the tags out: everything up to the client's buffer length
// plus one second ahead of real time, then at real time. Incoming commands
// (pause, seek, a new play, deleteStream) are served between batches.
//
// However it ends (the object's end, a command, the client leaving or
// stalling, a shutdown, its distribution disabled), the play's stop event
// is emitted once, here.
func (c *conn) stream(pb *playback) (*message.CommandAMF0, error) {
	defer func() { c.emit(EventStop, pb.req, "OK", pb.position()) }()
	timer := time.NewTimer(0)
	defer timer.Stop()
	drain := c.s.draining
	for {
		var wake <-chan time.Time
		if !pb.paused {
			if err := c.sendDue(pb); err != nil {
				return nil, err
			}
			if pb.next >= pb.end {
				return nil, c.complete(pb)
			}
			timer.Reset(c.untilDue(pb))
			wake = timer.C
		}
		select {
		case m, ok := <-c.in:
			if !ok {
				return nil, net.ErrClosed
			}
			cmd, isCmd := m.(*message.CommandAMF0)
			if !isCmd {
				if err := c.control(m); err != nil {
					return nil, err
				}
				continue
			}
			done, err := c.playCommand(pb, cmd)
			if done || err != nil {
				if cmd.Name == "play" {
					return cmd, err
				}
				return nil, err
			}
		case <-wake:
		case <-pb.changes:
			if goesOn, err := c.stillRouted(pb); !goesOn || err != nil {
				return nil, err
			}
		case <-drain:
			if pb.paused || !c.sentBeforeDrain(pb) {
				return nil, c.stopForShutdown(pb)
			}
			drain = nil // it plays to its end
		}
	}
}

// playCommand serves a command during playback; done reports the end of it.
func (c *conn) playCommand(pb *playback, cmd *message.CommandAMF0) (done bool, err error) {
	switch cmd.Name {
	case "pause", "pauseRaw":
		var pause bool
		if len(cmd.Arguments) > 1 {
			pause, _ = cmd.Arguments[1].(bool)
		}
		ms, _ := numberArg(cmd, 2)
		at := time.Duration(ms) * time.Millisecond
		if pause && !pb.paused {
			pb.paused = true
			c.emit(EventPause, pb.req, "OK", at)
			c.w.userControl(ucStreamEOF, playStreamID)
			c.onStatus("status", "NetStream.Pause.Notify", "Pausing "+pb.req.Stream+".")
			return false, c.flush()
		}
		if !pause && pb.paused {
			if pb.seekedWhilePaused { // the player's position may predate the seek (ffmpeg's does)
				at = pb.resumeAt
			}
			pb.paused, pb.seekedWhilePaused = false, false
			c.emit(EventUnpause, pb.req, "OK", at)
			c.w.userControl(ucStreamBegin, playStreamID)
			c.onStatus("status", "NetStream.Unpause.Notify", "Unpausing "+pb.req.Stream+".")
			return false, c.seek(pb, at)
		}
		return false, nil
	case "seek":
		ms, _ := numberArg(cmd, 1)
		at := time.Duration(ms) * time.Millisecond
		c.emit(EventSeek, pb.req, "OK", at)
		if pb.paused { // stays paused, as with FMS: the unpause resumes from here
			pb.seekedWhilePaused, pb.resumeAt = true, at
			c.onStatus("status", "NetStream.Seek.Notify", "Seeking "+pb.req.Stream+".")
			return false, c.flush()
		}
		c.w.userControl(ucStreamIsRecorded, playStreamID)
		c.w.userControl(ucStreamBegin, playStreamID)
		c.onStatus("status", "NetStream.Seek.Notify", "Seeking "+pb.req.Stream+".")
		c.onStatus("status", "NetStream.Play.Start", "Started playing "+pb.req.Stream+".")
		return false, c.seek(pb, at)
	case "play", "deleteStream", "closeStream":
		return true, nil
	case "getStreamLength":
		return false, c.getStreamLength(cmd)
	}
	return false, nil
}

// lead is how far ahead of real time media may be sent.
func (c *conn) lead() time.Duration {
	return min(c.bufferLen+time.Second, c.s.cfg.MaxLead)
}

// sendDue writes every tag whose time has come (within lead and slack) and
// flushes them together.
func (c *conn) sendDue(pb *playback) error {
	horizon := pb.startMS + int64((time.Since(pb.startWall)+c.lead()+paceSlack)/time.Millisecond)
	tags := pb.asset.Tags
	sent := false
	for pb.next < pb.end && int64(tags[pb.next].Time) <= horizon {
		if err := c.sendTag(pb, &tags[pb.next]); err != nil {
			return err
		}
		pb.next++
		sent = true
	}
	if !sent {
		return nil
	}
	return c.flush()
}

func (c *conn) sendTag(pb *playback, t *media.Tag) error {
	if err := c.w.begin(csFor(t.Type), t.Type, t.Time, playStreamID, int(t.PrefixLen)+int(t.Size)); err != nil {
		return err
	}
	if _, err := c.w.Write(t.Prefix[:t.PrefixLen]); err != nil {
		return err
	}
	pb.posMS = int64(t.Time)
	return pb.obj.View(t.Offset, int64(t.Size), func(b []byte) error {
		_, err := c.w.Write(b)
		return err
	})
}

// untilDue is the wait before the next tag enters the send window.
func (c *conn) untilDue(pb *playback) time.Duration {
	ahead := time.Duration(int64(pb.asset.Tags[pb.next].Time)-pb.startMS) * time.Millisecond
	return max(ahead-c.lead()-time.Since(pb.startWall), time.Millisecond)
}

// position is the media time the client has reached, about.
func (pb *playback) position() time.Duration {
	return time.Duration(pb.posMS) * time.Millisecond
}

// complete ends a play that ran to the end of the object: onPlayStatus
// NetStream.Play.Complete, StreamEOF, then NetStream.Play.Stop, which makes
// ffmpeg and rtmpdump finish cleanly.
func (c *conn) complete(pb *playback) error {
	c.w.amf(csStatus, typeDataAMF0, playStreamID, "onPlayStatus", amf0.Object{
		{Key: "level", Value: "status"}, {Key: "code", Value: "NetStream.Play.Complete"},
		{Key: "duration", Value: pb.asset.Duration.Seconds()}, {Key: "bytes", Value: float64(c.w.sent)},
	})
	c.w.userControl(ucStreamEOF, playStreamID)
	c.onStatus("status", "NetStream.Play.Stop", "Stopped playing "+pb.req.Stream+".")
	return c.flush()
}
