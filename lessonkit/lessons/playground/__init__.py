"""Lesson 4: a dropout playground. A small network trains live on two moons while the
learner moves p, and the decision boundary (결정 경계) follows.

    data.py     the two-moons problem with label noise (train, validation and test sets)
    model.py    the MLP and its training step, as the notebook shows them
    trainer.py  `LiveTrainer`: one step at a time, or `run(steps)`, the same numbers every time
    plots.py    the boundary and the loss/accuracy curves; the static figures of the notebook
    widget.py   `Playground`: play / pause / reset and a p slider, training on a background thread
    seeds.py    many seeds at once, for the numbers behind the lesson's claims
"""
