"""Automatic checks for lesson 4's predictions, with hints in stages (lessonkit.core.exercises).

    check_overfit_prediction(my_overfit_prediction)     # "all", "most" or "fewer" training points right
    check_val_loss_prediction(my_val_loss_prediction)   # "falls", "dips" or "rises" as p grows

Each takes `hint=1` (the symptom), `hint=2` (where to look) or `hint=3` (the fix).
"""
from lessonkit.core.exercises import load_questions

QUESTIONS = load_questions(__package__)  # the multiple-choice questions, in questions.toml

check_overfit_prediction = QUESTIONS["overfit_prediction"].check


check_val_loss_prediction = QUESTIONS["val_loss_prediction"].check
