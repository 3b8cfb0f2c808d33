package main

import "timeclock/internal/cli"

func main() { cli.Main(run, cli.ExitCode) }
