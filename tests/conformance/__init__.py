"""Helpers for running W3C conformance suites against the real server over HTTP."""
