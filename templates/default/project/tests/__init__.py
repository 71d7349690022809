"""Tests of the generated project; `make test` runs them."""
