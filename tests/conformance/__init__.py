"""Conformance: what PyTorch and Keras test for their dropout, in this package's inverted form."""
