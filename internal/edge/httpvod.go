package edge

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/streamfront/streamfront/internal/edge/media"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/edge/vod"
)

// servePackaged answers the HLS and DASH resources of /K/<rest>: the
// packager plans an object version once (beside its media index) and
// serves every playlist, manifest and segment of it from the block cache.
func (h *HTTPHandler) servePackaged(q *request) {
	pres, obj, version, err := h.s.assets.presentation(q.r.Context(), q.route.Bucket, q.path.key, q.path.format,
		vod.Options{SegmentDuration: h.cfg.SegmentDuration})
	switch {
	case errors.Is(err, vod.ErrCodec) || errors.Is(err, media.ErrUnsupported):
		writeError(q.w, q.r, http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			"The object cannot be played in browsers: "+err.Error())
		return
	case err != nil:
		h.originError(q, err)
		return
	}
	h.viewers.seen(q)
	if !cacheable(q.path.rest) {
		pres.Serve(q.w, q.r, obj, q.path.rest, q.query)
		return
	}
	h.segments.serve(q.w, q.r, segmentKey{version, q.path.rest}, func(w http.ResponseWriter, r *http.Request) {
		// Packaged detached from this viewer: others may be waiting for the segment.
		detached := h.s.assets.cache.Object(context.WithoutCancel(r.Context()), q.route.Bucket, q.path.key, obj.Info)
		pres.Serve(w, r, detached, q.path.rest, "")
	})
}

// packaged is the vod plan of one media index, made on first use.
type packaged struct {
	once sync.Once
	pres *vod.Presentation
	err  error
}

// presentation returns the packaging plan of bucket/key read as format,
// built once per object version (and kept as long as its index), and a
// reader of the object's bytes, and the version's key. One Server packages
// with one Options: the first caller's.
func (a *assets) presentation(ctx context.Context, bucket, key, format string, o vod.Options) (*vod.Presentation, *origin.Object, assetKey, error) {
	asset, obj, e, err := a.openEntry(ctx, bucket, key, format)
	if err != nil {
		return nil, nil, assetKey{}, err
	}
	e.vod.once.Do(func() {
		o.Version = e.key.etag // segment URLs name the version, so caches in front never mix two
		e.vod.pres, e.vod.err = vod.New(asset, o)
	})
	return e.vod.pres, obj, e.key, e.vod.err
}
