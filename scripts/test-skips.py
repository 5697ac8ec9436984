#!/usr/bin/env python3
"""Lists the tests that were skipped, grouped by their reason, from the TRX files `dotnet test` writes
(tests/Directory.Build.props sends them to artifacts/test-results/): test-skips.py [FOLDER]

`dotnet test` shows "[SKIP]" without the reason at its default verbosity; this is the reason, once per cause."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "artifacts", "test-results")
by_reason = {}
for trx in sorted(glob.glob(os.path.join(folder, "*.trx"))):
    for result in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") != "NotExecuted":
            continue
        message = result.find(".//t:Message", NS)
        reason = (message.text or "").strip().splitlines()[0] if message is not None and message.text else "(no reason given)"
        by_reason.setdefault(reason, []).append(result.get("testName"))
total = sum(len(tests) for tests in by_reason.values())
print(f"{total} tests skipped, for {len(by_reason)} reason(s):")
for reason, tests in sorted(by_reason.items(), key=lambda item: -len(item[1])):
    print(f"- {len(tests)}: {reason}")
    for test in sorted(tests)[:3]:
        print(f"    {test}")
    if len(tests) > 3:
        print(f"    ... and {len(tests) - 3} more")
