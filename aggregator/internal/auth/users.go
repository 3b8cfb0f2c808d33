package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"timeclock/internal/punch"
)

// User is one line of the users file.
type User struct {
	Name  string // 1 to 64 of [A-Za-z0-9._-]
	Role  string
	Scope string // board id, school id, staff id; empty for an admin
	Hash  Hash   // SHA-256 of the token
}

// usersHeader is the header row of the users file.
var usersHeader = []string{"user", "role", "scope", "token_sha256"}

// maxUsersFile bounds what is read of a users file (a hundred thousand
// users fit in a tenth of it).
const maxUsersFile = 64 << 20

// ParseUsers reads a users file: CSV with the header
// `user,role,scope,token_sha256`, lines starting with # ignored,
// token_sha256 the 64 hex digits of the SHA-256 of the token. An empty file
// has no users (so that it can be created with its owner and mode before
// the first `aggregator users add`). Every fault is reported, as
// name:line: …, in one error; a file with a fault yields no users.
func ParseUsers(r io.Reader, name string) ([]User, error) {
	cr := csv.NewReader(io.LimitReader(r, maxUsersFile))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	var (
		users  []User
		errs   []error
		header bool // read
		names  = map[string]int{}
		hashes = map[Hash]int{}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// csv's error names the line; the reader cannot go on after it
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			break
		}
		line, _ := cr.FieldPos(0)
		at := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, a...)))
		}
		if !header {
			header = true
			if !slices.Equal(rec, usersHeader) {
				at("header %q: want %q", strings.Join(rec, ","), strings.Join(usersHeader, ","))
				break
			}
			continue
		}
		if len(rec) != len(usersHeader) {
			at("%d fields, want %d (%s)", len(rec), len(usersHeader), strings.Join(usersHeader, ","))
			continue
		}
		u := User{Name: rec[0], Role: rec[1], Scope: rec[2]}
		if err := checkUser(u); err != nil {
			at("%v", err)
			continue
		}
		h, err := parseHash(rec[3])
		if err != nil {
			at("user %s: %v", u.Name, err)
			continue
		}
		u.Hash = h
		if first, dup := names[u.Name]; dup {
			at("user %s is listed twice (first on line %d)", u.Name, first)
			continue
		}
		if first, dup := hashes[h]; dup {
			at("user %s has the token of line %d", u.Name, first)
			continue
		}
		names[u.Name], hashes[h] = line, line
		users = append(users, u)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return users, nil
}

// Check checks the user's name, role and scope.
func (u User) Check() error { return checkUser(u) }

func checkUser(u User) error {
	if !punch.ValidStaffID(u.Name) {
		return fmt.Errorf("user %q: want 1 to 64 of [A-Za-z0-9._-]", u.Name)
	}
	switch u.Role {
	case RoleAdmin:
		if u.Scope != "" {
			return fmt.Errorf("user %s: an admin has no scope (got %q)", u.Name, u.Scope)
		}
	case RoleBoard, RolePrincipal:
		if !punch.ValidName(u.Scope) {
			return fmt.Errorf("user %s: scope %q: want the %s id ([a-z0-9-]{1,40})", u.Name, u.Scope, scopeKind(u.Role))
		}
	case RoleStaff:
		if !punch.ValidStaffID(u.Scope) {
			return fmt.Errorf("user %s: scope %q: want the staff id", u.Name, u.Scope)
		}
	default:
		return fmt.Errorf("user %s: role %q: want admin, board, principal or staff", u.Name, u.Role)
	}
	return nil
}

func scopeKind(role string) string {
	switch role {
	case RoleBoard:
		return "board"
	case RolePrincipal:
		return "school"
	case RoleStaff:
		return "staff"
	}
	return "no"
}

// checkUsers checks users one by one and for names or tokens used twice.
func checkUsers(users []User, name string) error {
	var errs []error
	names := map[string]bool{}
	hashes := map[Hash]bool{}
	for _, u := range users {
		if err := checkUser(u); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		if names[u.Name] {
			errs = append(errs, fmt.Errorf("%s: user %s is listed twice", name, u.Name))
		}
		if hashes[u.Hash] {
			errs = append(errs, fmt.Errorf("%s: user %s has the token of another user", name, u.Name))
		}
		names[u.Name], hashes[u.Hash] = true, true
	}
	return errors.Join(errs...)
}

func parseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) || strings.ToLower(s) != s {
		return h, fmt.Errorf("token_sha256: want %d lowercase hex digits", 2*len(h))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("token_sha256: want %d lowercase hex digits", 2*len(h))
	}
	return h, nil
}

// ReadUsers reads the users file at path (see ParseUsers).
func ReadUsers(path string) ([]User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer f.Close()
	return ParseUsers(f, path)
}

// FormatUsers writes users as a users file.
func FormatUsers(w io.Writer, users []User) error {
	fmt.Fprintln(w, "# Users of the timeclock aggregator's API and live page (aggregator users add|remove|list).")
	fmt.Fprintln(w, "# token_sha256 is the SHA-256 of the user's token; the token itself is kept nowhere.")
	cw := csv.NewWriter(w)
	cw.Write(usersHeader)
	for _, u := range users {
		cw.Write([]string{u.Name, u.Role, u.Scope, hex.EncodeToString(u.Hash[:])})
	}
	cw.Flush()
	return cw.Error()
}

// WriteUsers replaces the users file at path with users, atomically (a
// reader sees the old file or the new one), keeping the old file's mode,
// owner and group so that the service can still read it; a new file gets
// mode 0640.
func WriteUsers(path string, users []User) error {
	if err := checkUsers(users, path); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := FormatUsers(&buf, users); err != nil {
		return err
	}
	mode := os.FileMode(0o640)
	old, err := os.Stat(path)
	switch {
	case err == nil:
		mode = old.Mode().Perm()
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("users: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	_, err = tmp.Write(buf.Bytes())
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil && old != nil {
		err = keepOwner(tmp, old)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("users: writing %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // the rename survives a power cut
		d.Close()
	}
	return nil
}

// NewToken returns a new token: 256 random bits, URL-safe base64 with the
// prefix tct_ (so a leaked token is recognisable in a scan).
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "tct_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// fileStat tells a changed file.
type fileStat struct {
	size  int64
	mtime time.Time
	ino   uint64
}

func statFile(path string) (fileStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStat{}, fmt.Errorf("users: %w", err)
	}
	return fileStat{size: fi.Size(), mtime: fi.ModTime(), ino: inode(fi)}, nil
}
