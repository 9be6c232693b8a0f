package accesslog

import (
	"strconv"
	"time"
)

// Format is the format of a log file. A distribution's RTMP events and its
// HTTP requests go to separate files, each with its own header.
type Format uint8

const (
	// RTMP is the streaming-distribution format (Header, Event).
	RTMP Format = iota
	// Web is CloudFront's standard access-log format of web distributions
	// (WebHeader, WebEvent).
	Web
)

// WebHeader is the start of every web log file.
const WebHeader = "#Version: 1.0\n" +
	"#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

// header is the first lines of a file of format f.
func (f Format) header() string {
	if f == Web {
		return WebHeader
	}
	return Header
}

// fields is the number of fields of a line of format f.
func (f Format) fields() int {
	if f == Web {
		return 33
	}
	return 17
}

// spoolName is the format's name in spool headers ("" for RTMP, so files
// spooled before web logs existed read as RTMP).
func (f Format) spoolName() string {
	if f == Web {
		return "web"
	}
	return ""
}

// WebEvent is one HTTP request, a line of a web log.
type WebEvent struct {
	Time       time.Time // when the request arrived
	ClientIP   string
	ClientPort int
	Method     string
	// DistributionDomain is cs(Host): the distribution's DomainName.
	DistributionDomain string
	// HostHeader is x-host-header: the Host the viewer sent.
	HostHeader                 string
	URIStem                    string // the path, as sent (percent-encoded)
	URIQuery                   string // the query, without '?'
	Status                     int
	Referer, UserAgent, Cookie string
	// ResultType is x-edge-result-type and x-edge-response-result-type:
	// Hit, Miss or Error.
	ResultType string
	// DetailedResultType is x-edge-detailed-result-type (e.g. Hit, Miss,
	// Error, AbortedOrigin); default ResultType.
	DetailedResultType     string
	RequestID              string
	Protocol               string // http or https
	ProtocolVersion        string // HTTP/1.1, HTTP/2.0
	SSLProtocol, SSLCipher string
	XForwardedFor          string
	RequestBytes           int64 // cs-bytes: headers and body received
	SentBytes              int64 // sc-bytes: headers and body sent
	TimeTaken              time.Duration
	TimeToFirstByte        time.Duration
	ContentType            string
	ContentLength          int64 // -1: none
	// RangeStart and RangeEnd are the first and last byte of a 206's
	// range; -1 when the answer is not a range.
	RangeStart, RangeEnd int64
}

// appendWebLine appends e as one web log line, newline included.
func appendWebLine(b []byte, edgeLocation string, e WebEvent) []byte {
	detailed := e.DetailedResultType
	if detailed == "" {
		detailed = e.ResultType
	}
	b = e.Time.UTC().AppendFormat(b, "2006-01-02\t15:04:05")
	for _, f := range []string{
		edgeLocation, strconv.FormatInt(e.SentBytes, 10), e.ClientIP, e.Method, e.DistributionDomain,
		e.URIStem, strconv.Itoa(e.Status), e.Referer, e.UserAgent, e.URIQuery, e.Cookie, e.ResultType,
		e.RequestID, e.HostHeader, e.Protocol, strconv.FormatInt(e.RequestBytes, 10), seconds(e.TimeTaken),
		e.XForwardedFor, e.SSLProtocol, e.SSLCipher, e.ResultType, e.ProtocolVersion, "", "",
		port(e.ClientPort), seconds(e.TimeToFirstByte), detailed, e.ContentType,
		optional(e.ContentLength), optional(e.RangeStart), optional(e.RangeEnd),
	} {
		b = append(b, '\t')
		b = appendField(b, f)
	}
	return append(b, '\n')
}

// seconds formats a duration as CloudFront's time-taken: seconds with
// millisecond precision.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// optional formats n, or "" (logged "-") when negative.
func optional(n int64) string {
	if n < 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func port(p int) string {
	if p <= 0 {
		return ""
	}
	return strconv.Itoa(p)
}
