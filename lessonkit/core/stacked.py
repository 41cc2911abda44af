"""Many runs of one network, trained at once: the course's one stacked trainer.

    stack = Stacked.from_runs([(make_model, 0), (make_model, 1)])   # make_model() after torch.manual_seed(seed)
    out = stack(x, training=True)        # x: (runs, batch, ...), a batch per run
    loss = per_run_losses.sum()          # each run's gradient is that of its own loss
    loss.backward(); optimizer.step()    # optimizer over stack.parameters()
    model = stack.member(0)              # run 0 as the plain network, with its trained weights

The runs' weights are stacked with `torch.func.stack_module_state` and the network the
lesson defines runs on all of them at once with `torch.func.vmap` over
`torch.func.functional_call`. Adam works weight by weight, so one Adam over the stacked
tensors is one Adam per run.

What torch.func cannot do is hand-written: dropout. Under `vmap` torch draws the masks of
all runs from one generator, so a run's masks would depend on which runs share its stack.
Here every run has its own generator, and its masks are drawn from it exactly as
`nn.Dropout` draws them on a CPU (`bernoulli_(1 - p)`, then divided by `1 - p`; nothing is
drawn at p = 0), one dropout layer after another in the order the forward pass calls them.
So a run trained in a stack ends where the same run trained alone ends (float rounding
aside); the tests of each lesson that stacks check it.
"""
import copy

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap


class _GivenMask(nn.Module):
    """Stands in for an `nn.Dropout` inside the stacked forward pass: multiplies by the mask
    it is handed (None: eval mode, the input passes unchanged)."""

    def __init__(self):
        super().__init__()
        self.mask = None

    def forward(self, x):
        return x if self.mask is None else x * self.mask


def draw_mask(shape, p: float, generator: torch.Generator, device=None) -> torch.Tensor:
    """The mask `nn.Dropout(p)` multiplies by in train mode on a CPU, from `generator`:
    kept units 1/(1-p), dropped 0. p = 0 draws nothing (all ones); p = 1 draws nothing (zeros)."""
    if p == 0:
        return torch.ones(shape, device=device)
    if p == 1:
        return torch.zeros(shape, device=device)
    return torch.empty(shape, device=device).bernoulli_(1 - p, generator=generator).div_(1 - p)


