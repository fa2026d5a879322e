"""Activation: the mock object, which mock is active, the botocore seam, the environment it patches."""
