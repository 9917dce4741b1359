#!/usr/bin/env python3
"""Where a run's time went: each test class's first start to last end, and its tests' summed time, from TRX files."""
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def parse(stamp):
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", stamp))


classes = {}
results = defaultdict(list)
for path in sys.argv[2:]:
    root = ET.parse(path).getroot()
    for test in root.iter(NS + "UnitTest"):
        classes[test.get("id")] = test.find(NS + "TestMethod").get("className").split(".")[-1]
    for result in root.iter(NS + "UnitTestResult"):
        if result.get("startTime") and result.get("endTime"):
            results[classes.get(result.get("testId"), "?")].append((parse(result.get("startTime")), parse(result.get("endTime"))))

if not results:
    sys.exit(0)
start = min(begin for times in results.values() for begin, _ in times)
rows = sorted(((min(b for b, _ in t), max(e for _, e in t), sum((e - b).total_seconds() for b, e in t), len(t), name)
               for name, t in results.items()), key=lambda row: row[2], reverse=True)
print(f"The {sys.argv[1]} slowest test classes (seconds from the run's first test: start, end; the tests' summed time):")
for begin, end, total, count, name in rows[: int(sys.argv[1])]:
    print(f"  {(begin - start).total_seconds():6.0f} {(end - start).total_seconds():6.0f} {total:6.0f} s  {count:3d} tests  {name}")
