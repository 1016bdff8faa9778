"""Manifest-driven streaming runtimes over exported artifacts (installed as `f3edge.runtimes`)."""
