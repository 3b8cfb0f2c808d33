#!/usr/bin/env python3
"""CPU time per program of one benchmark run.

Runs the command in a session of its own, reads /proc/PID/stat of every
process of that session every 0.1 s, and at the end prints, after the
command's own output, the CPU seconds (user + system) each program used in
all, start-up included, largest first. It tells where the two cores go in a peer run: the load
generator, the broker, InfluxDB and the pipeline under test.

    scripts/peer-cpu.py ../shared/bench/telegraf-peer.sh 100000
    scripts/peer-cpu.py ../shared/bench/ours-peer.sh . 100000

A process's CPU after the last sample before it exits is not seen (at most
0.1 s of it); the sampler's own CPU is printed with the rest.
"""
import os
import subprocess
import sys
import time

if len(sys.argv) < 2:
    sys.exit(__doc__)
tick = os.sysconf("SC_CLK_TCK")
proc = subprocess.Popen(sys.argv[1:], start_new_session=True)
last, name = {}, {}  # every process of the session started after the command


def sample():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # gone since listdir
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        # After "(comm) ": state, ppid, pgrp, session, ... utime (14th field
        # of the line), stime (15th).
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) != proc.pid:
            continue
        t = int(fields[11]) + int(fields[12])
        last[pid] = t
        name[pid] = comm


start = time.monotonic()
while proc.poll() is None:
    sample()
    time.sleep(0.1)
wall = time.monotonic() - start
per = {}
for pid, t in last.items():
    per[name[pid]] = per.get(name[pid], 0) + t
own = os.times()
per["(sampler)"] = round((own.user + own.system) * tick)
print(f"CPU seconds in {wall:.1f} s:", ", ".join(f"{c} {t / tick:.2f}" for c, t in sorted(per.items(), key=lambda kv: -kv[1]) if t > 0))
sys.exit(proc.returncode)
