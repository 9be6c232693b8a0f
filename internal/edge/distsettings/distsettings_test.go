package distsettings

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
)

func conn(ts cf.TrustedSigners, lg cf.Logging) *edge.ConnInfo {
	return &edge.ConnInfo{ID: "c1", ClientIP: "192.0.2.1", TCURL: "rtmp://d/cfx/st", Route: &edge.Route{
		DistributionID: "EDIST", Account: "123456789012",
		Config: cf.StreamingDistributionConfig{TrustedSigners: ts, Logging: lg},
	}}
}

func TestBeforePlay(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	play := &edge.PlayRequest{Name: "videos/clip", Stream: "videos/clip"}
	h := New(Config{Keys: cf.SingleAccount{ID: "123456789012"}, Logger: quiet})
	if err := h.BeforePlay(context.Background(), conn(cf.TrustedSigners{}, cf.Logging{}), play); err != nil {
		t.Fatalf("unsigned distribution refused: %v", err)
	}
	signed := conn(cf.TrustedSigners{Enabled: true, Items: []string{"self"}}, cf.Logging{})
	var r *edge.Reject
	if err := h.BeforePlay(context.Background(), signed, play); !errors.As(err, &r) || r.Code != "NetStream.Play.Failed" {
		t.Fatalf("unsigned play of a signed distribution = %v", err)
	}
	noKeys := New(Config{Logger: quiet})
	if err := noKeys.BeforePlay(context.Background(), signed, play); !errors.As(err, &r) || r.Code != "NetStream.Play.Failed" {
		t.Fatalf("play without any key registry = %v", err)
	}
}

type memSink struct {
	mu   sync.Mutex
	keys []string
}

func (m *memSink) PutObject(_ context.Context, bucket, key string, _ []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, bucket+"/"+key)
	return nil
}

func TestOnEventLogsOnlyLoggedDistributions(t *testing.T) {
	sink := &memSink{}
	w, err := accesslog.New(accesslog.Options{Sink: sink, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{AccessLog: w, OriginSuffixes: []string{"s3.local"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	at := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	h.OnEvent(edge.Event{Kind: edge.EventConnect, Time: at, Conn: conn(cf.TrustedSigners{}, cf.Logging{})})
	h.OnEvent(edge.Event{Kind: edge.EventConnect, Time: at, Conn: conn(cf.TrustedSigners{}, cf.Logging{Enabled: true, Bucket: "not a bucket"})})
	h.OnEvent(edge.Event{Kind: edge.EventConnect, Time: at, Conn: conn(cf.TrustedSigners{}, cf.Logging{Enabled: true, Bucket: "logs.s3.local", Prefix: "p/"})})
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sink.keys) != 1 || sink.keys[0][:len("logs/p/EDIST.2026-11-26-07.")] != "logs/p/EDIST.2026-11-26-07." {
		t.Fatalf("stored %v", sink.keys)
	}
}
