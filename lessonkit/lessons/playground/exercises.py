"""Automatic checks for lesson 4's predictions, with hints in stages (lessonkit.core.exercises).

    check_overfit_prediction(my_overfit_prediction)     # "all", "most" or "fewer" training points right
    check_val_loss_prediction(my_val_loss_prediction)   # "falls", "dips" or "rises" as p grows

Each takes `hint=1` (the symptom), `hint=2` (where to look) or `hint=3` (the fix).
"""
from lessonkit.core.exercises import CheckReport, Mistake, check_multiple_choice


def check_overfit_prediction(answer, *, hint: int = 1) -> CheckReport:
    """Your prediction: after 500 full-batch steps WITHOUT dropout (p = 0), how many of the 100
    training points does the network classify as labelled: "all" of them (flipped ones
    included), "most" (about 90%: all but the flipped ones), or "fewer" (well under 90%)?"""
    where = ("section 1: count the network's weights against the training points, and remember that nothing "
             "in the loss tells the network which labels were flipped.")
    fix = ("the loss rewards every training label equally, flipped or not, and 4,417 weights are plenty for "
           "100 points: compare the number of weights with the number of points.")
    return check_multiple_choice(
        "my_overfit_prediction", answer, right="all", hint=hint,
        praise="With 4,417 weights for 100 points and nothing that tells it which labels are wrong, the "
               "network learns the flipped points too: it bends its boundary around each of them. Section 2 "
               "shows the islands this makes.",
        wrong={
            "most": Mistake("the network taken to know which labels are flipped", "the network never learns "
                            "which labels were flipped: to it a flipped label is a label like any other.",
                            where, fix),
            "fewer": Mistake("the network taken to be too small", "two moons are an easy shape, and the network "
                             "has far more weights than there are points.", where, fix),
        })


def check_val_loss_prediction(answer, *, hint: int = 1) -> CheckReport:
    """Your prediction: over 20 seeds, as p grows from 0 to 0.9, what does the mean VALIDATION
    LOSS (cross-entropy) do: it "falls" all the way, "dips" (falls, then rises again at large p,
    like the accuracy), or "rises"?"""
    where = ("what cross-entropy charges: a confidently wrong point costs a lot, an unsure one little. With "
             "10% of the labels flipped, a validation set is full of points no boundary gets right; what does "
             "dropout do to the network's confidence?")
    fix = ("dropout makes the network less sure of itself at every p, and on data with flipped labels "
           "cross-entropy rewards modesty even when the boundary gets worse: follow the loss and the accuracy "
           "separately.")
    return check_multiple_choice(
        "my_val_loss_prediction", answer, right="falls", hint=hint,
        praise="The validation loss falls even at p = 0.9, where the accuracy already drops: dropout makes the "
               "network less confident, and with flipped labels cross-entropy rewards that. That is why p is "
               "chosen by accuracy here: a loss alone can mislead.",
        wrong={
            "dips": Mistake("the loss taken to follow the accuracy", "loss and accuracy measure different "
                            "things: the accuracy counts mistakes, the loss charges for confidence.", where, fix),
            "rises": Mistake("dropout taken to hurt the validation fit", "without dropout the network fits the "
                             "flipped training points with confidence, and pays for it on new points.", where, fix),
        })
