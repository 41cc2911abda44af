"""Lesson-free machinery: argument checks, seeding, the device, data, the training loop,
checkpoints, Monte Carlo dropout, figures and explorers, progress bars, exercise reports.

Nothing here imports a lesson (`lessonkit.lessons`) or a program (`lessonkit.mnist`, `lessonkit.experiments`).
"""
