"""Metric helpers of `sparkscout eval` against hand-computed answers."""

from __future__ import annotations

from scoring.evaluate import cut_f1, spearman, word_errors


def test_cut_matching_within_tolerance():
    assert cut_f1([1.0, 6.0, 13.1], [1.1, 6.3, 13.0, 20.0]) == (2, 4, 3)
    assert cut_f1([], []) == (0, 0, 0)


def test_word_error_rate_counts_edits_on_normalised_words():
    assert word_errors("Ask not what your country can do", "ask not what your country can do!") == (0, 7)
    assert word_errors("a b c d", "a x c") == (2, 4)


def test_spearman():
    assert spearman([0, 1, 2, 3], [90, 80, 70, 60]) == -1.0
    assert spearman([0, 1, 2], [5, 5, 5]) is None
