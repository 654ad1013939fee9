"""`make bench`'s summary (benches/summary.py) over the results one whole run wrote: the run of
2026-12-07 whose figures docs/web-crawler.md quotes. The summary runs last, after an hour of
benchmarks, so a result it cannot read would lose the table at the end of that hour."""

import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(ROOT, "tests", "benches", "2026-12-07")


class Summary(unittest.TestCase):
    def test_the_summary_reads_every_result_of_a_whole_run(self):
        run = subprocess.run(
            [sys.executable, os.path.join(ROOT, "benches", "summary.py"), RESULTS],
            capture_output=True,
            text=True,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        lines = run.stdout.splitlines()
        # The rows with large inputs have no package of their own.
        [page] = [l for l in lines if l.startswith("crawl-page, a 50 MB page")]
        self.assertTrue(page.rstrip().endswith("-"), page)
        self.assertIn("(median of our functions: start-up 3.2 ms, peak 11.6 MB)", lines)
        [crawl] = [l for l in lines if "32 hosts, ours" in l]
        self.assertIn("591 pages/s", crawl)
        self.assertIn("1.02x wget2", crawl)
        self.assertIn("0.54 ms CPU per page (0.95x wget2's)", crawl)
        self.assertIn("run by run against wget2: 1.02x its pages/s, 1.04x its CPU per page", crawl)
        self.assertEqual(len([l for l in lines if l.startswith("Cost-safety simulation, seed")]), 3)


if __name__ == "__main__":
    unittest.main()
