"""Prints 'N passed, N failed' (and skipped) from the trx files dotnet test wrote."""
import glob, os, sys
import xml.etree.ElementTree as ET

root = sys.argv[1] if len(sys.argv) > 1 else "TestResults"
files = glob.glob(os.path.join(root, "**", "*.trx"), recursive=True)
passed = failed = skipped = 0
for f in files:
    counters = ET.parse(f).getroot().find(".//{*}ResultSummary/{*}Counters")
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    # The VSTest trx logger leaves notExecuted at 0 for skipped xunit tests: they are total - executed.
    skipped += max(int(counters.get("notExecuted", 0)), int(counters.get("total", 0)) - int(counters.get("executed", 0)))
if not files:
    print("0 passed, 1 failed (no test results were written)")
    sys.exit(1)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
