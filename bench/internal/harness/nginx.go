package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Nginx is a running /usr/sbin/nginx (master and workers).
type Nginx struct {
	cmd *exec.Cmd
}

// StartNginx writes conf (which includes NginxHeader(prefix)) to
// prefix/nginx.conf, runs /usr/sbin/nginx on it and waits until addr listens.
func StartNginx(prefix, conf, addr string) (*Nginx, error) {
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("/usr/sbin/nginx", "-p", prefix, "-c", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &Nginx{cmd: cmd}
	if err := WaitListening(addr); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

// NginxHeader is the main-context part of a configuration every benchmark
// needs: in the foreground, pid and error log under prefix, and as root when
// run by root (the work directory is private to this user).
func NginxHeader(prefix string) string {
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n"
	}
	return fmt.Sprintf("%sdaemon off;\npid %s/nginx.pid;\nerror_log %s/error.log warn;\n", user, prefix, prefix)
}

// PIDs are the master and its workers.
func (n *Nginx) PIDs() []int {
	master := n.cmd.Process.Pid
	return append([]int{master}, Children(master)...)
}

// Stop asks nginx to quit gracefully and waits.
func (n *Nginx) Stop() {
	n.cmd.Process.Signal(syscall.SIGQUIT)
	n.cmd.Wait()
}
