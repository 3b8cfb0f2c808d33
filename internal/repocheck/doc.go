// Package repocheck holds the repository-wide tests: every package has a
// package doc comment; the pure packages (overtime, punch, civil, roster)
// reach no network, database or hardware package, directly or through
// others; no .go file carries a to-do marker; every main.go stays thin.
// It has no code of its own: run it with `go test ./internal/repocheck`.
package repocheck
