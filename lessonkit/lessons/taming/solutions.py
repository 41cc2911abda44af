"""The solution to lesson 3's coding exercise, printed by `q3.solution()` (never stored in the
notebook). The tests check that it passes the exercise's check."""
import torch


def my_mc_dropout(model, x, passes):
    was_training = model.training
    model.train()  # dropout on: every pass draws new masks
    with torch.no_grad():
        samples = torch.stack([model(x.unsqueeze(1)).squeeze(1) for _ in range(passes)])
    model.train(was_training)  # leave the model in the mode it came in
    return samples.mean(0), samples.std(0)
