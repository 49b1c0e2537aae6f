// Command freshet runs the Freshet streaming SQL server.
//
//	freshet serve [--pg-listen 127.0.0.1:6875] [--http-listen 127.0.0.1:6876] [--data-dir ./freshet-data]
//
// Every flag can also be given as an environment variable: FRESHET_ and the
// flag name in upper case with '-' as '_' (FRESHET_PG_LISTEN). A flag on the
// command line wins over the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/freshet-db/freshet/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

func run(args []string, getenv func(string) string, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], getenv, stderr)
	case "version", "--version":
		fmt.Fprintln(stderr, "freshet", server.Version)
		return 0
	}
	fmt.Fprintf(stderr, "freshet: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Freshet: incrementally maintained SQL views over changing data.

Usage:
  freshet serve [flags]   run the server (freshet serve --help lists the flags)
  freshet version         print the version
`)
}

func serve(args []string, getenv func(string) string, stderr io.Writer) int {
	cfg := server.DefaultConfig()
	fs := flag.NewFlagSet("freshet serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.PGListen, "pg-listen", cfg.PGListen, "address of the Postgres wire protocol listener")
	fs.StringVar(&cfg.HTTPListen, "http-listen", cfg.HTTPListen, "address of the HTTP listener (health, metrics); empty disables it")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for the catalog and table data")
	fs.IntVar(&cfg.MaxMessageBytes, "max-message-bytes", cfg.MaxMessageBytes, "largest protocol message accepted from a client")
	fs.Int64Var(&cfg.CheckpointBytes, "checkpoint-bytes", cfg.CheckpointBytes, "rewrite the log as a snapshot when it grows past this many bytes")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := applyEnv(fs, getenv); err != nil {
		fmt.Fprintln(stderr, "freshet:", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	logger, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "freshet:", err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		logger.Error("invalid configuration", "err", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx, cfg, logger); err != nil {
		logger.Error("freshet stopped with an error", "err", err)
		return 1
	}
	return 0
}

// applyEnv sets each flag from its FRESHET_* variable; command-line flags
// parsed afterwards override these.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "FRESHET_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	return err
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log-level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log-format %q: want text or json", format)
}
