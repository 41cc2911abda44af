"""Lesson 4's questions, Kaggle Learn's way (lessonkit.core.exercises):

    q1.check(my_overfit_prediction)     # "all", "most" or "fewer" training points right
    q2.check(my_val_loss_prediction)    # "falls", "dips" or "rises" as p grows
    q1.hint(), q1.hint(2), q1.hint(3), q1.solution()

Their checkers, `QUESTIONS[...].check`, take `hint=1` (the symptom), `hint=2` (where to look) or
`hint=3` (the fix).
"""
from lessonkit.core.exercises import choice_exercise, load_questions

QUESTIONS = load_questions(__package__)  # the multiple-choice questions, in questions.toml

q1 = choice_exercise("q1", "how much of the training set p = 0 fits", QUESTIONS["overfit_prediction"])
q2 = choice_exercise("q2", "validation loss as p grows", QUESTIONS["val_loss_prediction"])
