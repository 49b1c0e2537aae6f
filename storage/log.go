package storage

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// FormatVersion is the on-disk format this build reads and writes.
const FormatVersion = 1

const (
	markerName = "FRESHET"
	logName    = "wal"
	tmpName    = "wal.tmp"
	frameLen   = 8
	// maxRecord bounds one record so a corrupt length cannot make us
	// allocate without limit.
	maxRecord = 1 << 30
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Record kinds.
const (
	kindCreate byte = 1
	kindDrop   byte = 2
	kindCommit byte = 3
)

// TableWrite is the updates of one transaction to one table.
type TableWrite struct {
	Table   catalog.ID
	Updates []stream.Update // Time is ignored; the commit's Time applies
}

// Commit is one durable transaction.
type Commit struct {
	Time   stream.Timestamp
	Writes []TableWrite
	// Positions records, per source, the upstream position reached by this
	// transaction (a Postgres LSN, Kafka offsets), durable with its data.
	Positions []SourcePosition
}

// SourcePosition is a source's opaque upstream position.
type SourcePosition struct {
	Source   catalog.ID
	Position []byte
}

// Replayer receives the log's contents in order during Open.
type Replayer interface {
	CreateRelation(r *catalog.Relation) error
	DropRelation(id catalog.ID) error
	Commit(c *Commit) error
}

// Log is the write-ahead log of one data directory. It is not safe for
// concurrent use: the coordinator is its only user.
type Log struct {
	dir  string
	f    *os.File
	size int64
	buf  []byte
}

type marker struct {
	Format    int    `json:"format"`
	CreatedBy string `json:"created_by"`
}

// Open opens (creating if needed) the data directory dir, replays its log
// into r and returns the log positioned for appends. version names this
// build in a new marker.
func Open(dir, version string, r Replayer) (*Log, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := checkMarker(dir, version); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, logName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	good, err := replay(f, r)
	if err != nil {
		f.Close()
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Size() > good {
		// A torn final record: drop it (it was never acknowledged).
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, fmt.Errorf("truncate torn log tail: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("sync log: %w", err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return &Log{dir: dir, f: f, size: good}, nil
}

func checkMarker(dir, version string) error {
	path := filepath.Join(dir, markerName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Name() == logName {
				return fmt.Errorf("data directory %s has a log but no %s marker: it was not made by Freshet or is damaged", dir, markerName)
			}
		}
		m, _ := json.Marshal(marker{Format: FormatVersion, CreatedBy: version})
		return writeFileSync(dir, markerName, m)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("data directory %s: marker file %s is not valid (%v): the directory is corrupt or not Freshet's", dir, markerName, err)
	}
	if m.Format != FormatVersion {
		return fmt.Errorf("data directory %s has on-disk format %d (written by %s); this build of Freshet reads format %d",
			dir, m.Format, m.CreatedBy, FormatVersion)
	}
	return nil
}

// CorruptError reports a damaged log.
type CorruptError struct {
	Offset int64
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("write-ahead log is corrupt at byte %d: %s", e.Offset, e.Reason)
}

// replay applies every complete record and returns the offset after the
// last good one.
func replay(f *os.File, r Replayer) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	total := st.Size()
	br := bufio.NewReaderSize(f, 1<<20)
	var off int64
	var frame [frameLen]byte
	var payload []byte
	for {
		if _, err := io.ReadFull(br, frame[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return off, nil // clean end, or a torn frame header
			}
			return off, err
		}
		n := int64(binary.BigEndian.Uint32(frame[0:4]))
		sum := binary.BigEndian.Uint32(frame[4:8])
		end := off + frameLen + n
		if end > total {
			return off, nil // torn final record
		}
		if n > maxRecord {
			return off, &CorruptError{off, fmt.Sprintf("record length %d exceeds the limit", n)}
		}
		if n == 0 {
			// No record is empty. Zeros to the end of the file are a torn
			// tail (a crash after the file grew but before its data was
			// written); anything else is damage.
			if zeroTail(br) {
				return off, nil
			}
			return off, &CorruptError{off, "empty record"}
		}
		if cap(payload) < int(n) {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			return off, err
		}
		if crc32.Checksum(payload, crcTable) != sum {
			if end == total {
				return off, nil // torn final record
			}
			return off, &CorruptError{off, "checksum mismatch"}
		}
		if err := apply(payload, r); err != nil {
			return off, &CorruptError{off, err.Error()}
		}
		off = end
	}
}

// zeroTail reports whether the rest of r is zero bytes.
func zeroTail(r io.Reader) bool {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return false
			}
		}
		if err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

func apply(p []byte, r Replayer) error {
	if len(p) == 0 {
		return errors.New("empty record")
	}
	switch p[0] {
	case kindCreate:
		var rel catalog.Relation
		if err := json.Unmarshal(p[1:], &rel); err != nil {
			return fmt.Errorf("bad catalog record: %w", err)
		}
		return r.CreateRelation(&rel)
	case kindDrop:
		id, n := binary.Uvarint(p[1:])
		if n <= 0 {
			return errors.New("bad drop record")
		}
		return r.DropRelation(catalog.ID(id))
	case kindCommit:
		c, err := decodeCommit(p[1:])
		if err != nil {
			return err
		}
		return r.Commit(c)
	}
	return fmt.Errorf("unknown record kind %d", p[0])
}

// AppendCreate durably records the creation of a relation.
func (l *Log) AppendCreate(rel *catalog.Relation) error {
	b, err := json.Marshal(rel)
	if err != nil {
		return err
	}
	l.buf = append(append(l.buf[:0], kindCreate), b...)
	return l.appendSync(l.buf)
}

// AppendDrop durably records the removal of a relation.
func (l *Log) AppendDrop(id catalog.ID) error {
	l.buf = binary.AppendUvarint(append(l.buf[:0], kindDrop), uint64(id))
	return l.appendSync(l.buf)
}

// AppendCommits durably records several transactions with one fsync
// (group commit).
func (l *Log) AppendCommits(cs []*Commit) error {
	var out []byte
	for _, c := range cs {
		l.buf = encodeCommit(append(l.buf[:0], kindCommit), c)
		out = appendFrame(out, l.buf)
	}
	return l.writeSync(out)
}

// Size is the log's current length in bytes.
func (l *Log) Size() int64 { return l.size }

func (l *Log) appendSync(payload []byte) error {
	return l.writeSync(appendFrame(nil, payload))
}

func appendFrame(out, payload []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(payload)))
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(payload, crcTable))
	return append(out, payload...)
}

