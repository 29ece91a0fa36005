"""Sharing one incident across hosts through one DynamoDB table (issue 15). No Textual.

The design, and the order it is built in, is docs/sharing-design.md. Built so far:

* ``uri.py`` — the share's address, ``dynamodb://TABLE?region=R[&profile=P]``, parsed once
  (config ``share``, the global ``--share``).
* ``table.py`` — the table's key scheme (design 3.2) and the DynamoDB operations Cockpit
  calls, from which ``cockpit share policy`` writes its IAM policy.
* ``admin.py`` — ``cockpit share init`` (create or check the table) and the IAM policies.

Import from the submodules: the package itself imports nothing.
"""
