//go:build !unix

package accesslog

import (
	"errors"
	"os"
)

// flock is unix-only: without it a Writer cannot tell a live Writer's spool
// from a dead one's, so SpoolDir is refused.
func flock(*os.File, bool) error {
	return errors.New("the access-log spool needs flock(2), which this system lacks")
}