func (l *Log) writeSync(b []byte) error {
	if _, err := l.f.Write(b); err != nil {
		// A partial write leaves a torn tail: cut it so later appends stay
		// readable.
		_ = l.f.Truncate(l.size)
		_, _ = l.f.Seek(l.size, io.SeekStart)
		return fmt.Errorf("write log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync log: %w", err)
	}
	l.size += int64(len(b))
	return nil
}

// Snapshot is the state a checkpoint writes: the live relations in
// creation order and the contents of every table.
type Snapshot struct {
	Relations []*catalog.Relation
	Time      stream.Timestamp
	Tables    []TableWrite // each row with its multiplicity as Diff
	Positions []SourcePosition
}

// Checkpoint replaces the log with snap, atomically.
func (l *Log) Checkpoint(snap *Snapshot) error {
	tmp := filepath.Join(l.dir, tmpName)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var size int64
	write := func(payload []byte) error {
		fr := appendFrame(nil, payload)
		size += int64(len(fr))
		_, err := w.Write(fr)
		return err
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("checkpoint: %w", err)
	}
	for _, rel := range snap.Relations {
		b, err := json.Marshal(rel)
		if err != nil {
			return fail(err)
		}
		if err := write(append([]byte{kindCreate}, b...)); err != nil {
			return fail(err)
		}
	}
	// One commit record per table keeps records bounded by one table.
	for _, tw := range snap.Tables {
		c := &Commit{Time: snap.Time, Writes: []TableWrite{tw}}
		if err := write(encodeCommit([]byte{kindCommit}, c)); err != nil {
			return fail(err)
		}
	}
	// A last record carries the time (even with no tables) and the source
	// positions.
	if err := write(encodeCommit([]byte{kindCommit}, &Commit{Time: snap.Time, Positions: snap.Positions})); err != nil {
		return fail(err)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(l.dir, logName)); err != nil {
		return fail(err)
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint: %w", err)
	}
	l.f.Close()
	l.f = f
	l.size = size
	_, err = f.Seek(size, io.SeekStart)
	return err
}

