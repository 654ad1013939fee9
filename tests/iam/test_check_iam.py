"""The IAM check itself: it passes the templates as they are, and fails when a wildcard is added."""

import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "scripts", "check_iam.py")
TEMPLATE = os.path.join(ROOT, "template.yaml")


def run(*paths):
    return subprocess.run([sys.executable, CHECK, *paths], capture_output=True, text=True)


def with_extra_statement(statement):
    """template.yaml with one more statement in the first function's policy."""
    with open(TEMPLATE) as f:
        text = f.read()
    anchor = "            - Sid: ReadAndStopSessions\n"
    assert anchor in text
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text.replace(anchor, statement + anchor, 1))
    return f.name


class CheckIam(unittest.TestCase):
    def test_the_templates_pass(self):
        result = run(TEMPLATE, os.path.join(ROOT, "templates", "remediation-member-role.yaml"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_a_wildcard_resource_fails(self):
        path = with_extra_statement(
            '            - Sid: Oops\n              Effect: Allow\n              Action: s3:GetObject\n              Resource: "*"\n'
        )
        result = run(path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("Oops: wildcard resource * is not on the allowlist", result.stdout)

    def test_a_wildcard_action_fails(self):
        path = with_extra_statement(
            "            - Sid: TooBroad\n              Effect: Allow\n              Action: glue:*\n"
            "              Resource: !Sub arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:session/*\n"
        )
        result = run(path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("TooBroad: wildcard action glue:*", result.stdout)

    def test_an_allowlisted_sid_may_not_grow(self):
        path = with_extra_statement(
            '            - Sid: ListSessions\n              Effect: Allow\n              Action: [glue:ListSessions, glue:DeleteSession]\n              Resource: "*"\n'
        )
        result = run(path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("glue:DeleteSession on a wildcard resource is not on the allowlist", result.stdout)


if __name__ == "__main__":
    unittest.main()
