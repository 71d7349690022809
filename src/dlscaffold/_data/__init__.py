"""Datasets linked into a project: relative links, protection, registry and manifests.

One job per module: `names` (what a dataset may be called), `project` (where the project
and its links are), `registry` (the tracked `data/datasets.yaml`), `manifest` (the scan and
the fingerprint shared with the generated project), `hashing` (content hashes), `records`
(per-machine file detail), `protect` (mode bits), and one module per operation: `link`,
`listing`, `verify`, `unlink`, `health` (for `dlscaffold check`). None of them prints.
"""
