"""Lesson 3: dropout tames an overfitting network."""
