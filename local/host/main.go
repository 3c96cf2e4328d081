// Command host runs Wallet Accounts on one machine: DynamoDB Local and moto_server, the
// table from template.yaml, each function's own bootstrap behind a local Lambda Runtime API,
// and an HTTP API with template.yaml's routes. It is a command over local/stack, which
// starts all of it.
//
//	go run ./local/host run [-addr 127.0.0.1:3000] [-persist]   the whole stack until Ctrl-C
//	go run ./local/host test -- <command...>                    the stack on free ports around a command
//	go run ./local/host invoke -fn OtpFunction -event events/otp-send.json
//
// State (binaries, logs) lives under .local/ in the repository root.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  go run ./local/host run [-addr 127.0.0.1:3000] [-table NAME] [-persist]
  go run ./local/host test [-table NAME] [-state DIR] [-env KEY=VALUE] [-record-calls=false] [-capacity] -- <command...>
  go run ./local/host invoke -fn <LogicalId> -event <file.json|->`

// exitError carries a process exit code out of a subcommand.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "run":
		err = runCmd(ctx, args)
	case "test":
		err = testCmd(ctx, args)
	case "invoke":
		err = invokeCmd(ctx, args)
	case "-h", "-help", "--help", "help":
		fmt.Println(usage)
	default:
		fmt.Fprintf(os.Stderr, "unknown subcommand %q\n%s\n", cmd, usage)
		err = exitError{2}
	}
	stop()
	var ee exitError
	switch {
	case errors.As(err, &ee):
		os.Exit(ee.code)
	case err != nil:
		fmt.Fprintln(os.Stderr, "local host:", err)
		os.Exit(1)
	}
}