class Stacked:
    """K runs of one architecture: their weights stacked, trained as one computation.

    models: K networks of the same architecture (same parameter names and shapes); their
    `nn.Dropout` layers may have different p. generators: one per run, the source of its
    dropout masks (see `from_runs`). The stacked weights are `parameters()`.
    """

    def __init__(self, models: list[nn.Module], generators: list[torch.Generator]):
        models = list(models)
        if not models:
            raise ValueError("models must hold at least one network, got none")
        if len(generators) != len(models):
            raise ValueError(f"generators must hold one generator per model ({len(models)}), got {len(generators)}")
        shapes = {name: p.shape for name, p in models[0].named_parameters()}
        for k, model in enumerate(models[1:], 1):
            if {name: p.shape for name, p in model.named_parameters()} != shapes:
                raise ValueError(f"models[{k}] has other parameters than models[0]: all must share one architecture")
        self.models, self.generators = models, list(generators)
        self.params, self.buffers = stack_module_state(models)  # e.g. params["1.weight"]: (K, out, in)
        self.device = next(iter(self.params.values())).device
        # the skeleton the stacked weights run in: the first model's layers, with each
        # nn.Dropout replaced by a _GivenMask, and no weights of its own ("meta" tensors)
        self.skeleton = copy.deepcopy(models[0]).to("meta")
        self.sites = []  # (name of the dropout layer, [its p in each run])
        for name, module in list(self.skeleton.named_modules()):
            if isinstance(module, nn.Dropout):
                ps = [model.get_submodule(name).p for model in models]
                self.sites.append((name, ps))
                self.skeleton.set_submodule(name, _GivenMask())
        self._order = {}  # input shape -> [(site index, its input shape)] in call order

    @classmethod
    def from_runs(cls, runs, device="cpu") -> "Stacked":
        """One run per (make_model, seed): `torch.manual_seed(seed)`, `make_model()`, and the
        run's masks from a generator in the state torch's global one is then in, which is where
        `nn.Dropout` would draw them from if that run were trained alone on a CPU. On a GPU the
        masks come from a CUDA generator seeded with the seed (torch's own CUDA dropout draws
        differently, so there a stacked run equals a run alone only in distribution).
        The caller's random state is kept."""
        device = torch.device(device)
        models, generators = [], []
        with torch.random.fork_rng(devices=[]):
            for make_model, seed in runs:
                torch.manual_seed(seed)
                models.append(make_model().to(device))
                if device.type == "cpu":
                    generator = torch.Generator()
                    generator.set_state(torch.get_rng_state())
                else:
                    generator = torch.Generator(device).manual_seed(seed)
                generators.append(generator)
        return cls(models, generators)

    def __len__(self) -> int:
        return len(self.models)

    def parameters(self) -> list[torch.Tensor]:
        return list(self.params.values())

    def _call_order(self, x_shape) -> list:
        """Which dropout layers the forward pass calls, in order, and the shape each sees
        (read once per input shape, by a pass on "meta" tensors that computes nothing)."""
        if x_shape not in self._order:
            index = {id(self.skeleton.get_submodule(name)): i for i, (name, _) in enumerate(self.sites)}
            seen = []
            hooks = [self.skeleton.get_submodule(name).register_forward_pre_hook(
                lambda module, args: seen.append((index[id(module)], tuple(args[0].shape))))
                for name, _ in self.sites]
            try:
                with torch.no_grad():
                    functional_call(self.skeleton, {**{k: v[0].to("meta") for k, v in self.params.items()},
                                                    **{k: v[0].to("meta") for k, v in self.buffers.items()}},
                                    (torch.empty(x_shape, device="meta"),))
            finally:
                for hook in hooks:
                    hook.remove()
            self._order[x_shape] = seen
        return self._order[x_shape]

    def masks(self, x_shape) -> list[torch.Tensor]:
        """One training step's masks: for each dropout call, a (K, *shape) tensor; run k's
        part drawn from its own generator, in the order that run alone would draw it."""
        calls = self._call_order(x_shape)
        per_run = [[draw_mask(shape, self.sites[site][1][k], generator, self.device) for site, shape in calls]
                   for k, generator in enumerate(self.generators)]
        return [torch.stack(masks) for masks in zip(*per_run)]

    def __call__(self, x: torch.Tensor, training: bool, params: dict | None = None):
        """All runs' outputs, (K, batch, ...). x: (K, batch, ...), a batch per run (`expand` one
        batch for every run to share it). training=True draws dropout masks;
        False is eval mode (dropout off). params: other stacked weights to evaluate with, in
        eval mode (e.g. weights kept from an earlier step); their K may differ."""
        if params is not None and (training or self.buffers):
            raise ValueError("params can replace the weights in eval mode only, of a network without buffers")
        params = self.params if params is None else params
        runs = len(next(iter(params.values())))
        if x.dim() == 0 or x.shape[0] != runs:
            raise ValueError(f"x must have one batch per run, shape ({runs}, batch, ...), got {tuple(x.shape)}")
        one_shape = tuple(x.shape[1:])
        order = self._call_order(one_shape) if training else []
        masks = self.masks(one_shape) if training else []
        sites = [self.skeleton.get_submodule(self.sites[i][0]) for i, _ in order]

        def one_run(params, buffers, x, masks):
            # a layer called twice would get two masks; every call in this course's networks is its own layer
            for site, mask in zip(sites, masks):
                site.mask = mask
            try:
                return functional_call(self.skeleton, {**params, **buffers}, (x,))
            finally:
                for site in sites:
                    site.mask = None

        return vmap(one_run)(params, self.buffers, x, masks)

    def add_weight_decay(self, decays) -> None:
        """Coupled L2 per run, as `torch.optim.Adam(weight_decay=λ)` applies it: after
        `backward()`, each run's gradient gains λ_k · w. Call it before `optimizer.step()`."""
        decays = torch.as_tensor(list(decays), dtype=torch.float32, device=self.device)
        if len(decays) != len(self):
            raise ValueError(f"decays must hold one value per run ({len(self)}), got {len(decays)}")
        with torch.no_grad():
            for p in self.parameters():
                if p.grad is not None:
                    p.grad.add_(p * decays.view(-1, *[1] * (p.dim() - 1)))

    def member(self, k: int) -> nn.Module:
        """Run k as its plain network (the model it was made from) holding its current weights."""
        if not 0 <= k < len(self):
            raise ValueError(f"k must be in [0, {len(self) - 1}], got {k}")
        model = self.models[k]
        with torch.no_grad():
            for name, value in model.named_parameters():
                value.copy_(self.params[name][k])
            for name, value in model.named_buffers():
                value.copy_(self.buffers[name][k])
        return model
