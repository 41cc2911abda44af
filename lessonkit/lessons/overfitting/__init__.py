"""Lesson 1: underfitting, a good fit, overfitting; train and test error; the remedies."""
