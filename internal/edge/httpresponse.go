package edge

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"time"
)

// httpError is an error document as CloudFront and S3 answer them.
type httpError struct {
	XMLName xml.Name `xml:"Error"`
	Code    string
	Message string
}

// writeError answers status with CloudFront's XML error document (no body
// for HEAD).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body, _ := xml.Marshal(httpError{Code: code, Message: message})
	body = append([]byte(xml.Header), body...)
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// setCORS lets pages of any origin read the response, including the
// headers a player needs for ranges. Credentials (signed cookies) are not
// sent cross-origin with "*": such pages sign by query.
func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges, ETag, Date")
}

// corsMaxAge is how long browsers may keep a preflight's answer.
const corsMaxAge = 24 * time.Hour

// preflight answers a CORS preflight (OPTIONS).
func preflight(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Range, If-Range, If-None-Match, If-Modified-Since, Origin, Accept")
	h.Set("Access-Control-Max-Age", strconv.Itoa(int(corsMaxAge.Seconds())))
	h.Set("Allow", "GET, HEAD, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}

// recorder observes a response for the access log and metrics.
type recorder struct {
	http.ResponseWriter
	status      int
	headerBytes int64
	bodyBytes   int64
	firstByte   time.Time
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status != 0 {
		return
	}
	rec.status = status
	rec.firstByte = time.Now()
	rec.headerBytes = int64(len("HTTP/1.1 200 OK\r\n\r\n"))
	for k, vs := range rec.Header() {
		for _, v := range vs {
			rec.headerBytes += int64(len(k) + len(v) + 4)
		}
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bodyBytes += int64(n)
	return n, err
}

// ReadFrom keeps the server's sendfile(2) path for bodies read from files.
func (rec *recorder) ReadFrom(src io.Reader) (int64, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	n, err := io.Copy(rec.ResponseWriter, src)
	rec.bodyBytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
