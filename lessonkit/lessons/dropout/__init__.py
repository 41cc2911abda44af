"""Lesson 2: how dropout works: masks, the 1/(1-p) scaling, train and eval mode, the ensemble view."""
