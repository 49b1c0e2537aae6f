package clickhouse

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/freshet-db/freshet/sql/sqlerr"
)

// Default ports of the native protocol.
const (
	defaultPort       = "9000"
	defaultSecurePort = "9440"
)

// DSN is a parsed connection string:
//
//	clickhouse://user:password@host[:port][,host2[:port]...]/database?param=value&...
//
// The scheme is clickhouse (or tcp); only the native protocol is supported.
// The port defaults to 9000, or 9440 with secure=true; the user to
// default and the database to default. Parameters:
//
//	secure=true        TLS
//	skip_verify=true   TLS without certificate verification
//	dial_timeout=5s    connection timeout (default 10s)
//	read_timeout=5m    timeout of one read from the server (default 5m)
//	compress=lz4       compress blocks (also compress=true)
//
// Any other parameter is passed to the server as a setting of every query
// (e.g. insert_quorum=2); the server rejects settings it does not know when
// the sink opens.
type DSN struct {
	Addrs       []string // host:port, tried in order
	User        string
	Password    string
	Database    string
	Secure      bool
	SkipVerify  bool
	Compress    bool
	DialTimeout time.Duration
	ReadTimeout time.Duration
	Settings    map[string]string
}

// ParseDSN parses a connection string. Errors have SQLSTATE 22023.
func ParseDSN(s string) (DSN, error) {
	bad := func(format string, args ...any) (DSN, error) {
		return DSN{}, sqlerr.New(sqlerr.InvalidParameterValue,
			"invalid clickhouse connection string: "+format, args...)
	}
	if !strings.Contains(s, "://") {
		return bad("missing scheme; expected clickhouse://user:password@host:9000/database")
	}
	u, err := url.Parse(s)
	if err != nil {
		// url errors quote the input, which may hold a password.
		var msg string
		if ue, ok := err.(*url.Error); ok {
			msg = ue.Err.Error()
		} else {
			msg = "malformed url"
		}
		return bad("%s", msg)
	}
	switch u.Scheme {
	case "clickhouse", "tcp":
	case "http", "https":
		return bad("scheme %s is not supported; use clickhouse://host:9000 (the native protocol)", u.Scheme)
	default:
		return bad("unknown scheme %q; expected clickhouse://", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return bad("missing host; expected clickhouse://user:password@host:9000/database")
	}
	d := DSN{
		User:        "default",
		Database:    "default",
		DialTimeout: 10 * time.Second,
		ReadTimeout: 5 * time.Minute,
		Settings:    map[string]string{},
	}
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			d.User = name
		}
		d.Password, _ = u.User.Password()
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		if strings.Contains(db, "/") {
			return bad("database %q contains a slash", db)
		}
		d.Database = db
	}
	q := u.Query()
	boolParam := func(name string) (bool, error) {
		v := q.Get(name)
		if v == "" {
			return true, nil // ?secure alone means true
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("parameter %s: %q is not a boolean", name, v)
		}
		return b, nil
	}
	durParam := func(name string) (time.Duration, error) {
		v, err := time.ParseDuration(q.Get(name))
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("parameter %s: %q is not a positive duration such as 10s", name, q.Get(name))
		}
		return v, nil
	}
	for name := range q {
		if len(q[name]) > 1 {
			return bad("parameter %s given more than once", name)
		}
		var err error
		switch name {
		case "secure":
			d.Secure, err = boolParam(name)
		case "skip_verify":
			d.SkipVerify, err = boolParam(name)
		case "dial_timeout":
			d.DialTimeout, err = durParam(name)
		case "read_timeout":
			d.ReadTimeout, err = durParam(name)
		case "compress":
			switch v := q.Get(name); v {
			case "lz4", "true", "1", "":
				d.Compress = true
			case "false", "0", "none":
			default:
				err = fmt.Errorf("parameter compress: %q is not supported (use lz4)", v)
			}
		case "username", "password", "database", "debug":
			err = fmt.Errorf("parameter %s is not supported here; put it in the url", name)
		default:
			d.Settings[name] = q.Get(name)
		}
		if err != nil {
			return bad("%v", err)
		}
	}
	port := defaultPort
	if d.Secure {
		port = defaultSecurePort
	}
	for _, h := range strings.Split(u.Host, ",") {
		if h == "" {
			return bad("empty host in host list %q", u.Host)
		}
		host, p, err := net.SplitHostPort(h)
		if err != nil {
			// No port (or a bare IPv6 address).
			host, p = strings.Trim(h, "[]"), port
		}
		if host == "" {
			return bad("missing host name in %q", h)
		}
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return bad("invalid port %q", p)
		}
		d.Addrs = append(d.Addrs, net.JoinHostPort(host, p))
	}
	return d, nil
}

// String is the DSN with the password masked, for logs and SHOW SINKS.
func (d DSN) String() string {
	u := url.URL{Scheme: "clickhouse", Host: strings.Join(d.Addrs, ","), Path: "/" + d.Database}
	if d.Password != "" {
		u.User = url.UserPassword(d.User, "xxxxx")
	} else {
		u.User = url.User(d.User)
	}
	q := url.Values{}
	if d.Secure {
		q.Set("secure", "true")
	}
	if d.SkipVerify {
		q.Set("skip_verify", "true")
	}
	if d.Compress {
		q.Set("compress", "lz4")
	}
	names := make([]string, 0, len(d.Settings))
	for n := range d.Settings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		q.Set(n, d.Settings[n])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// options returns the clickhouse-go options for the DSN.
func (d DSN) options() *ch.Options {
	o := &ch.Options{
		Protocol:        ch.Native,
		Addr:            d.Addrs,
		Auth:            ch.Auth{Database: d.Database, Username: d.User, Password: d.Password},
		DialTimeout:     d.DialTimeout,
		ReadTimeout:     d.ReadTimeout,
		MaxOpenConns:    2,
		MaxIdleConns:    1,
		ConnMaxLifetime: time.Hour,
		Settings:        ch.Settings{},
		ClientInfo: ch.ClientInfo{Products: []struct{ Name, Version string }{
			{Name: "freshet", Version: "0"},
		}},
	}
	if d.Secure {
		o.TLS = &tls.Config{InsecureSkipVerify: d.SkipVerify} //nolint:gosec // the user asked for skip_verify
	}
	if d.Compress {
		o.Compression = &ch.Compression{Method: ch.CompressionLZ4}
	}
	for k, v := range d.Settings {
		o.Settings[k] = v
	}
	return o
}
