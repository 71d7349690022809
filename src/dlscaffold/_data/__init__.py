"""Datasets linked into a project: relative links, protection, registry and manifests."""
