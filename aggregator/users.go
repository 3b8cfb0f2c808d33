package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"timeclock/aggregator/internal/auth"
	"timeclock/aggregator/internal/config"
	"timeclock/internal/cli"
	"timeclock/internal/roster"
)

const usersUsage = `usage: aggregator users add|remove|list -file FILE [flags]
  add     -user NAME -role admin|board|principal|staff [-scope ID] [-replace] [-data DIR]
          issues a token and prints it on stdout, once: it is kept nowhere, the file holds its SHA-256.
          -replace gives an existing user a new token (the old one stops working).
  remove  -user NAME: the user's token stops working.
  list    the users, roles and scopes (no secrets).
The running aggregator re-reads FILE when it changes (within -reload-every, or at once on SIGHUP).`

// users manages the users file of `serve -users`.
func users(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cli.UsageError{Msg: usersUsage}
	}
	verb := args[0]
	fs := flag.NewFlagSet("aggregator users "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usersUsage) }
	file := fs.String("file", getenv(config.EnvName("users")), "the users file (default $TIMECLOCK_USERS)")
	var user, role, scope, data string
	var replace bool
	if verb == "add" || verb == "remove" {
		fs.StringVar(&user, "user", "", "user name (1 to 64 of [A-Za-z0-9._-]): the author written on their adjustments")
	}
	if verb == "add" {
		fs.StringVar(&role, "role", "", "admin, board, principal or staff")
		fs.StringVar(&scope, "scope", "", "board id (board), school id (principal), staff id (staff); none for admin")
		fs.BoolVar(&replace, "replace", false, "give an existing user a new token")
		fs.StringVar(&data, "data", "", "check the scope against the roster of this directory")
	}
	switch verb {
	case "add", "remove", "list":
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usersUsage)
		return nil
	default:
		return cli.UsageError{Msg: fmt.Sprintf("users: unknown action %q\n%s", verb, usersUsage)}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return cli.Usage(err)
	}
	if fs.NArg() > 0 {
		return cli.UsageError{Msg: fmt.Sprintf("users %s: unexpected arguments %q", verb, fs.Args())}
	}
	if *file == "" {
		return cli.UsageError{Msg: "users: -file is required (or TIMECLOCK_USERS)"}
	}
	list, err := auth.ReadUsers(*file)
	if errors.Is(err, os.ErrNotExist) && verb == "add" {
		list, err = nil, nil // the first user creates the file
	}
	if err != nil {
		return err
	}
	switch verb {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tROLE\tSCOPE")
		for _, u := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.Role, u.Scope)
		}
		return tw.Flush()
	case "remove":
		i := slices.IndexFunc(list, func(u auth.User) bool { return u.Name == user })
		if i < 0 {
			return fmt.Errorf("users: no user %q in %s", user, *file)
		}
		if err := auth.WriteUsers(*file, slices.Delete(list, i, i+1)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "user %s removed from %s\n", user, *file)
		return nil
	}
	return addUser(*file, list, auth.User{Name: user, Role: role, Scope: scope}, replace, data, stdout, stderr)
}

func addUser(file string, list []auth.User, u auth.User, replace bool, data string, stdout, stderr io.Writer) error {
	if err := u.Check(); err != nil {
		return cli.UsageError{Msg: "users: " + err.Error()}
	}
	if data != "" {
		d, errs := roster.LoadDir(data)
		if d == nil {
			return fmt.Errorf("users: the roster in %s: %w", data, errors.Join(errs...))
		}
		if !auth.OnRoster(u.Role, u.Scope, d) {
			return cli.UsageError{Msg: fmt.Sprintf("users: scope %q of role %s is not on the roster in %s", u.Scope, u.Role, data)}
		}
	}
	token, err := auth.NewToken()
	if err != nil {
		return err
	}
	u.Hash = auth.HashToken(token)
	i := slices.IndexFunc(list, func(x auth.User) bool { return x.Name == u.Name })
	switch {
	case i >= 0 && !replace:
		return fmt.Errorf("users: %s already has a token in %s (give -replace to issue a new one)", u.Name, file)
	case i >= 0:
		list[i] = u
	default:
		list = append(list, u)
	}
	if err := auth.WriteUsers(file, list); err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "user %s (%s) written to %s; the token above is shown this once\n",
		u.Name, strings.TrimSpace(u.Role+" "+u.Scope), file)
	return nil
}
