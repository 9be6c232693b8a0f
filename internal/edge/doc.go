// Package edge is streamfront's RTMP edge: it accepts RTMP connections on any
// net.Listener, routes each one to a streaming distribution by the host in
// the client's connect tcUrl (DomainName or an Alias, application cfx/st),
// and plays objects of the distribution's S3 origin as CloudFront did: FLV
// (videos/clip → videos/clip.flv), MP4/F4V/MOV (mp4:videos/clip.mp4) and MP3
// (mp3:audio/track → audio/track.mp3), remuxed to RTMP messages at real-time
// pace without transcoding. RTMPE (the encrypted handshake and RC4 stream)
// is accepted too.
//
// The same Server also delivers over HTTP (Server.HTTPHandler, http*.go):
// routed by the request's Host, the object itself (progressive download),
// HLS and DASH packaged on the fly by package vod from the media index the
// RTMP viewers share, CloudFront signed URLs and cookies, CORS, standard
// (web) access logs and a player page with hls.js.
//
// A connection is one goroutine running straight-line phases (handshake →
// connect → commands → play → stream → end) plus a reader goroutine that
// only decodes incoming messages, so a client's pause or seek is seen while
// media is being paced out. Hooks (hooks.go) let signed URLs, access logs and
// metrics observe or refuse a connection and a play without touching this
// code.
//
// What a client can make a connection hold is bounded: admission.go caps
// the connections (a connect beyond the cap is rejected), the handshake and
// connect share one deadline, chunkreader.go caps incoming messages at
// 16 KiB, the writer's batches at 128 KiB and each flush has a write
// timeout, so a viewer that stops reading is dropped. drain.go ends
// viewers cleanly at shutdown. docs/reliability.md lists the figures and
// the tests that fail without them.
package edge
