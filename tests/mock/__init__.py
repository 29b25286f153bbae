"""Tests of the mock server, one file per module, through the real app."""
