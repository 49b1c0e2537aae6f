package server

import (
	"fmt"
	"net"
	"time"
)

// Config is everything `freshet serve` can be told. The zero value is not
// useful; start from DefaultConfig.
type Config struct {
	// PGListen is the address of the Postgres wire protocol listener.
	PGListen string
	// HTTPListen is the address of the HTTP listener (health, metrics, ingest).
	HTTPListen string
	// DataDir holds the catalog and the table contents (the write-ahead log).
	DataDir string
	// MaxMessageBytes bounds one protocol message after startup.
	MaxMessageBytes int
	// CheckpointBytes: when the log grows past this size it is rewritten as a
	// compact snapshot.
	CheckpointBytes int64
	// ShutdownTimeout bounds a clean shutdown.
	ShutdownTimeout time.Duration
}

// DefaultConfig returns the defaults of `freshet serve`.
func DefaultConfig() Config {
	return Config{
		PGListen:        "127.0.0.1:6875",
		HTTPListen:      "127.0.0.1:6876",
		DataDir:         "./freshet-data",
		MaxMessageBytes: 64 << 20,
		CheckpointBytes: 256 << 20,
		ShutdownTimeout: 10 * time.Second,
	}
}

// Validate checks the configuration and says what is wrong.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.PGListen); err != nil {
		return fmt.Errorf("pg-listen %q: %w", c.PGListen, err)
	}
	if c.HTTPListen != "" {
		if _, _, err := net.SplitHostPort(c.HTTPListen); err != nil {
			return fmt.Errorf("http-listen %q: %w", c.HTTPListen, err)
		}
	}
	if c.DataDir == "" {
		return fmt.Errorf("data-dir must not be empty")
	}
	if c.MaxMessageBytes < 1<<16 {
		return fmt.Errorf("max message size %d is below the minimum of 64 KiB", c.MaxMessageBytes)
	}
	return nil
}