// Close closes the log file.
func (l *Log) Close() error { return l.f.Close() }

func encodeCommit(b []byte, c *Commit) []byte {
	var row []byte
	b = binary.AppendUvarint(b, uint64(c.Time))
	b = binary.AppendUvarint(b, uint64(len(c.Writes)))
	for _, w := range c.Writes {
		b = binary.AppendUvarint(b, uint64(w.Table))
		b = binary.AppendUvarint(b, uint64(len(w.Updates)))
		for _, u := range w.Updates {
			b = binary.AppendVarint(b, int64(u.Diff))
			row = datum.EncodeRow(row[:0], u.Row)
			b = binary.AppendUvarint(b, uint64(len(row)))
			b = append(b, row...)
		}
	}
	// Positions are a trailing section, absent when empty.
	if len(c.Positions) > 0 {
		b = binary.AppendUvarint(b, uint64(len(c.Positions)))
		for _, p := range c.Positions {
			b = binary.AppendUvarint(b, uint64(p.Source))
			b = binary.AppendUvarint(b, uint64(len(p.Position)))
			b = append(b, p.Position...)
		}
	}
	return b
}

func decodeCommit(p []byte) (*Commit, error) {
	bad := errors.New("bad commit record")
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		return v, true
	}
	ts, ok := uv()
	if !ok {
		return nil, bad
	}
	nw, ok := uv()
	if !ok || nw > uint64(len(p)) {
		return nil, bad
	}
	c := &Commit{Time: stream.Timestamp(ts), Writes: make([]TableWrite, 0, nw)}
	for range nw {
		id, ok1 := uv()
		nu, ok2 := uv()
		if !ok1 || !ok2 || nu > uint64(len(p)) {
			return nil, bad
		}
		tw := TableWrite{Table: catalog.ID(id), Updates: make([]stream.Update, 0, nu)}
		for range nu {
			diff, n := binary.Varint(p)
			if n <= 0 {
				return nil, bad
			}
			p = p[n:]
			l, ok := uv()
			if !ok || l > uint64(len(p)) {
				return nil, bad
			}
			row, err := datum.DecodeRow(p[:l], nil)
			if err != nil {
				return nil, err
			}
			p = p[l:]
			tw.Updates = append(tw.Updates, stream.Update{Row: row, Time: c.Time, Diff: stream.Diff(diff)})
		}
		c.Writes = append(c.Writes, tw)
	}
	if len(p) > 0 {
		np, ok := uv()
		if !ok || np > uint64(len(p)) {
			return nil, bad
		}
		for range np {
			src, ok1 := uv()
			l, ok2 := uv()
			if !ok1 || !ok2 || l > uint64(len(p)) {
				return nil, bad
			}
			c.Positions = append(c.Positions, SourcePosition{Source: catalog.ID(src), Position: append([]byte(nil), p[:l]...)})
			p = p[l:]
		}
	}
	if len(p) != 0 {
		return nil, bad
	}
	return c, nil
}

func writeFileSync(dir, name string, b []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
