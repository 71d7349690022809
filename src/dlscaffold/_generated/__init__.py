"""What a project generated from a Copier template holds, read by `update` and `check` alike.

The answers file and the template source it records (`answers`, `source`), the entries of a
rendered tree (`entries`), conflict markers left in files (`markers`) and the digests of a
pristine render of the recorded version (`pristine`). `dlscaffold._update` and
`dlscaffold._check` both import from here and never from each other.
"""
