"""Lesson 5: the MNIST dropout lab."""
