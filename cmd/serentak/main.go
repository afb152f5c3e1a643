// Command serentak is Serentak's one binary.
//
//	serentak serve      API, scheduler and workers in one process (the default install)
//	serentak api        the REST API only
//	serentak worker     the publishing workers only
//	serentak scheduler  the scheduler only
//	serentak migrate    apply the pending schema migrations, then exit
//	serentak migrate status  list the schema migrations, applied or pending
//	serentak healthcheck  exit 0 when the local process is ready (for images without a shell)
//	serentak backup     a consistent copy of the embedded SQLite install, while it runs
//	serentak restore FILE  that copy into a new data directory
//
// The wiring is package internal/app; this reads the command line.
// The benchmark is cmd/serentak-bench, the fake platform cmd/serentak-fake.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // a minimal container still knows Asia/Jakarta

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/internal/app"
)

const usage = `usage: serentak <command>

commands:
  serve      run the API, the scheduler and the workers in one process
  api        run the REST API
  worker     run the publishing workers
  scheduler  run the scheduler
  migrate    apply the pending schema migrations and exit
             (migrate status: list them, applied or pending)
  healthcheck  exit 0 when the local API answers /readyz, else 1
             (-url URL: another URL; -role worker|scheduler: the database
             and Redis answer instead)
  backup     write a .tar.gz of the SQLite database (while serve runs), the
             keys and the media (-o FILE; -without-keys); PostgreSQL: pg_dump
  restore FILE  unpack a backup into a new SERENTAK_DATA_DIR
  prune      one retention pass now (SERENTAK_RETENTION; the scheduler
             makes one every hour): finished deliveries' checkpoints,
             ended webhook messages and notifications, expired sessions

Configuration comes from SERENTAK_* environment variables (see README.md and
configs/serentak.example.env).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "serentak:", err)
		os.Exit(1)
	}
}

// run is main without the process: tests call it with their own
// environment, and listening tells them the API's address once it listens.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, listening chan<- string) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	command := args[0]
	roles, isRole := app.RolesOf(command)
	switch {
	case command == "help" || command == "-h" || command == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case !isRole && command != "migrate" && command != "healthcheck" && command != "backup" && command != "restore" && command != "prune":
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", command)
	}
	if command == "healthcheck" {
		return healthcheck(ctx, args[1:], getenv, stdout)
	}
	if command == "backup" {
		return backup(ctx, args[1:], getenv, stdout)
	}
	if command == "restore" {
		return restore(ctx, args[1:], getenv, stdout)
	}
	if command == "migrate" {
		if err := checkMigrateArgs(args[1:]); err != nil {
			return err
		}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if command == "migrate" {
		return migrate(ctx, cfg, isMigrateStatus(args), stdout)
	}
	if command == "prune" {
		return app.Prune(ctx, cfg, stdout)
	}
	a := app.New(cfg, roles, stdout)
	a.Listening = listening
	defer a.Close()
	return a.Run(ctx)
}

// migrate is `serentak migrate [status]`.
func migrate(ctx context.Context, cfg config.Config, status bool, stdout io.Writer) error {
	err := app.Migrate(ctx, cfg, status, stdout)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil // told to stop while migrating: SIGTERM promises exit 0
	}
	return err
}
