package api

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// pingTimeout bounds the store ping of health checks and of failed requests,
// so that a database that does not answer (rather than refusing) costs a
// caller at most this long.
const pingTimeout = time.Second

// storeReachable pings the store with pingTimeout.
func (s *Server) storeReachable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return s.cfg.Service.Store().Ping(ctx)
}

// explainFailure turns an error no table row explains into
// errStoreUnavailable when the request's work ran out of its timeout (workErr
// is context.DeadlineExceeded: the store did not answer in time) or when the
// store does not answer a ping either (e.g. PostgreSQL is restarting or
// failing over), so that the client is told to retry with 503
// ServiceUnavailable instead of 500 InternalError. Known errors are returned
// unchanged and cost no ping. A write that timed out may still have been
// committed; the client's retry (same CallerReference, same If-Match) then
// gets CloudFront's answer for a repeated request.
func (s *Server) explainFailure(ctx context.Context, err, workErr error) error {
	if err == nil {
		return nil
	}
	if _, known := lookupError(err); known {
		return err
	}
	if errors.Is(workErr, context.DeadlineExceeded) {
		return fmt.Errorf("%w: no answer within the request timeout of %v: %w", errStoreUnavailable, s.cfg.RequestTimeout, err)
	}
	if pingErr := s.storeReachable(ctx); pingErr != nil {
		return fmt.Errorf("%w: %w (ping: %v)", errStoreUnavailable, err, pingErr)
	}
	return err
}
