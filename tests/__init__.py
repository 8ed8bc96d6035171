"""Tests of dropout_book."""
