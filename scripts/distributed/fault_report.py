"""Reads the fault logs of gpu-distributed.sh and checks what each survivor saw and how fast:
fault_report.py LOG_DIR [NAME...] (default: every fault the script injects). NAME is a kind, or a kind and the strategy
it ran under ("kill-all-gather"): the log is fault-NAME.log, the rules are the kind's.

A log line of a rank reads "[rank R] at T ms: ...". For kill, raise and hang every other rank must print a DETECTED line
naming rank 2 (hang: naming the first rank whose deadline passed); kill and raise within 10 s of the fault whatever the operation timeout, hang within its timeout + 10 s.
For absent, every joined rank must fail naming rank 2 as never joined; for mismatch, every rank must refuse the problem
naming the field and rank 2, before any exchange."""
import re
import sys

LINE = re.compile(r"^\[rank (\d+)\] at (\d+) ms: (.*)$")
LIMITS_MS = {"kill": 10_000, "raise": 10_000, "hang": 30_000}
ok = True
ALL = ("kill", "raise", "hang", "absent", "mismatch", "kill-all-gather", "raise-all-to-all", "hang-a2a-ring")
for name in sys.argv[2:] or ALL:
    kind = name.split("-")[0]
    events = [LINE.match(l.rstrip("\n")) for l in open(f"{sys.argv[1]}/fault-{name}.log", errors="replace")]
    events = [(int(m[1]), int(m[2]), m[3]) for m in events if m]
    fault = next((t for r, t, text in events if r == 2 and text.startswith("FAULT")), None)
    if kind == "mismatch":
        refused = {r: text for r, t, text in events if text.startswith("REFUSED")}
        good = set(refused) == {0, 1, 2, 3} and all("S: ranks 0,1,3 4096, rank 2 8192" in text for text in refused.values())
        print(f"{'PASS' if good else 'FAIL'} mismatch: ranks that refused the problem naming S and rank 2: {sorted(refused)}")
        ok &= good
        continue
    if kind == "absent":
        failed = {r: text for r, t, text in events if text.startswith("FAILED") or "did not join" in text}
        good = all(r in failed and "2" in failed[r] for r in (0, 1, 3))
        print(f"{'PASS' if good else 'FAIL'} absent: ranks that reported rank 2 missing: {sorted(failed)}")
        ok &= good
        continue
    detected = {r: (t, text) for r, t, text in events if text.startswith("DETECTED")}
    delays = {r: t - fault for r, (t, text) in detected.items()} if fault else {}
    # A hung rank is alive and heartbeating: the survivors see their own deadline pass, and the first to see it is named.
    named = kind == "hang" or all("rank 2" in text for t, text in detected.values())
    good = fault is not None and set(detected) == {0, 1, 3} and named and max(delays.values()) <= LIMITS_MS[kind]
    ok &= good
    naming = "n/a (a hung rank is alive)" if kind == "hang" else named
    print(f"{'PASS' if good else 'FAIL'} {name}: survivors {sorted(detected)} named rank 2: {naming}; "
          f"ms from fault to each survivor's error: {delays} (limit {LIMITS_MS[kind]})")
sys.exit(0 if ok else 1)
