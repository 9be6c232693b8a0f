package edge

import "net/http"

// servePackaged answers the HLS and DASH resources of /K/<rest>. Until
// the packager (package vod) is wired in, they are not served.
func (h *HTTPHandler) servePackaged(q *request) {
	writeError(q.w, q.r, http.StatusNotFound, "NoSuchKey", "HLS and DASH are not served yet.")
}
